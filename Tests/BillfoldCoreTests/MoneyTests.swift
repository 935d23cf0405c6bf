import BillfoldCore
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

struct MoneyTests {
    @Test(
        "Quantity times unit price is rounded once, half away from zero",
        arguments: [
            ("1", "1000", Int64(100_000)),
            ("720", "1.25", 90_000),
            ("12.5", "0.0125", 16),
            ("3", "0.333333", 100),
            ("1", "0.005", 1),
            ("-1", "0.005", -1),
            ("1", "0.004999", 0),
            ("-1", "0.004999", 0),
            ("0.5", "0.01", 1),
            ("2.5", "0.01", 3),
            ("-2.5", "0.01", -3),
            ("2.5", "-0.01", -3),
            ("0", "123.45", 0),
            ("0.000001", "0.000001", 0),
            ("1000000", "1000000", 100_000_000_000_000),
        ]
    )
    func amount(quantity: String, unitPrice: String, expectedPaise: Int64) throws {
        let amount = try Money.amount(
            quantity: FixedDecimal(quantity)!, unitPrice: FixedDecimal(unitPrice)!, currency: .inr)
        #expect(amount == rupees(expectedPaise))
    }

    @Test(
        "An amount too large for the ledger is an error, not a crash",
        arguments: [
            ("9223372036854", "9223372036854"),
            ("-9223372036854.775808", "9223372036854.775807"),
            ("1000000000000", "1000000"),
            ("100000000000", "1000000000"),
        ]
    )
    func amountOverflow(quantity: String, unitPrice: String) {
        #expect(throws: MoneyError.overflow) {
            try Money.amount(quantity: FixedDecimal(quantity)!, unitPrice: FixedDecimal(unitPrice)!, currency: .inr)
        }
    }

    @Test(
        "A rate in basis points is applied and rounded once",
        arguments: [
            (Int64(100_000), 1800, Int64(18_000)),
            (100_000, 900, 9000),
            (5, 1800, 1),
            (5, 900, 0),
            (50, 900, 5),
            (-50, 900, -5),
            (1, 5000, 1),
            (-1, 5000, -1),
            (333, 900, 30),
            (3, 900, 0),
            (11_111, 1800, 2000),
            (250, 250, 6),
            (123_456, 0, 0),
            (123_456, 10_000, 123_456),
        ]
    )
    func applyingRate(paise: Int64, rateBasisPoints: Int, expectedPaise: Int64) {
        #expect(rupees(paise).applying(rateBasisPoints: rateBasisPoints) == rupees(expectedPaise))
    }

    @Test(
        "The decimal string has every minor digit and no grouping",
        arguments: [
            (Int64(118_050), "1180.50"),
            (-305, "-3.05"),
            (0, "0.00"),
            (5, "0.05"),
            (-5, "-0.05"),
            (100, "1.00"),
            (Int64.max, "92233720368547758.07"),
            (Int64.min, "-92233720368547758.08"),
        ]
    )
    func decimalString(paise: Int64, expected: String) {
        #expect(rupees(paise).decimalString == expected)
    }

    @Test("Arithmetic keeps the currency")
    func arithmetic() {
        #expect(rupees(1050) + rupees(-50) == rupees(1000))
        #expect(rupees(1000) - rupees(1050) == rupees(-50))
        #expect(-rupees(1050) == rupees(-1050))
        var running = rupees(100)
        running += rupees(25)
        running -= rupees(5)
        #expect(running == rupees(120))
        #expect(Money.minimum(rupees(7), rupees(-3)) == rupees(-3))
        #expect([rupees(1), rupees(2), rupees(3)].sum(in: .inr) == rupees(6))
        #expect([Money]().sum(in: .usd) == Money(minorUnits: 0, currency: .usd))
        #expect(Money.zero(.eur).isZero)
        #expect(rupees(-1).isNegative && !rupees(-1).isPositive)
        #expect(rupees(1).isPositive && !rupees(1).isNegative)
    }

    @Test("Amounts in different currencies are different amounts")
    func currencyIsPartOfTheValue() {
        #expect(Money(minorUnits: 100, currency: .usd) != Money(minorUnits: 100, currency: .eur))
        #expect(Currency.named("usd") == .usd)
        #expect(Currency.named("GBP") == nil)
        #expect(Currency.inr.minorUnitsPerMajorUnit == 100)
    }
}
