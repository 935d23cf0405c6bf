/// How GST applies to a supply, decided by the supplier's state and the place of supply.
package enum SupplyType: String, Sendable, Codable {
    /// Same state: CGST and SGST.
    case intraState = "intra_state"
    /// Same union territory without a legislature: CGST and UTGST.
    case intraUnionTerritory = "intra_union_territory"
    /// Different states: IGST.
    case interState = "inter_state"
    /// Export of services under a Letter of Undertaking: zero-rated, no tax.
    case exportUnderLUT = "export_under_lut"
}

/// One of the GST taxes printed on an invoice, in the order they are printed.
package enum TaxHead: String, Sendable, Codable, CaseIterable {
    case cgst
    case sgst
    case utgst
    case igst
}

extension TaxHeadAmount {
    /// Heads print CGST, SGST, UTGST, IGST, and by rate within a head.
    package static func printOrder(_ lhs: TaxHeadAmount, _ rhs: TaxHeadAmount) -> Bool {
        let lhsHead = TaxHead.allCases.firstIndex(of: lhs.head) ?? 0
        let rhsHead = TaxHead.allCases.firstIndex(of: rhs.head) ?? 0
        return (lhsHead, lhs.rateBasisPoints) < (rhsHead, rhs.rateBasisPoints)
    }
}

/// The tax under one head at one rate.
package struct TaxHeadAmount: Hashable, Sendable {
    package let head: TaxHead
    /// This head's own rate: 900 for 9% CGST on an 18% supply.
    package let rateBasisPoints: Int
    /// The value taxed at this rate.
    package let taxableAmount: Money
    package let amount: Money

    /// A tax head's line as computed elsewhere, or read back from storage.
    package init(head: TaxHead, rateBasisPoints: Int, taxableAmount: Money, amount: Money) {
        self.head = head
        self.rateBasisPoints = rateBasisPoints
        self.taxableAmount = taxableAmount
        self.amount = amount
    }
}

/// A taxable value and its GST rate: an invoice line as the tax calculation sees it.
package struct TaxableItem: Hashable, Sendable {
    package let taxableAmount: Money
    /// The full GST rate: 1800 for 18%.
    package let rateBasisPoints: Int

    /// An item of `taxableAmount` taxed at `rateBasisPoints` (1800 is 18%).
    package init(taxableAmount: Money, rateBasisPoints: Int) {
        self.taxableAmount = taxableAmount
        self.rateBasisPoints = rateBasisPoints
    }
}

/// The GST on a document, head by head.
package struct TaxBreakdown: Hashable, Sendable {
    package let supplyType: SupplyType
    /// The sum of the items' taxable values.
    package let taxableAmount: Money
    /// Sorted by head, then by rate; a zero-rated supply has none.
    package let heads: [TaxHeadAmount]

    /// A breakdown as computed by ``GSTCalculator`` or read back from storage.
    package init(supplyType: SupplyType, taxableAmount: Money, heads: [TaxHeadAmount]) {
        self.supplyType = supplyType
        self.taxableAmount = taxableAmount
        self.heads = heads
    }

    /// The tax under `head`, over all rates.
    package func amount(for head: TaxHead) -> Money {
        self.heads.filter { $0.head == head }.map(\.amount).sum(in: self.taxableAmount.currency)
    }

    /// Central GST.
    package var cgst: Money { self.amount(for: .cgst) }
    /// State GST.
    package var sgst: Money { self.amount(for: .sgst) }
    /// Union territory GST.
    package var utgst: Money { self.amount(for: .utgst) }
    /// Integrated GST.
    package var igst: Money { self.amount(for: .igst) }

    /// All the tax: the sum of every head.
    package var total: Money {
        self.heads.map(\.amount).sum(in: self.taxableAmount.currency)
    }

    /// The text an export invoice under a Letter of Undertaking must carry, or `nil` for other supplies.
    package var endorsement: String? {
        guard self.supplyType == .exportUnderLUT else { return nil }
        return "SUPPLY MEANT FOR EXPORT UNDER LETTER OF UNDERTAKING WITHOUT PAYMENT OF INTEGRATED TAX"
    }
}

