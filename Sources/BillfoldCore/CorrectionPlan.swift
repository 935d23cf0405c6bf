/// What an operator credits or debits on one line of an invoice: an amount of its taxable value, or a quantity of
/// its units at the line's price.
package struct LineAdjustment: Hashable, Sendable {
    package enum Measure: Hashable, Sendable {
        case amount(Money)
        case quantity(FixedDecimal)
    }

    /// The line's position on the invoice, from 0.
    package let position: Int
    package let measure: Measure

    package init(position: Int, measure: Measure) {
        self.position = position
        self.measure = measure
    }
}

/// Why a credit or debit note cannot be drawn up as asked; `param` names the request's field at fault.
package struct CorrectionError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// A line is not on the invoice, is named twice, or asks for nothing.
        case invalidLine = "invalid_line"
        /// More than the line has left to credit.
        case exceedsLine = "exceeds_line"
        /// A GST credit note after the section 34(2) deadline.
        case deadlinePassed = "credit_note_deadline_passed"
    }

    package let code: Code
    package let message: String
    package let param: String?

    package init(_ code: Code, _ message: String, param: String? = nil) {
        self.code = code
        self.message = message
        self.param = param
    }

    package var description: String { self.message }
}

/// What the credit notes already issued against one invoice took from it, line by line and head by head.
package struct CreditedSoFar: Hashable, Sendable {
    /// Taxable value credited from each line, by every credit note, GST or commercial.
    package private(set) var amountByPosition: [Int: Money] = [:]
    /// Units credited from each line by quantity.
    package private(set) var quantityByPosition: [Int: FixedDecimal] = [:]
    /// Taxable value credited at each full GST rate, by every credit note.
    package private(set) var amountByRate: [Int: Money] = [:]
    /// Taxable value and tax credited under each head at each head rate, by GST credit notes.
    package private(set) var taxable: [TaxKey: Money] = [:]
    package private(set) var tax: [TaxKey: Money] = [:]

    /// A head at its own rate.
    package struct TaxKey: Hashable, Sendable {
        package let head: TaxHead
        package let rateBasisPoints: Int
    }

    /// What `notes`, the credit notes of one invoice, took from it.
    package init(notes: [Invoice]) {
        for note in notes where note.kind == .creditNote && note.state != .draft {
            for line in note.lines {
                guard let position = line.originalPosition else { continue }
                self.amountByPosition[position, default: .zero(note.currency)] += line.amount
                self.amountByRate[line.gstRateBasisPoints, default: .zero(note.currency)] += line.amount
                if line.unit != CorrectionPlan.amountCreditUnit {
                    self.quantityByPosition[position, default: .zero] =
                        self.quantityByPosition[position, default: .zero] + line.quantity
                }
            }
            for head in note.tax.heads {
                let key = TaxKey(head: head.head, rateBasisPoints: head.rateBasisPoints)
                self.taxable[key, default: .zero(note.currency)] += head.taxableAmount
                self.tax[key, default: .zero(note.currency)] += head.amount
            }
        }
    }

    /// What line `position` of `invoice` has left to credit.
    package func remaining(of line: InvoiceLine, at position: Int) -> (amount: Money, quantity: FixedDecimal) {
        let amount = line.amount - (self.amountByPosition[position] ?? .zero(line.amount.currency))
        let quantity = line.quantity - (self.quantityByPosition[position] ?? .zero)
        return (amount, quantity)
    }
}

