import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The supplier's and workspaces' text fields")
struct SupplierAPITests {
    static var supplier: [String: Any] {
        [
            "name": "Nimbus Cloud", "legal_name": "Nimbus Cloud Private Limited", "email": "billing@nimbus.example",
            "gstin": "29AAGCN4821K1Z5", "letter_of_undertaking": "AD290324000123X",
            "address": [
                "line1": "12 MG Road", "line2": "Ashok Nagar", "city": "Bengaluru", "state_code": "29",
                "state_name": "Karnataka", "pin": "560001", "country": "IN",
            ],
        ]
    }

    /// A field, as the error's `param` names it, and its value with `character` inside.
    static var fields: [(param: String, value: (String) -> String)] {
        [
            ("name", { "Nimbus\($0)Cloud" }), ("legal_name", { "Nimbus Cloud\($0)Private Limited" }),
            ("email", { "billing\($0)@nimbus.example" }), ("gstin", { "29AAGCN\($0)4821K1Z5" }),
            ("letter_of_undertaking", { "AD2903\($0)24000123X" }), ("address.line1", { "12 MG\($0) Road" }),
            ("address.line2", { "Ashok\($0)Nagar" }), ("address.city", { "Benga\($0)luru" }),
            ("address.state_code", { "2\($0)9" }), ("address.state_name", { "Karna\($0)taka" }),
            ("address.pin", { "560\($0)001" }), ("address.country", { "I\($0)N" }),
        ]
    }

    /// NUL, CR, LF, tab, escape, delete and NEL: control characters of ASCII and Latin-1.
    static let controlCharacters = ["\u{0}", "\r", "\n", "\t", "\u{1B}", "\u{7F}", "\u{85}"]

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// `body` with the field at `param` (`address.city`) set to `value`.
    static func setting(_ param: String, to value: String, in body: [String: Any]) -> [String: Any] {
        var body = body
        let path = param.split(separator: ".").map(String.init)
        if path.count == 2 {
            var address = body[path[0]] as? [String: Any] ?? [:]
            address[path[1]] = value
            body[path[0]] = address
        } else {
            body[param] = value
        }
        return body
    }