/// Computes GST the way the invoice shows it: per rate on the summed taxable value, in minor units.
package enum GSTCalculator {
    /// 18%, the rate for the IT and hosting services of SAC heading 9983.
    package static let standardRateBasisPoints = 1800

    /// Intra-state, intra-union-territory, inter-state or export, from where the supplier and the recipient are.
    ///
    /// An export is zero-rated only under a Letter of Undertaking; without one, IGST is paid on it.
    package static func supplyType(
        supplierState: StateCode, placeOfSupply: StateCode, exportsUnderLUT: Bool = true
    ) -> SupplyType {
        if placeOfSupply == .otherCountry {
            return exportsUnderLUT ? .exportUnderLUT : .interState
        }
        if supplierState != placeOfSupply {
            return .interState
        }
        return placeOfSupply.isUnionTerritoryWithoutLegislature ? .intraUnionTerritory : .intraState
    }

    /// The tax on `items`, all in `currency`: items are grouped by rate and each rate's total is taxed once.
    package static func breakdown(
        supplierState: StateCode,
        placeOfSupply: StateCode,
        items: [TaxableItem],
        currency: Currency,
        exportsUnderLUT: Bool = true
    ) -> TaxBreakdown {
        self.breakdown(
            supplyType: self.supplyType(
                supplierState: supplierState, placeOfSupply: placeOfSupply, exportsUnderLUT: exportsUnderLUT),
            items: items, currency: currency)
    }

    /// The tax on `items` under the heads of `supplyType`: a credit or debit note is taxed under its invoice's.
    package static func breakdown(supplyType: SupplyType, items: [TaxableItem], currency: Currency) -> TaxBreakdown {
        let taxableAmount = items.map(\.taxableAmount).sum(in: currency)
        guard supplyType != .exportUnderLUT else {
            return TaxBreakdown(supplyType: supplyType, taxableAmount: taxableAmount, heads: [])
        }
        let taxableByRate = Dictionary(grouping: items, by: \.rateBasisPoints)
            .mapValues { $0.map(\.taxableAmount).sum(in: currency) }
        var heads: [TaxHeadAmount] = []
        for (rate, taxable) in taxableByRate where rate != 0 {
            precondition(rate > 0, "a GST rate cannot be negative: \(rate) basis points")
            for head in self.heads(of: supplyType) {
                heads.append(
                    TaxHeadAmount(
                        head: head, rateBasisPoints: self.headRate(head, fullRate: rate), taxableAmount: taxable,
                        amount: self.tax(on: taxable, head: head, fullRate: rate)))
            }
        }
        heads.sort(by: TaxHeadAmount.printOrder)
        return TaxBreakdown(supplyType: supplyType, taxableAmount: taxableAmount, heads: heads)
    }

    /// The heads a supply of `supplyType` is taxed under, in print order.
    package static func heads(of supplyType: SupplyType) -> [TaxHead] {
        switch supplyType {
        case .intraState: return [.cgst, .sgst]
        case .intraUnionTerritory: return [.cgst, .utgst]
        case .interState: return [.igst]
        case .exportUnderLUT: return []
        }
    }

    /// A head's own rate for a supply taxed at `fullRate`: the whole of it for IGST, half for the others.
    package static func headRate(_ head: TaxHead, fullRate: Int) -> Int {
        head == .igst ? fullRate : fullRate / 2
    }

    /// The tax under `head` on `taxable` of a supply taxed at `fullRate`, rounded once to minor units.
    package static func tax(on taxable: Money, head: TaxHead, fullRate: Int) -> Money {
        head == .igst
            ? taxable.applying(rateBasisPoints: fullRate) : self.halfTax(on: taxable, rateBasisPoints: fullRate)
    }

    /// A rate in basis points as a percentage: `9%`, `2.5%`, `0.25%`.
    package static func percentage(basisPoints: Int) -> String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        guard fraction != 0 else { return "\(whole)%" }
        let digits = fraction < 10 ? "0\(fraction)" : fraction % 10 == 0 ? "\(fraction / 10)" : "\(fraction)"
        return "\(whole).\(digits)%"
    }

    /// The central (and equal state) share of a tax at `rateBasisPoints`, rounded once.
    private static func halfTax(on taxable: Money, rateBasisPoints: Int) -> Money {
        if rateBasisPoints.isMultiple(of: 2) {
            return taxable.applying(rateBasisPoints: rateBasisPoints / 2)
        }
        // An odd rate in basis points (0.25% on some goods) splits into half basis points; round the exact half.
        let product = Int128(taxable.minorUnits) * Int128(rateBasisPoints)
        let minorUnits = Rounding.divideRoundingHalfAwayFromZero(product, by: 20_000)
        return Money(minorUnits: Int64(minorUnits), currency: taxable.currency)
    }
}
