/// An amount of money: a whole number of minor units (paise, cents) in one currency. Never a `Double`.
package struct Money: Hashable, Sendable {
    package var minorUnits: Int64
    package var currency: Currency

    package init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    package static func zero(_ currency: Currency) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    package var isZero: Bool { self.minorUnits == 0 }
    package var isNegative: Bool { self.minorUnits < 0 }
    package var isPositive: Bool { self.minorUnits > 0 }

    package static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    package static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    package static prefix func - (money: Money) -> Money {
        Money(minorUnits: -money.minorUnits, currency: money.currency)
    }

    package static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    package static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }

    /// The smaller of two amounts in the same currency.
    package static func minimum(_ lhs: Money, _ rhs: Money) -> Money {
        lhs.minorUnits <= rhs.minorUnits ? lhs : rhs
    }
}

/// Why an amount could not be computed.
package struct MoneyError: Error, Hashable, Sendable, CustomStringConvertible {
    package let message: String
    package var description: String { self.message }

    package static let overflow = MoneyError(message: "the amount is too large to represent")
}

extension Money {
    /// `quantity × unitPrice` where the unit price is in major units (rupees), rounded once to minor units.
    package static func amount(
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
    package func applying(rateBasisPoints: Int) -> Money {
        let product = Int128(self.minorUnits) * Int128(rateBasisPoints)
        let rounded = Rounding.divideRoundingHalfAwayFromZero(product, by: 10_000)
        return Money(minorUnits: Int64(rounded), currency: self.currency)
    }

    /// This amount as a decimal in major units: `1180.50`, `-3.05`. No grouping, no symbol.
    package var decimalString: String {
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
    package func sum(in currency: Currency) -> Money {
        self.reduce(.zero(currency), +)
    }
}

extension Money {
    /// This amount in major units as a six-place decimal: `Money(11800050 paise)` is `118000.5`.
    package var majorUnitDecimal: FixedDecimal {
        var scale: Int64 = FixedDecimal.scale
        for _ in 0..<self.currency.minorUnitExponent { scale /= 10 }
        return FixedDecimal(scaledValue: self.minorUnits * scale)
    }
}