/// The lines and tax of a credit or debit note against an invoice: pure arithmetic, no I/O.
///
/// A credit note takes its tax under the invoice's own heads (the place of supply is never worked out again), rate by
/// rate. The tax of each head is the tax on everything credited at that rate so far less what earlier notes took,
/// so however the credits are cut, their tax adds up to what the whole would have: many small credits that together
/// make the whole line end exactly at the invoice's tax, never a paisa over. Each note's tax is within a paisa of its
/// own value times the rate.
package enum CorrectionPlan {
    /// The unit a line credited by amount carries: one lot of the amount credited.
    package static let amountCreditUnit = "adjustment"

    /// The last day a GST credit note may be issued for a supply invoiced on `issueDate`: 30 November after the end
    /// of its financial year (section 34(2), as amended in 2022). The annual return, if filed earlier, ends it
    /// sooner; that date is the supplier's to know.
    package static func gstDeadline(forSupplyInvoicedOn issueDate: CalendarDate) -> CalendarDate {
        CalendarDate(year: FinancialYear(containing: issueDate).startYear + 1, month: 11, day: 30)!
    }

    /// Refuses a GST credit note against `invoice` dated `issueDate` when section 34(2)'s deadline has passed; a
    /// commercial one (`adjustsGST` false) has none.
    package static func checkDeadline(
        of invoice: Invoice, adjustsGST: Bool, issueDate: CalendarDate
    ) throws(CorrectionError) {
        if adjustsGST, let invoiceDate = invoice.issueDate {
            let deadline = self.gstDeadline(forSupplyInvoicedOn: invoiceDate)
            if issueDate > deadline {
                throw CorrectionError(
                    .deadlinePassed,
                    "A GST credit note for \(invoice.number ?? invoice.id.rawValue) of \(invoiceDate) had to be issued "
                        + "by \(deadline) (30 November after the end of its financial year, section 34(2) CGST Act); "
                        + "issue a commercial credit note instead (\"adjusts_gst\": false), which changes no GST",
                    param: "adjusts_gst")
            }
        }
    }

    /// The lines and tax of a credit note against `invoice` after `earlier` credit notes: the caller checks the
    /// deadline first. A commercial note (`adjustsGST` false) credits value alone and carries no tax.
    package static func creditNote(
        against invoice: Invoice, adjustments: [LineAdjustment], earlier: CreditedSoFar, adjustsGST: Bool
    ) throws(CorrectionError) -> (lines: [InvoiceLine], tax: TaxBreakdown) {
        let lines = try self.lines(of: invoice, adjustments: adjustments) {
            line, position, index, measure
                throws(CorrectionError) in
            let left = earlier.remaining(of: line, at: position)
            switch measure {
            case .amount(let amount):
                guard amount.minorUnits <= left.amount.minorUnits else {
                    throw CorrectionError(
                        .exceedsLine,
                        "Line \(position) (\(line.description)) has \(left.amount.formatted()) left to credit; "
                            + "\(amount.formatted()) was asked", param: "lines[\(index)].amount")
                }
                return amount
            case .quantity(let quantity):
                guard quantity <= left.quantity else {
                    throw CorrectionError(
                        .exceedsLine,
                        "Line \(position) (\(line.description)) has \(left.quantity) \(line.unit) left to credit; "
                            + "\(quantity) was asked", param: "lines[\(index)].quantity")
                }
                // The last of the units takes what is left of the value, so the line ends exactly at it.
                if quantity == left.quantity { return left.amount }
                let priced =
                    (try? Money.amount(quantity: quantity, unitPrice: line.unitPrice, currency: line.amount.currency))
                    ?? left.amount
                guard priced.minorUnits <= left.amount.minorUnits else {
                    throw CorrectionError(
                        .exceedsLine,
                        "Line \(position) (\(line.description)) has \(left.amount.formatted()) left to credit; "
                            + "\(quantity) \(line.unit) is \(priced.formatted())", param: "lines[\(index)].quantity")
                }
                return priced
            }
        }
        let currency = invoice.currency
        // Lines of one rate may be negative (a plan change's unused time): what is credited at a rate, over every
        // note, stays within what the invoice charged at that rate, net.
        let creditedByRateNow = Dictionary(grouping: lines, by: \.gstRateBasisPoints).mapValues {
            $0.map(\.amount).sum(in: currency)
        }
        for (rate, credited) in creditedByRateNow {
            let invoiced = self.netAmount(of: invoice, at: rate)
            let before = earlier.amountByRate[rate] ?? .zero(currency)
            guard (before + credited).minorUnits <= invoiced.minorUnits else {
                let left = invoiced - before
                throw CorrectionError(
                    .exceedsLine,
                    "The invoice's lines at \(GSTCalculator.percentage(basisPoints: rate)) GST come to \(invoiced.formatted()) net; "
                        + "\((left.isNegative ? .zero(currency) : left).formatted()) of it is left to credit and "
                        + "\(credited.formatted()) was asked", param: "lines")
            }
        }
        let taxable = lines.map(\.amount).sum(in: currency)
        guard adjustsGST, invoice.tax.supplyType != .exportUnderLUT else {
            return (lines, TaxBreakdown(supplyType: invoice.tax.supplyType, taxableAmount: taxable, heads: []))
        }
        var heads: [TaxHeadAmount] = []
        let creditedByRate = Dictionary(grouping: lines, by: \.gstRateBasisPoints)
            .mapValues { $0.map(\.amount).sum(in: currency) }
        for (rate, credited) in creditedByRate where rate > 0 {
            for head in GSTCalculator.heads(of: invoice.tax.supplyType) {
                let headRate = GSTCalculator.headRate(head, fullRate: rate)
                let key = CreditedSoFar.TaxKey(head: head, rateBasisPoints: headRate)
                let original = invoice.tax.heads.first { $0.head == head && $0.rateBasisPoints == headRate }
                let invoicedTaxable = original?.taxableAmount ?? .zero(currency)
                let invoicedTax = original?.amount ?? .zero(currency)
                let taxableBefore = earlier.taxable[key] ?? .zero(currency)
                let taxBefore = earlier.tax[key] ?? .zero(currency)
                let creditedInAll = taxableBefore + credited
                let taxInAll =
                    creditedInAll == invoicedTaxable
                    ? invoicedTax : GSTCalculator.tax(on: creditedInAll, head: head, fullRate: rate)
                let left = invoicedTax - taxBefore
                var amount = taxInAll - taxBefore
                if amount.isNegative { amount = .zero(currency) }
                if amount.minorUnits > left.minorUnits { amount = left.isNegative ? .zero(currency) : left }
                heads.append(
                    TaxHeadAmount(head: head, rateBasisPoints: headRate, taxableAmount: credited, amount: amount))
            }
        }
        heads.sort(by: TaxHeadAmount.printOrder)
        return (lines, TaxBreakdown(supplyType: invoice.tax.supplyType, taxableAmount: taxable, heads: heads))
    }

    /// What is left to credit of `invoice` after `earlier`, by amount, line by line: each line's rest, within what
    /// is left at its rate net of the rate's negative lines.
    package static func remainder(of invoice: Invoice, after earlier: CreditedSoFar) -> [LineAdjustment] {
        var leftAtRate: [Int: Money] = [:]
        for rate in Set(invoice.lines.map(\.gstRateBasisPoints)) {
            leftAtRate[rate] =
                self.netAmount(of: invoice, at: rate) - (earlier.amountByRate[rate] ?? .zero(invoice.currency))
        }
        var adjustments: [LineAdjustment] = []
        for (position, line) in invoice.lines.enumerated() {
            let rateLeft = leftAtRate[line.gstRateBasisPoints] ?? .zero(invoice.currency)
            let left = Money.minimum(earlier.remaining(of: line, at: position).amount, rateLeft)
            guard left.isPositive else { continue }
            leftAtRate[line.gstRateBasisPoints] = rateLeft - left
            adjustments.append(LineAdjustment(position: position, measure: .amount(left)))
        }
        return adjustments
    }

    /// What `invoice` charged at the full `rate`, its negative lines netted off.
    static func netAmount(of invoice: Invoice, at rate: Int) -> Money {
        invoice.lines.filter { $0.gstRateBasisPoints == rate }.map(\.amount).sum(in: invoice.currency)
    }

    /// The largest amount a debit note's line, or the whole note, may come to before tax: ₹1,000 crore in minor
    /// units, as the API takes amounts.
    package static let largestAmount: Int64 = 1_000_000_000_000

    /// The lines and tax of a debit note against `invoice`: what was undercharged, taxed afresh rate by rate under
    /// the invoice's heads.
    package static func debitNote(
        against invoice: Invoice, adjustments: [LineAdjustment]
    ) throws(CorrectionError) -> (lines: [InvoiceLine], tax: TaxBreakdown) {
        let lines = try self.lines(of: invoice, adjustments: adjustments) {
            line, _, index, measure
                throws(CorrectionError) in
            switch measure {
            case .amount(let amount):
                return amount
            case .quantity(let quantity):
                do {
                    return try Money.amount(
                        quantity: quantity, unitPrice: line.unitPrice, currency: line.amount.currency)
                } catch {
                    throw CorrectionError(
                        .invalidLine, "\(quantity) \(line.unit) at the line's price is too large an amount",
                        param: "lines[\(index)].quantity")
                }
            }
        }
        var total: Int64 = 0
        for (index, line) in lines.enumerated() {
            guard line.amount.minorUnits <= self.largestAmount, total + line.amount.minorUnits <= self.largestAmount
            else {
                let largest = Money(minorUnits: self.largestAmount, currency: invoice.currency)
                throw CorrectionError(
                    .invalidLine,
                    "A debit note may come to at most \(largest.formatted()) before tax; this one is more",
                    param: "lines[\(index)]")
            }
            total += line.amount.minorUnits
        }
        let items = lines.map { TaxableItem(taxableAmount: $0.amount, rateBasisPoints: $0.gstRateBasisPoints) }
        return (
            lines, GSTCalculator.breakdown(supplyType: invoice.tax.supplyType, items: items, currency: invoice.currency)
        )
    }

    /// One note line per adjustment, a copy of the invoice's line with the value `value` gives it (from the line,
    /// its position, the adjustment's index in the request and the measure asked).
    private static func lines(
        of invoice: Invoice, adjustments: [LineAdjustment],
        value: (InvoiceLine, Int, Int, LineAdjustment.Measure) throws(CorrectionError) -> Money
    ) throws(CorrectionError) -> [InvoiceLine] {
        guard !adjustments.isEmpty else {
            throw CorrectionError(.invalidLine, "Name at least one line of the invoice", param: "lines")
        }
        var seen: Set<Int> = []
        var lines: [InvoiceLine] = []
        for (index, adjustment) in adjustments.enumerated() {
            let position = adjustment.position
            guard invoice.lines.indices.contains(position) else {
                throw CorrectionError(
                    .invalidLine,
                    "The invoice has lines 0 to \(invoice.lines.count - 1); there is no line \(position)",
                    param: "lines[\(index)].position")
            }
            guard seen.insert(position).inserted else {
                throw CorrectionError(
                    .invalidLine, "Line \(position) is named twice; name each line once",
                    param: "lines[\(index)].position")
            }
            let original = invoice.lines[position]
            var line = original
            line.originalPosition = position
            switch adjustment.measure {
            case .amount(let amount):
                guard amount.currency == invoice.currency, amount.isPositive else {
                    throw CorrectionError(
                        .invalidLine,
                        "The amount for line \(position) must be more than zero, in \(invoice.currency.code)",
                        param: "lines[\(index)].amount")
                }
                line.amount = try value(original, position, index, adjustment.measure)
                line.quantity = FixedDecimal(1)
                line.unit = self.amountCreditUnit
                line.unitPrice = line.amount.majorUnitDecimal
            case .quantity(let quantity):
                guard quantity.isPositive else {
                    throw CorrectionError(
                        .invalidLine, "The quantity for line \(position) must be more than zero",
                        param: "lines[\(index)].quantity")
                }
                line.amount = try value(original, position, index, adjustment.measure)
                line.quantity = quantity
            }
            guard line.amount.isPositive else {
                throw CorrectionError(
                    .invalidLine, "Line \(position) comes to nothing as asked; ask for more", param: "lines[\(index)]")
            }
            lines.append(line)
        }
        return lines
    }
}
