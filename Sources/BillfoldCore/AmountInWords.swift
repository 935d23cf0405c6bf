/// An amount written out in words, as Indian invoices print it: "Rupees One Lakh Eighteen Thousand Only".
package enum AmountInWords {
    /// `money` in words: lakh and crore for rupees, million and billion for other currencies.
    package static func words(for money: Money) -> String {
        let currency = money.currency
        let magnitude = money.minorUnits.magnitude
        let minorUnitsPerMajorUnit = UInt64(currency.minorUnitsPerMajorUnit)
        let major = magnitude / minorUnitsPerMajorUnit
        let minor = magnitude % minorUnitsPerMajorUnit
        let usesIndianSystem = currency.code == Currency.inr.code
        var result = money.isNegative ? "Minus " : ""
        result += currency.majorUnitName + " " + (major == 0 ? "Zero" : self.spell(major, indian: usesIndianSystem))
        if minor > 0 {
            result += " and " + self.spell(minor, indian: usesIndianSystem) + " " + currency.minorUnitName
        }
        return result + " Only"
    }

    private static let units = [
        "", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
        "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen",
    ]

    private static let tens = ["", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]

    /// Scales of the international system, largest first; `UInt64` ends in the quintillions.
    private static let internationalScales: [(value: UInt64, name: String)] = [
        (1_000_000_000_000_000_000, "Quintillion"),
        (1_000_000_000_000_000, "Quadrillion"),
        (1_000_000_000_000, "Trillion"),
        (1_000_000_000, "Billion"),
        (1_000_000, "Million"),
        (1_000, "Thousand"),
    ]

    /// A positive number in the Indian or the international system.
    private static func spell(_ number: UInt64, indian: Bool) -> String {
        indian ? self.indianWords(number) : self.internationalWords(number)
    }

    /// 1 to 99: "Seven", "Nineteen", "Forty", "Twenty-One".
    private static func belowHundred(_ number: UInt64) -> String {
        if number < 20 { return self.units[Int(number)] }
        let tensWord = self.tens[Int(number / 10)]
        return number % 10 == 0 ? tensWord : tensWord + "-" + self.units[Int(number % 10)]
    }

    /// 1 to 999: "Two Hundred Thirty-Four", with no "and" after the hundreds.
    private static func belowThousand(_ number: UInt64) -> String {
        var parts: [String] = []
        if number >= 100 { parts.append(self.units[Int(number / 100)] + " Hundred") }
        if number % 100 > 0 { parts.append(self.belowHundred(number % 100)) }
        return parts.joined(separator: " ")
    }

    /// A positive number with thousand, lakh and crore; beyond 99 crore the crores are counted in the same way.
    private static func indianWords(_ number: UInt64) -> String {
        var parts: [String] = []
        let crores = number / 1_00_00_000
        let lakhs = number / 1_00_000 % 100
        let thousands = number / 1_000 % 100
        if crores > 0 { parts.append(self.indianWords(crores) + " Crore") }
        if lakhs > 0 { parts.append(self.belowHundred(lakhs) + " Lakh") }
        if thousands > 0 { parts.append(self.belowHundred(thousands) + " Thousand") }
        if number % 1_000 > 0 { parts.append(self.belowThousand(number % 1_000)) }
        return parts.joined(separator: " ")
    }

    /// A positive number with thousand, million, billion and larger scales.
    private static func internationalWords(_ number: UInt64) -> String {
        var parts: [String] = []
        var remaining = number
        for scale in self.internationalScales where remaining >= scale.value {
            parts.append(self.belowThousand(remaining / scale.value) + " " + scale.name)
            remaining %= scale.value
        }
        if remaining > 0 { parts.append(self.belowThousand(remaining)) }
        return parts.joined(separator: " ")
    }
}