    @Test(
        "PUT /supplier refuses a control character in every field it stores, naming the field, and keeps the supplier",
        arguments: TestDatabase.kinds)
    func supplierControlCharacters(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: InvoiceAPITests.now) { client in
            let stored = try await client.call(.put, "/api/v1/supplier", json: try Self.json(Self.supplier))
            #expect(stored.status == .ok, "\(String(buffer: stored.body))")
            for (param, value) in Self.fields {
                for character in Self.controlCharacters {
                    let body = Self.setting(param, to: value(character), in: Self.supplier)
                    let response = try await client.call(.put, "/api/v1/supplier", json: try Self.json(body))
                    let shown = character.unicodeScalars.map { "U+\(String($0.value, radix: 16))" }.joined()
                    #expect(response.status == .unprocessableContent, "\(param) with \(shown)")
                    #expect(response.error["param"] as? String == param, "\(param) with \(shown)")
                }
            }
            // The documented lengths, in characters: one more is refused, naming the field.
            let tooLong = [
                ("name", 201), ("legal_name", 201), ("letter_of_undertaking", 41), ("address.line1", 201),
                ("address.line2", 201), ("address.city", 101), ("address.pin", 13), ("address.state_name", 101),
            ]
            for (param, length) in tooLong {
                let body = Self.setting(param, to: String(repeating: "क", count: length), in: Self.supplier)
                let response = try await client.call(.put, "/api/v1/supplier", json: try Self.json(body))
                #expect(response.status == .unprocessableContent, "\(param) of \(length)")
                #expect(response.error["param"] as? String == param, "\(param) of \(length)")
            }
            let longEmail = String(repeating: "a", count: 243) + "@nimbus.example"
            let email = try await client.call(
                .put, "/api/v1/supplier", json: try Self.json(Self.setting("email", to: longEmail, in: Self.supplier)))
            #expect(email.status == .unprocessableContent && email.error["param"] as? String == "email")

            let kept = try await client.call(.get, "/api/v1/supplier")
            #expect(kept.object["name"] as? String == "Nimbus Cloud")
            let address = try #require(kept.object["address"] as? [String: Any])
            #expect(address["city"] as? String == "Bengaluru" && address["state_name"] as? String == "Karnataka")
            #expect(!String(buffer: kept.body).contains("\\u0000"))
        }
    }

    @Test(
        "address.state_name is taken only when it names the state of state_code, so an address read can be sent back",
        arguments: TestDatabase.kinds)
    func stateName(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: InvoiceAPITests.now) { client in
            let lowerCase = Self.setting("address.state_name", to: "karnataka", in: Self.supplier)
            #expect(try await client.call(.put, "/api/v1/supplier", json: try Self.json(lowerCase)).status == .ok)
            for wrong in ["Kerala", "Karnataka State", "", " "] {
                let body = Self.setting("address.state_name", to: wrong, in: Self.supplier)
                let refused = try await client.call(.put, "/api/v1/supplier", json: try Self.json(body))
                #expect(refused.status == .unprocessableContent, "\(wrong)")
                #expect(refused.error["param"] as? String == "address.state_name", "\(wrong)")
            }

            // What GET answers, sent back as it is.
            let read = try await client.call(.get, "/api/v1/supplier").object
            var again = read
            again["object"] = nil
            let resent = try await client.call(.put, "/api/v1/supplier", json: try Self.json(again))
            #expect(resent.status == .ok, "\(String(buffer: resent.body))")

            let workspace: [String: Any] = [
                "name": "Fjord Data", "email": "ap@fjord.example",
                "address": ["line1": "Karl Johans gate 1", "city": "Oslo", "pin": "0154", "country": "NO"],
            ]
            let created = try await client.call(.post, "/api/v1/workspaces", json: try Self.json(workspace))
            #expect(created.status == .created)
            let id = try #require(created.object["id"] as? String)
            let abroad = try await client.call(
                .patch, "/api/v1/workspaces/\(id)", json: #"{"address": {"state_name": "Oslo"}}"#)
            #expect(abroad.status == .unprocessableContent)
            #expect(abroad.error["param"] as? String == "address.state_name")
            let moved = try await client.call(
                .patch, "/api/v1/workspaces/\(id)",
                json:
                    #"{"address": {"country": "IN", "state_code": "27", "state_name": "Maharashtra", "pin": "400021"}}"#
            )
            #expect(moved.status == .ok, "\(String(buffer: moved.body))")
            #expect((moved.object["address"] as? [String: Any])?["state_name"] as? String == "Maharashtra")
        }
    }

    @Test(
        "a workspace's address refuses control characters in every field, on create and on change",
        arguments: TestDatabase.kinds)
    func workspaceControlCharacters(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: InvoiceAPITests.now) { client in
            let workspace: [String: Any] = [
                "name": "Chai Labs", "legal_name": "Chai Labs LLP", "email": "accounts@chailabs.example",
                "gstin": "29AADCC7311R1Z6",
                "address": [
                    "line1": "221, 100 Feet Road", "line2": "Indiranagar", "city": "Bengaluru", "state_code": "29",
                    "state_name": "Karnataka", "pin": "560038", "country": "IN",
                ],
            ]
            let created = try await client.call(.post, "/api/v1/workspaces", json: try Self.json(workspace))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(created.object["id"] as? String)
            let fields = Self.fields.filter { $0.param != "letter_of_undertaking" }
            for (param, value) in fields {
                for character in ["\u{0}", "\r", "\n", "\u{1B}"] {
                    let body = Self.setting(param, to: value(character), in: workspace)
                    let refused = try await client.call(.post, "/api/v1/workspaces", json: try Self.json(body))
                    #expect(refused.status == .unprocessableContent, "create: \(param)")
                    #expect(refused.error["param"] as? String == param, "create: \(param)")
                    let change = Self.setting(param, to: value(character), in: [:])
                    let patched = try await client.call(
                        .patch, "/api/v1/workspaces/\(id)", json: try Self.json(change))
                    #expect(patched.status == .unprocessableContent, "change: \(param)")
                    #expect(patched.error["param"] as? String == param, "change: \(param)")
                }
            }
        }
    }
}
