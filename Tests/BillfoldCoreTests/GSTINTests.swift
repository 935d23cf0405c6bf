import BillfoldCore
import Foundation
import Testing

/// Check characters computed independently (a short Python script following gst.md), not by the code under test.
private let validGSTINs: [(gstin: String, stateCode: String, pan: String)] = [
    ("27AAPFU0939F1ZV", "27", "AAPFU0939F"),
    ("29AAACB1234C1ZB", "29", "AAACB1234C"),
    ("07AAACD5678E1ZN", "07", "AAACD5678E"),
    ("04AABCC9012F1Z7", "04", "AABCC9012F"),
    ("27AAACM3456G2ZJ", "27", "AAACM3456G"),
    ("33AAACT7890H1Z4", "33", "AAACT7890H"),
    ("26AAACD1111J1Z8", "26", "AAACD1111J"),
    ("38AAACL2222K1ZN", "38", "AAACL2222K"),
    ("97AAACO3333L1Z8", "97", "AAACO3333L"),
    ("25AAACD4444M1ZM", "25", "AAACD4444M"),
    ("28AAACA5555N1ZB", "28", "AAACA5555N"),
    ("36AAACT6666P1ZL", "36", "AAACT6666P"),
    ("19AAACW7777Q9ZY", "19", "AAACW7777Q"),
    ("24AAACG8888R1ZN", "24", "AAACG8888R"),
    ("31AAACL9999S1ZF", "31", "AAACL9999S"),
    ("35AAACA1212T1ZQ", "35", "AAACA1212T"),
    ("32AAACK3434U1Z8", "32", "AAACK3434U"),
    ("29AAACB1234CZZD", "29", "AAACB1234C"),
    ("06AAACH5656V1A7", "06", "AAACH5656V"),
]

struct GSTINTests {
    @Test("Valid GSTINs are accepted with their state and PAN", arguments: validGSTINs)
    func accepts(gstin: String, stateCode: String, pan: String) throws {
        let parsed = try GSTIN(gstin)
        #expect(parsed.value == gstin)
        #expect(parsed.description == gstin)
        #expect(parsed.stateCode.code == stateCode)
        #expect(parsed.pan == pan)
        #expect(GSTIN.checkCharacter(for: gstin.prefix(14)) == gstin.last)
    }

    @Test(
        "Input is trimmed and upper-cased",
        arguments: ["27aapfu0939f1zv", " 27AAPFU0939F1ZV", "27AAPFU0939F1ZV\n", "\t27aaPFu0939F1zV  "]
    )
    func normalizes(input: String) throws {
        #expect(try GSTIN(input) == GSTIN("27AAPFU0939F1ZV"))
        #expect(try GSTIN(input).value == "27AAPFU0939F1ZV")
    }

    @Test(
        "Invalid GSTINs are refused with the reason",
        arguments: [
            ("", GSTINError.Code.wrongLength),
            ("27AAPFU0939F1Z", .wrongLength),
            ("27AAPFU0939F1ZVV", .wrongLength),
            ("27 AAPFU0939F1ZV", .wrongLength),
            ("2AAAPFU0939F1ZV", .invalidFormat),
            ("27AAPF00939F1ZV", .invalidFormat),
            ("27AAPFUO939F1ZV", .invalidFormat),
            ("27AAPFU0939911ZV", .wrongLength),
            ("27AAPFU093991ZV", .invalidFormat),
            ("27AAPFU0939F0ZV", .invalidFormat),
            ("27AAPFU0939F1CV", .invalidFormat),
            ("27AAPFU0939F1KV", .invalidFormat),
            ("27AAPFU0939F1Z*", .invalidFormat),
            ("27AAPFU0939F1Z\u{00C9}", .invalidFormat),
            ("99AAPFU0939F1ZV", .unknownStateCode),
            ("96AAPFU0939F1ZV", .unknownStateCode),
            ("00AAPFU0939F1ZV", .unknownStateCode),
            ("39AAPFU0939F1ZV", .unknownStateCode),
            ("27AAPFU0939F1ZX", .checkCharacterMismatch),
            ("27AAPFU0939F1Z0", .checkCharacterMismatch),
            ("29AAACB1234C1ZC", .checkCharacterMismatch),
            ("72AAPFU0939F1ZV", .unknownStateCode),
            ("27AAPFU0939F1ZW", .checkCharacterMismatch),
            ("27AAPUF0939F1ZV", .checkCharacterMismatch),
        ]
    )
    func refuses(input: String, code: GSTINError.Code) {
        let error = #expect(throws: GSTINError.self) { try GSTIN(input) }
        #expect(error?.code == code)
        #expect(error?.description == error?.message)
    }

    @Test(
        "Messages say what is wrong and how to fix it",
        arguments: [
            (
                "27AAPFU0939F1ZX",
                "GSTIN 27AAPFU0939F1ZX has check character X but should end in V; a character is probably mistyped"
            ),
            ("", "GSTIN is empty; enter the 15-character GSTIN, like 27AAPFU0939F1ZV"),
            (
                "27AAPFU0939F1Z",
                "GSTIN 27AAPFU0939F1Z has 14 characters but a GSTIN has exactly 15, like 27AAPFU0939F1ZV"
            ),
            (
                "27AAPF00939F1ZV",
                "GSTIN 27AAPF00939F1ZV has '0' at position 7, where a letter of the PAN belongs; "
                    + "a GSTIN looks like 27AAPFU0939F1ZV"
            ),
            (
                "96AAPFU0939F1ZV",
                "GSTIN 96AAPFU0939F1ZV starts with 96, which is not the code of an Indian state or union territory; "
                    + "check the first two digits"
            ),
        ]
    )
    func messages(input: String, message: String) {
        let error = #expect(throws: GSTINError.self) { try GSTIN(input) }
        #expect(error?.message == message)
    }

    @Test(
        "The check character follows gst.md's algorithm",
        arguments: [
            ("27AAPFU0939F1Z", "V" as Character?),
            ("29AAACB1234C1Z", "B"),
            ("04AABCC9012F1Z", "7"),
            ("33AAACT7890H1Z", "4"),
            ("27AAPFU0939F1", nil),
            ("27AAPFU0939F1ZV", nil),
            ("27aapfu0939f1z", nil),
            ("27AAPFU0939F1*", nil),
        ]
    )
    func checkCharacter(first14: String, expected: Character?) {
        #expect(GSTIN.checkCharacter(for: first14) == expected)
    }

    @Test("Encodes as its string and decodes with validation")
    func codable() throws {
        let gstin = try GSTIN("29AAACB1234C1ZB")
        let encoded = try JSONEncoder().encode([gstin])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["29AAACB1234C1ZB"]"#)
        #expect(try JSONDecoder().decode([GSTIN].self, from: Data(#"["29aaacb1234c1zb"]"#.utf8)) == [gstin])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([GSTIN].self, from: Data(#"["29AAACB1234C1ZC"]"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([GSTIN].self, from: Data("[29]".utf8))
        }
    }
}
