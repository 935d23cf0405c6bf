import BillfoldCore
import Foundation
import Testing

@Suite("ISO 8601 instants")
struct ISO8601InstantTests {
    @Test(
        "the fast reader agrees with Foundation's parser",
        arguments: [
            "2026-11-01T10:00:00Z", "1970-01-01T00:00:00Z", "2028-02-29T23:59:59Z", "2026-11-01T10:00:00+05:30",
            "2026-03-31T18:30:00-04:00", "1999-12-31T23:59:59z", "2400-02-29T12:00:00Z", "1900-03-01T00:00:00Z",
        ])
    func agreesWithFoundation(text: String) throws {
        let expected = try Date.ISO8601FormatStyle().parse(text.replacingOccurrences(of: "z", with: "Z"))
        #expect(ISO8601Instant.parse(text) == expected)
    }

    @Test("fractional seconds are kept")
    func fractions() throws {
        let date = try #require(ISO8601Instant.parse("2026-11-01T10:00:00.250Z"))
        #expect(date.timeIntervalSince1970 == 1_793_527_200.25)
    }

    @Test(
        "what it does not read gets nil",
        arguments: [
            "", "2026-11-01", "2026-11-01T10:00:00", "2026-13-01T10:00:00Z", "2026-02-29T10:00:00Z",
            "2026-11-01T24:00:00Z", "2026-11-01T10:60:00Z", "2026-11-01T10:00:00+0530", "2026-11-01T10:00:00.Z",
            "2026-11-01T10:00:00Zjunk", "2026-11-01 10:00:00Z", "२०२६-11-01T10:00:00Z", "2026-11-01T10:00:00+05:3x",
        ])
    func refuses(text: String) {
        #expect(ISO8601Instant.parse(text) == nil)
    }
}
