/// An ISO 4217 currency and the exponent of its minor unit.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The ISO 4217 code, upper case: `INR`.
    public let code: String
    /// Digits after the decimal point: 2 for paise and cents.
    public let minorUnitExponent: Int
    /// The sign printed before an amount: `₹`.
    public let symbol: String
    /// The currency's name in amount-in-words: `Rupees`.
    public let majorUnitName: String
    /// The minor unit's name in amount-in-words: `Paise`.
    public let minorUnitName: String

    public static let inr = Currency(
        code: "INR", minorUnitExponent: 2, symbol: "₹", majorUnitName: "Rupees", minorUnitName: "Paise")
    public static let usd = Currency(
        code: "USD", minorUnitExponent: 2, symbol: "$", majorUnitName: "US Dollars", minorUnitName: "Cents")
    public static let eur = Currency(
        code: "EUR", minorUnitExponent: 2, symbol: "€", majorUnitName: "Euros", minorUnitName: "Cents")

    /// Every currency Billfold can bill in.
    public static let supported: [Currency] = [.inr, .usd, .eur]

    /// The supported currency with this code, in any letter case.
    public static func named(_ code: String) -> Currency? {
        let upper = code.uppercased()
        return self.supported.first { $0.code == upper }
    }

    /// Minor units in one major unit: 100 for INR.
    public var minorUnitsPerMajorUnit: Int64 {
        var result: Int64 = 1
        for _ in 0..<self.minorUnitExponent { result *= 10 }
        return result
    }

    public var description: String { self.code }
}
