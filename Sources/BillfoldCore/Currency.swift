/// An ISO 4217 currency and the exponent of its minor unit.
package struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The ISO 4217 code, upper case: `INR`.
    package let code: String
    /// Digits after the decimal point: 2 for paise and cents.
    package let minorUnitExponent: Int
    /// The sign printed before an amount: `₹`.
    package let symbol: String
    /// The currency's name in amount-in-words: `Rupees`.
    package let majorUnitName: String
    /// The minor unit's name in amount-in-words: `Paise`.
    package let minorUnitName: String

    package static let inr = Currency(
        code: "INR", minorUnitExponent: 2, symbol: "₹", majorUnitName: "Rupees", minorUnitName: "Paise")
    package static let usd = Currency(
        code: "USD", minorUnitExponent: 2, symbol: "$", majorUnitName: "US Dollars", minorUnitName: "Cents")
    package static let eur = Currency(
        code: "EUR", minorUnitExponent: 2, symbol: "€", majorUnitName: "Euros", minorUnitName: "Cents")

    /// Every currency Billfold can bill in.
    package static let supported: [Currency] = [.inr, .usd, .eur]

    /// The supported currency with this code, in any letter case.
    package static func named(_ code: String) -> Currency? {
        let upper = code.uppercased()
        return self.supported.first { $0.code == upper }
    }

    /// Minor units in one major unit: 100 for INR.
    package var minorUnitsPerMajorUnit: Int64 {
        var result: Int64 = 1
        for _ in 0..<self.minorUnitExponent { result *= 10 }
        return result
    }

    package var description: String { self.code }
}
