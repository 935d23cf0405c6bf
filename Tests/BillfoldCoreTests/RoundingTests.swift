import BillfoldCore
import Testing

struct RoundingTests {
    @Test(
        "Halves round away from zero, everything else to the nearest",
        arguments: [
            (Int128(25), Int128(10), Int128(3)),
            (-25, 10, -3),
            (15, 10, 2),
            (-15, 10, -2),
            (24_999, 10_000, 2),
            (-24_999, 10_000, -2),
            (25_001, 10_000, 3),
            (14, 10, 1),
            (16, 10, 2),
            (-16, 10, -2),
            (1, 2, 1),
            (-1, 2, -1),
            (1, 3, 0),
            (2, 3, 1),
            (-2, 3, -1),
            (0, 7, 0),
            (7, 7, 1),
            (-21, 7, -3),
            (5, 1, 5),
            (92_233_720_368_547_758_075, 10, 9_223_372_036_854_775_808),
            (-92_233_720_368_547_758_075, 10, -9_223_372_036_854_775_808),
        ]
    )
    func dividesRoundingHalfAwayFromZero(numerator: Int128, denominator: Int128, expected: Int128) {
        #expect(Rounding.divideRoundingHalfAwayFromZero(numerator, by: denominator) == expected)
    }
}
