import BillfoldCore
import PropertyBased
import Testing

struct MoneyFormattingTests {
    @Test(
        "Rupees use lakh and crore grouping",
        arguments: [
            (Int64(11_800_050), "₹1,18,000.50", "INR 1,18,000.50"),
            (12_345_678_900, "₹12,34,56,789.00", "INR 12,34,56,789.00"),
            (99_900, "₹999.00", "INR 999.00"),
            (100_000, "₹1,000.00", "INR 1,000.00"),
            (10_000_000, "₹1,00,000.00", "INR 1,00,000.00"),
            (1_000_000_000, "₹1,00,00,000.00", "INR 1,00,00,000.00"),
            (0, "₹0.00", "INR 0.00"),
            (5, "₹0.05", "INR 0.05"),
            (-100_000, "-₹1,000.00", "-INR 1,000.00"),
            (-5, "-₹0.05", "-INR 0.05"),
            (Int64.max, "₹92,23,37,20,36,85,47,758.07", "INR 92,23,37,20,36,85,47,758.07"),
            (Int64.min, "-₹92,23,37,20,36,85,47,758.08", "-INR 92,23,37,20,36,85,47,758.08"),
        ]
    )
    func rupees(paise: Int64, symbol: String, code: String) {
        let money = Money(minorUnits: paise, currency: .inr)
        #expect(money.formatted() == symbol)
        #expect(money.formatted(.symbol) == symbol)
        #expect(money.formatted(.code) == code)
    }

    @Test(
        "Other currencies use thousands grouping",
        arguments: [
            (Money(minorUnits: 123_456_789, currency: .usd), "$1,234,567.89", "USD 1,234,567.89"),
            (Money(minorUnits: 123_450, currency: .eur), "€1,234.50", "EUR 1,234.50"),
            (Money(minorUnits: 99_999, currency: .usd), "$999.99", "USD 999.99"),
            (Money(minorUnits: 100_000, currency: .usd), "$1,000.00", "USD 1,000.00"),
            (Money(minorUnits: 10_000_000, currency: .eur), "€100,000.00", "EUR 100,000.00"),
            (Money(minorUnits: 0, currency: .usd), "$0.00", "USD 0.00"),
            (Money(minorUnits: -123_456_789, currency: .usd), "-$1,234,567.89", "-USD 1,234,567.89"),
            (
                Money(minorUnits: Int64.max, currency: .eur), "€92,233,720,368,547,758.07",
                "EUR 92,233,720,368,547,758.07"
            ),
        ]
    )
    func otherCurrencies(money: Money, symbol: String, code: String) {
        #expect(money.formatted() == symbol)
        #expect(money.formatted(.code) == code)
    }

    @Test("Without its code and commas, a formatted amount is its decimal string")
    func formattingLosesNothing() async {
        await propertyCheck(input: Gen.int64(), Gen<Currency?>.element(of: Currency.supported).compactMap { $0 }) {
            minorUnits, currency in
            let money = Money(minorUnits: minorUnits, currency: currency)
            let stripped = money.formatted(.code).replacing("\(currency.code) ", with: "").replacing(",", with: "")
            #expect(stripped == money.decimalString)
        }
    }
}
