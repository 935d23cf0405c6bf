/// An amount of money: a whole number of minor units (paise, cents) in one currency. Never a `Double`.
public struct Money: Hashable, Sendable {
    public var minorUnits: Int64
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    public var isZero: Bool { self.minorUnits == 0 }
    public var isNegative: Bool { self.minorUnits < 0 }
    public var isPositive: Bool { self.minorUnits > 0 }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    public static prefix func - (money: Money) -> Money {
        Money(minorUnits: -money.minorUnits, currency: money.currency)
    }

    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }

    /// The smaller of two amounts in the same currency.
    public static func minimum(_ lhs: Money, _ rhs: Money) -> Money {
        lhs.minorUnits <= rhs.minorUnits ? lhs : rhs
    }
}

/// Why an amount could not be computed.
public struct MoneyError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { self.message }

    public static let overflow = MoneyError(message: "the amount is too large to represent")
}

extension Money {
    /// `quantity × unitPrice` where the unit price is in major units (rupees), rounded once to minor units.
    public static func amount(
        quantity: FixedDecimal,
        unitPrice: FixedDecimal,
        currency: Currency
    ) throws(MoneyError) -> Money {
        let (product, overflow) = (Int128(quantity.scaledValue) * Int128(unitPrice.scaledValue))
            .multipliedReportingOverflow(by: Int128(currency.minorUnitsPerMajorUnit))
        guard !overflow else { throw .overflow }
        let scale = Int128(FixedDecimal.scale) * Int128(FixedDecimal.scale)
        let minorUnits = Rounding.divideRoundingHalfAwayFromZero(product, by: scale)
        guard let exact = Int64(exactly: minorUnits) else { throw .overflow }
        return Money(minorUnits: exact, currency: currency)
    }

    /// This amount times a rate in basis points (1800 is 18%), rounded once to minor units.
    public func applying(rateBasisPoints: Int) -> Money {
        let product = Int128(self.minorUnits) * Int128(rateBasisPoints)
        let rounded = Rounding.divideRoundingHalfAwayFromZero(product, by: 10_000)
        return Money(minorUnits: Int64(rounded), currency: self.currency)
    }

    /// This amount as a decimal in major units: `1180.50`, `-3.05`. No grouping, no symbol.
    public var decimalString: String {
        let exponent = self.currency.minorUnitExponent
        let magnitude = self.minorUnits.magnitude
        let perMajor = UInt64(self.currency.minorUnitsPerMajorUnit)
        let sign = self.minorUnits < 0 ? "-" : ""
        guard exponent > 0 else { return sign + String(magnitude) }
        let fraction = String(magnitude % perMajor)
        let padded = String(repeating: "0", count: exponent - fraction.count) + fraction
        return "\(sign)\(magnitude / perMajor).\(padded)"
    }
}

extension Sequence where Element == Money {
    /// The sum of these amounts, all in `currency`.
    public func sum(in currency: Currency) -> Money {
        self.reduce(.zero(currency), +)
    }
}

extension Money {
    /// This amount in major units as a six-place decimal: `Money(11800050 paise)` is `118000.5`.
    public var majorUnitDecimal: FixedDecimal {
        var scale: Int64 = FixedDecimal.scale
        for _ in 0..<self.currency.minorUnitExponent { scale /= 10 }
        return FixedDecimal(scaledValue: self.minorUnits * scale)
    }
}
