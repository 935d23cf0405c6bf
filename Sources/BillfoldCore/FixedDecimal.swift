/// A decimal with exactly six places, held as an `Int64` count of millionths.
///
/// Quantities and unit prices travel as strings (`"12.5"`, `"0.0125"`) and are parsed and printed exactly.
package struct FixedDecimal: Hashable, Sendable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    package static let fractionDigits = 6
    package static let scale: Int64 = 1_000_000

    /// The value times one million.
    package var scaledValue: Int64

    package init(scaledValue: Int64) {
        self.scaledValue = scaledValue
    }

    /// A whole number.
    package init(_ integer: Int64) {
        self.scaledValue = integer * Self.scale
    }

    /// Parses `12`, `-0.0125`, `+3.5`; at most six fraction digits, no exponent, no spaces, no grouping.
    package init?(_ description: String) {
        var bytes = description.utf8[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        let point = bytes.firstIndex(of: UInt8(ascii: "."))
        let integerPart = bytes[..<(point ?? bytes.endIndex)]
        let fractionPart = point.map { bytes[bytes.index(after: $0)...] } ?? bytes[bytes.endIndex...]
        func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
        guard !integerPart.isEmpty || !fractionPart.isEmpty,
            point == nil || !fractionPart.isEmpty,
            fractionPart.count <= Self.fractionDigits,
            integerPart.allSatisfy(isDigit),
            fractionPart.allSatisfy(isDigit)
        else { return nil }
        var value: Int64 = 0
        for byte in integerPart {
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (added, overflowAdd) = shifted.addingReportingOverflow(Int64(byte - 48))
            guard !overflowShift, !overflowAdd else { return nil }
            value = added
        }
        let (scaled, overflowScale) = value.multipliedReportingOverflow(by: Self.scale)
        guard !overflowScale else { return nil }
        var fraction: Int64 = 0
        var places = 0
        for byte in fractionPart {
            fraction = fraction * 10 + Int64(byte - 48)
            places += 1
        }
        for _ in places..<Self.fractionDigits { fraction *= 10 }
        // Negative values are built downwards so that Int64.min, printed by `description`, parses back.
        let (total, overflowTotal) =
            negative ? (-scaled).subtractingReportingOverflow(fraction) : scaled.addingReportingOverflow(fraction)
        guard !overflowTotal else { return nil }
        self.scaledValue = total
    }

    /// The shortest exact form: `12.5`, `3`, `-0.0125`.
    package var description: String {
        let magnitude = self.scaledValue.magnitude
        let integer = magnitude / UInt64(Self.scale)
        var fraction = String(magnitude % UInt64(Self.scale))
        fraction = String(repeating: "0", count: Self.fractionDigits - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        let sign = self.scaledValue < 0 ? "-" : ""
        return fraction.isEmpty ? "\(sign)\(integer)" : "\(sign)\(integer).\(fraction)"
    }

    package static let zero = FixedDecimal(scaledValue: 0)

    package var isNegative: Bool { self.scaledValue < 0 }
    package var isZero: Bool { self.scaledValue == 0 }
    package var isPositive: Bool { self.scaledValue > 0 }

    package static func < (lhs: FixedDecimal, rhs: FixedDecimal) -> Bool {
        lhs.scaledValue < rhs.scaledValue
    }

    package static func + (lhs: FixedDecimal, rhs: FixedDecimal) -> FixedDecimal {
        FixedDecimal(scaledValue: lhs.scaledValue + rhs.scaledValue)
    }

    package static func - (lhs: FixedDecimal, rhs: FixedDecimal) -> FixedDecimal {
        FixedDecimal(scaledValue: lhs.scaledValue - rhs.scaledValue)
    }
}
