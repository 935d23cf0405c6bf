import BillfoldCore
import Testing

struct FixedDecimalTests {
    @Test(
        "Parses plain decimals exactly",
        arguments: [
            ("12", Int64(12_000_000)),
            ("12.5", 12_500_000),
            ("-0.0125", -12_500),
            ("+3.5", 3_500_000),
            (".5", 500_000),
            ("0.000001", 1),
            ("-0", 0),
            ("007.10", 7_100_000),
            ("9223372036854.775807", Int64.max),
            ("-9223372036854.775808", Int64.min),
        ]
    )
    func parses(text: String, scaledValue: Int64) {
        #expect(FixedDecimal(text) == FixedDecimal(scaledValue: scaledValue))
    }

    @Test(
        "Refuses anything but a plain decimal with at most six places",
        arguments: [
            "", "-", "+", ".", "5.", "-.", "1.2345678", "1e5", " 1", "1 ", "1,000", "1.2.3", "--1", "+-1",
            "9223372036854.775808", "-9223372036854.775809", "99999999999999999999", "1\u{301}", "\u{0661}\u{0662}",
            "\u{FF11}",
        ]
    )
    func refuses(text: String) {
        #expect(FixedDecimal(text) == nil)
    }

    @Test(
        "Prints the shortest exact form",
        arguments: [
            (Int64(12_500_000), "12.5"),
            (3_000_000, "3"),
            (-12_500, "-0.0125"),
            (0, "0"),
            (1, "0.000001"),
            (-1, "-0.000001"),
            (Int64.max, "9223372036854.775807"),
            (Int64.min, "-9223372036854.775808"),
        ]
    )
    func prints(scaledValue: Int64, text: String) {
        #expect(FixedDecimal(scaledValue: scaledValue).description == text)
    }

    @Test("Compares and adds by value")
    func arithmetic() {
        #expect(FixedDecimal("1.5")! < FixedDecimal("1.50001")!)
        #expect(FixedDecimal("-2")! < FixedDecimal.zero)
        #expect(FixedDecimal("1.25")! + FixedDecimal("0.75")! == FixedDecimal(2))
        #expect(FixedDecimal("1.25")! - FixedDecimal("2")! == FixedDecimal("-0.75"))
        #expect(FixedDecimal("-0.1")!.isNegative && FixedDecimal("0")!.isZero)
    }
}
