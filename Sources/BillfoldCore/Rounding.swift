/// The one rounding rule Billfold uses for money: half away from zero.
package enum Rounding {
    /// `numerator / denominator`, rounded half away from zero. `denominator` must be positive.
    package static func divideRoundingHalfAwayFromZero(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0, "rounding needs a positive denominator")
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        let doubledRemainder = remainder.magnitude * 2
        guard doubledRemainder >= denominator.magnitude else { return quotient }
        return numerator < 0 ? quotient - 1 : quotient + 1
    }
}
