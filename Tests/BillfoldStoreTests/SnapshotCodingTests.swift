import BillfoldCore
import Foundation
import Testing

@testable import BillfoldStore

@Suite("Snapshots and audit details as stored: JSON written by hand")
struct SnapshotCodingTests {
    /// What the stored form was written with before it was written by hand, except that slashes are now left as
    /// they are (`SnapshotCoding.encode` wrote `\/`; both read the same).
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let parties: [PartySnapshot] = [
        PartySnapshot(
            name: "Nimbus Cloud", legalName: "Nimbus Cloud Private Limited", email: "billing@nimbus.example",
            gstin: "29AAGCN4821K1Z5",
            address: Address(line1: "1 MG Road", city: "Bengaluru", stateCode: "29", pin: "560001", country: "IN"),
            letterOfUndertaking: "AD290426000123X"),
        PartySnapshot(
            name: #"O'Brien "Labs" \ R&D"#, legalName: "Ünïcødé ₹ — ✓ 🧾", email: "a/b@example.com", gstin: nil,
            address: Address(
                line1: "Flat 4/B\nSecond line", line2: "Tab\there \u{01}\u{1F}", city: "Zürich", stateCode: nil,
                pin: "8001", country: "CH")),
        PartySnapshot(
            name: "", legalName: "", email: "", gstin: "",
            address: Address(line1: "", line2: "", city: "", stateCode: "", pin: "", country: "")),
    ]

    @Test("a party's snapshot is byte for byte what JSONEncoder writes, and reads back as it was")
    func party() throws {
        for party in Self.parties {
            let json = SnapshotCoding.json(of: party)
            #expect(json == (try Self.encoded(party)))
            #expect(try SnapshotCoding.decode(PartySnapshot.self, from: json) == party)
        }
    }

    @Test("the hand-written snapshot knows every field: a field added to a party or an address fails here first")
    func everyField() throws {
        // Written out by name in `SnapshotCoding.json(of:)`; a new field must be added there, and to `parties` here.
        let party = Self.parties[0]
        #expect(
            Mirror(reflecting: party).children.map(\.label) == [
                "name", "legalName", "email", "gstin", "address", "letterOfUndertaking",
            ])
        #expect(
            Mirror(reflecting: party.address).children.map(\.label) == [
                "line1", "line2", "city", "stateCode", "pin", "country",
            ])
    }

    @Test("audit details are byte for byte what JSONEncoder writes, keys in order, and read back as they were")
    func details() throws {
        let samples: [[String: String]] = [
            [:],
            ["number": "BF/2026-27/000123", "total": "1215.40"],
            ["zeta": "last", "Alpha": "capital first", "a_b": "_", "a-b": "-", "ab": "", "note": #"say "hi" \ ₹ 🧾"#],
        ]
        for details in samples {
            let json = SnapshotCoding.json(of: details)
            #expect(json == (try Self.encoded(details)))
            #expect(try SnapshotCoding.decode([String: String].self, from: json) == details)
        }
    }
}
