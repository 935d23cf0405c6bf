/// How a printed amount names its currency.
package enum MoneyFormatStyle: Sendable {
    /// The currency's sign before the number: `₹1,18,000.50`.
    case symbol
    /// The ISO 4217 code and a space before the number: `INR 1,18,000.50`.
    case code
}

extension Money {
    /// This amount for people: `₹1,18,000.50` (rupees in lakh grouping), `$1,234,567.89`, `-₹1,000.00`.
    package func formatted(_ style: MoneyFormatStyle = .symbol) -> String {
        let magnitude = self.minorUnits.magnitude
        let minorUnitsPerMajorUnit = UInt64(self.currency.minorUnitsPerMajorUnit)
        let majorDigits = String(magnitude / minorUnitsPerMajorUnit)
        let usesIndianGrouping = self.currency.code == Currency.inr.code
        var number = Self.grouping(majorDigits, firstGroup: 3, laterGroups: usesIndianGrouping ? 2 : 3)
        let exponent = self.currency.minorUnitExponent
        if exponent > 0 {
            let fraction = String(magnitude % minorUnitsPerMajorUnit)
            number += "." + String(repeating: "0", count: exponent - fraction.count) + fraction
        }
        let sign = self.isNegative ? "-" : ""
        switch style {
        case .symbol:
            return sign + self.currency.symbol + number
        case .code:
            return sign + self.currency.code + " " + number
        }
    }

    /// Separates `digits` with commas: the rightmost group has `firstGroup` digits, the others `laterGroups`.
    private static func grouping(_ digits: String, firstGroup: Int, laterGroups: Int) -> String {
        guard digits.count > firstGroup else { return digits }
        var remaining = Substring(digits)
        var groups = [String(remaining.suffix(firstGroup))]
        remaining = remaining.dropLast(firstGroup)
        while !remaining.isEmpty {
            groups.append(String(remaining.suffix(laterGroups)))
            remaining = remaining.dropLast(laterGroups)
        }
        return groups.reversed().joined(separator: ",")
    }
}
