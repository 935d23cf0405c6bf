/// A decimal with exactly six places, held as an `Int64` count of millionths.
///
/// Quantities and unit prices travel as strings (`"12.5"`, `"0.0125"`) and are parsed and printed exactly.
public struct FixedDecimal: Hashable, Sendable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    public static let fractionDigits = 6
    public static let scale: Int64 = 1_000_000

    /// The value times one million.
    public var scaledValue: Int64

    public init(scaledValue: Int64) {
        self.scaledValue = scaledValue
    }

    /// A whole number.
    public init(_ integer: Int64) {
        self.scaledValue = integer * Self.scale
    }

    /// Parses `12`, `-0.0125`, `+3.5`; at most six fraction digits, no exponent, no spaces, no grouping.
    public init?(_ description: String) {
        var digits = Substring(description)
        var negative = false
        if let first = digits.first, first == "-" || first == "+" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerPart = parts[0]
        let fractionPart = parts.count == 2 ? parts[1] : ""
        guard !integerPart.isEmpty || !fractionPart.isEmpty,
            parts.count == 1 || !fractionPart.isEmpty,
            fractionPart.count <= Self.fractionDigits,
            integerPart.allSatisfy(\.isASCIIDigit),
            fractionPart.allSatisfy(\.isASCIIDigit)
        else { return nil }
        var value: Int64 = 0
        for character in integerPart {
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (added, overflowAdd) = shifted.addingReportingOverflow(Int64(character.asciiValue! - 48))
            guard !overflowShift, !overflowAdd else { return nil }
            value = added
        }
        let (scaled, overflowScale) = value.multipliedReportingOverflow(by: Self.scale)
        guard !overflowScale else { return nil }
        var fraction: Int64 = 0
        for character in fractionPart.padding(toLength: Self.fractionDigits) {
            fraction = fraction * 10 + Int64(character.asciiValue! - 48)
        }
        // Negative values are built downwards so that Int64.min, printed by `description`, parses back.
        let (total, overflowTotal) =
            negative ? (-scaled).subtractingReportingOverflow(fraction) : scaled.addingReportingOverflow(fraction)
        guard !overflowTotal else { return nil }
        self.scaledValue = total
    }

    /// The shortest exact form: `12.5`, `3`, `-0.0125`.
    public var description: String {
        let magnitude = self.scaledValue.magnitude
        let integer = magnitude / UInt64(Self.scale)
        var fraction = String(magnitude % UInt64(Self.scale))
        fraction = String(repeating: "0", count: Self.fractionDigits - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        let sign = self.scaledValue < 0 ? "-" : ""
        return fraction.isEmpty ? "\(sign)\(integer)" : "\(sign)\(integer).\(fraction)"
    }

    public static let zero = FixedDecimal(scaledValue: 0)

    public var isNegative: Bool { self.scaledValue < 0 }
    public var isZero: Bool { self.scaledValue == 0 }
    public var isPositive: Bool { self.scaledValue > 0 }

    public static func < (lhs: FixedDecimal, rhs: FixedDecimal) -> Bool {
        lhs.scaledValue < rhs.scaledValue
    }

    public static func + (lhs: FixedDecimal, rhs: FixedDecimal) -> FixedDecimal {
        FixedDecimal(scaledValue: lhs.scaledValue + rhs.scaledValue)
    }

    public static func - (lhs: FixedDecimal, rhs: FixedDecimal) -> FixedDecimal {
        FixedDecimal(scaledValue: lhs.scaledValue - rhs.scaledValue)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self.isASCII && self >= "0" && self <= "9" }
}

extension Substring {
    fileprivate func padding(toLength length: Int) -> String {
        String(self) + String(repeating: "0", count: Swift.max(0, length - self.count))
    }
}
