import BillfoldCore
import Foundation
import Testing

@Suite("JSON text written by hand, as JSONEncoder writes it")
struct JSONTextTests {
    static let integers: [Int64] = [
        0, 1, -1, 9, 10, -10, 99, 100, 1_180_050, -987_654_321, .max, .min, .max - 1, .min + 1,
    ]

    @Test("an integer is written in decimal as JSONEncoder writes it", arguments: integers)
    func integer(_ value: Int64) throws {
        var json = Array("[".utf8)
        JSONText.appendInteger(value, to: &json)
        #expect(String(decoding: json, as: UTF8.self) == "[\(value)")
        #expect(json.dropFirst().elementsEqual(try JSONEncoder().encode(value)))
    }

    @Test(
        "text is quoted as JSONEncoder quotes it without escaping slashes",
        arguments: [
            "", "INV/26-27/3402", "₹ 1,180 – paid", "a \"quoted\" \\ word", "tab\there\nline\r\u{1}\u{1F}", "é",
        ])
    func quoted(_ text: String) throws {
        var json: [UInt8] = []
        JSONText.appendQuoted(text, to: &json)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        #expect(json == Array(try encoder.encode(text)))
    }
}
