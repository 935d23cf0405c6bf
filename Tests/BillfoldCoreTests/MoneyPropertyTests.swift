import BillfoldCore
import PropertyBased
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

/// Taxable values up to ten crore rupees either way, in paise.
private let taxablePaise = Gen.int64(in: -10_000_000_000...10_000_000_000)

/// GST rates in basis points, odd ones included.
private let rates = Gen.int(in: 0...2800)

/// One of a few GST rates, so that items share rates and grouping by rate matters.
private let commonRates = Gen.int(in: 0...6).map { [0, 25, 300, 500, 1200, 1800, 2800][$0] }

private let items = zip(taxablePaise, commonRates)
    .map { TaxableItem(taxableAmount: rupees($0), rateBasisPoints: $1) }
    .array(of: 0...12)

private func breakdown(_ items: [TaxableItem], from supplier: String, to placeOfSupply: String) -> TaxBreakdown {
    GSTCalculator.breakdown(
        supplierState: StateCode(code: supplier)!, placeOfSupply: StateCode(code: placeOfSupply)!, items: items,
        currency: .inr)
}

struct MoneyPropertyTests {
    @Test("CGST equals SGST (or UTGST) for any taxable value and rate")
    func centralEqualsState() async {
        await propertyCheck(input: taxablePaise.array(of: 1...8), rates) { paise, rate in
            let items = paise.map { TaxableItem(taxableAmount: rupees($0), rateBasisPoints: rate) }
            let state = breakdown(items, from: "29", to: "29")
            let territory = breakdown(items, from: "04", to: "04")
            #expect(state.cgst == state.sgst)
            #expect(territory.cgst == territory.utgst)
            #expect(state.cgst == territory.cgst)
            #expect(state.igst == rupees(0) && territory.sgst == rupees(0))
            let expectedHalf = Rounding.divideRoundingHalfAwayFromZero(
                Int128(paise.reduce(0, +)) * Int128(rate), by: 20_000)
            #expect(Int128(state.cgst.minorUnits) == expectedHalf)
        }
    }

    @Test("Items' taxable values sum to the subtotal, and each rate's heads to the same")
    func taxableSumsToSubtotal() async {
        await propertyCheck(input: items) { items in
            let subtotal = rupees(items.reduce(0) { $0 + $1.taxableAmount.minorUnits })
            for (supplier, placeOfSupply) in [("29", "29"), ("29", "07"), ("38", "38"), ("29", "96")] {
                let result = breakdown(items, from: supplier, to: placeOfSupply)
                #expect(result.taxableAmount == subtotal)
                for head in TaxHead.allCases {
                    let taxedAtSomeRate = result.heads.filter { $0.head == head }.map(\.taxableAmount.minorUnits)
                    let expected = items.filter { $0.rateBasisPoints != 0 }.map(\.taxableAmount.minorUnits)
                    #expect(taxedAtSomeRate.isEmpty || taxedAtSomeRate.reduce(0, +) == expected.reduce(0, +))
                }
            }
        }
    }

    @Test("The tax total is the sum of the heads; the invoice total is subtotal plus tax")
    func totals() async {
        let quantities = Gen.int64(in: 0...1_000_000_000).map { FixedDecimal(scaledValue: $0) }
        let unitPrices = Gen.int64(in: 0...100_000_000_000).map { FixedDecimal(scaledValue: $0) }
        let lines = zip(quantities, unitPrices).array(of: 1...10)
        await propertyCheck(input: lines, commonRates) { lines, rate in
            let amounts = lines.map { try! Money.amount(quantity: $0.0, unitPrice: $0.1, currency: .inr) }
            let items = amounts.map { TaxableItem(taxableAmount: $0, rateBasisPoints: rate) }
            for (supplier, placeOfSupply) in [("29", "29"), ("29", "07"), ("38", "38"), ("29", "96")] {
                let result = breakdown(items, from: supplier, to: placeOfSupply)
                let headSum = result.heads.reduce(0) { $0 + $1.amount.minorUnits }
                #expect(result.total.minorUnits == headSum)
                #expect(result.total == result.cgst + result.sgst + result.utgst + result.igst)
                let invoiceTotal = result.taxableAmount + result.total
                #expect(invoiceTotal.minorUnits == amounts.reduce(0) { $0 + $1.minorUnits } + headSum)
            }
            let intraState = breakdown(items, from: "29", to: "29").total.minorUnits
            let interState = breakdown(items, from: "29", to: "07").total.minorUnits
            #expect(abs(intraState - interState) <= 1, "two rounded halves stay within a paisa of the whole")
        }
    }

    @Test("FixedDecimal prints and parses back any value exactly")
    func fixedDecimalRoundTrip() async {
        await propertyCheck(count: 1000, input: Gen.int64()) { scaledValue in
            let decimal = FixedDecimal(scaledValue: scaledValue)
            #expect(FixedDecimal(decimal.description) == decimal)
        }
    }

    @Test("Negating the quantity negates the amount")
    func amountSignSymmetry() async {
        let values = Gen.int64(in: -1_000_000_000_000_000...1_000_000_000_000_000)
        await propertyCheck(count: 500, input: values, values) { quantity, unitPrice in
            let positive = try? Money.amount(
                quantity: FixedDecimal(scaledValue: quantity), unitPrice: FixedDecimal(scaledValue: unitPrice),
                currency: .inr)
            let negative = try? Money.amount(
                quantity: FixedDecimal(scaledValue: -quantity), unitPrice: FixedDecimal(scaledValue: unitPrice),
                currency: .inr)
            #expect(negative == positive.map { -$0 })
        }
    }

    @Test("Any quantity and unit price give an amount or an overflow error, never a crash")
    func amountNeverTraps() async {
        await propertyCheck(count: 500, input: Gen.int64(), Gen.int64()) { quantity, unitPrice in
            let result = Result { () throws(MoneyError) -> Money in
                try Money.amount(
                    quantity: FixedDecimal(scaledValue: quantity), unitPrice: FixedDecimal(scaledValue: unitPrice),
                    currency: .inr)
            }
            let exact = Int128(quantity) * Int128(unitPrice) / 10_000_000_000
            if case .success(let amount) = result {
                #expect(abs(Int128(amount.minorUnits) - exact) <= 1)
            } else {
                #expect(exact.magnitude >= UInt128(Int64.max) - 1)
            }
        }
    }

    @Test("Applying a rate is symmetric in sign")
    func applyingSignSymmetry() async {
        await propertyCheck(input: Gen.int64(in: -Int64.max...Int64.max), rates) { paise, rate in
            #expect(rupees(-paise).applying(rateBasisPoints: rate) == -rupees(paise).applying(rateBasisPoints: rate))
        }
    }
}
