import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Workspaces and plans API")
struct WorkspaceAPITests {
    static let createBody = """
        {"name": "Chai Labs", "email": "accounts@chailabs.example", "gstin": " 29aadcc7311r1z6 ",
         "address": {"line1": "221, 100 Feet Road", "city": "Bengaluru", "state_code": "29", "pin": "560038"},
         "payment_terms_days": 30}
        """

    @Test("create, read and update a workspace", arguments: TestDatabase.kinds)
    func workspaceLifecycle(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let created = try await client.call(.post, "/api/v1/workspaces", json: Self.createBody)
            #expect(created.status == .created)
            let id = try #require(created.object["id"] as? String)
            #expect(id.hasPrefix("ws_"))
            #expect(created.object["gstin"] as? String == "29AADCC7311R1Z6")
            #expect(created.object["legal_name"] as? String == "Chai Labs")
            #expect(created.object["billing_mode"] as? String == "postpaid")
            #expect(created.object["service_state"] as? String == "active")
            #expect(created.object["wallet_balance"] as? Int == 0)
            #expect(created.object["currency"] as? String == "INR")
            #expect(created.object["place_of_supply"] as? String == "29")
            let address = try #require(created.object["address"] as? [String: Any])
            #expect(address["country"] as? String == "IN" && address["state_name"] as? String == "Karnataka")

            let fetched = try await client.call(.get, "/api/v1/workspaces/\(id)")
            #expect(fetched.status == .ok && fetched.object["email"] as? String == "accounts@chailabs.example")

            let moved = try await client.call(
                .patch, "/api/v1/workspaces/\(id)",
                json: #"{"gstin": "27AAPFU0939F1ZV", "address": {"state_code": "27", "city": "Mumbai"}}"#)
            #expect(moved.status == .ok)
            #expect(moved.object["place_of_supply"] as? String == "27")
            #expect((moved.object["address"] as? [String: Any])?["line1"] as? String == "221, 100 Feet Road")

            let unregistered = try await client.call(.patch, "/api/v1/workspaces/\(id)", json: #"{"gstin": null}"#)
            #expect(unregistered.status == .ok && unregistered.object["gstin"] == nil)

            let abroad = try await client.call(
                .patch, "/api/v1/workspaces/\(id)", json: #"{"address": {"country": "NO", "pin": "0154"}}"#)
            #expect(abroad.status == .ok && abroad.object["place_of_supply"] as? String == "96")

            let badGSTIN = try await client.call(
                .patch, "/api/v1/workspaces/\(id)", json: #"{"gstin": "29AADCC7311R1Z7"}"#)
            #expect(badGSTIN.status == .unprocessableContent && badGSTIN.error["param"] as? String == "gstin")
            #expect(badGSTIN.error["code"] as? String == "invalid_gstin")

            let list = try await client.call(.get, "/api/v1/workspaces?limit=10")
            #expect((list.object["data"] as? [Any])?.count == 1 && list.object["has_more"] as? Bool == false)
        }
    }

    @Test("create and list plans; a duplicate code is a 409", arguments: TestDatabase.kinds)
    func plans(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let body = """
                {"code": "growth-monthly", "name": "Growth", "interval": "month", "currency": "INR",
                 "platform_fee": 999900, "included_seats": 15, "seat_price": 39900, "monthly_credits": 50000,
                 "credit_price": 20}
                """
            let created = try await client.call(.post, "/api/v1/plans", json: body)
            #expect(created.status == .created)
            #expect(created.object["platform_fee"] as? Int == 999_900)
            #expect(created.object["sac"] as? String == "998315")
            #expect(created.object["interval"] as? String == "month")
            let duplicate = try await client.call(.post, "/api/v1/plans", json: body)
            #expect(duplicate.status == .conflict && duplicate.error["param"] as? String == "code")
            let list = try await client.call(.get, "/api/v1/plans")
            #expect((list.object["data"] as? [[String: Any]])?.map { $0["code"] as? String } == ["growth-monthly"])
            let id = try #require(created.object["id"] as? String)
            #expect(try await client.call(.get, "/api/v1/plans/\(id)").status == .ok)
        }
    }

    @Test("two PATCHes of different fields sent at once both land", arguments: TestDatabase.kinds)
    func concurrentPatches(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let created = try await client.call(.post, "/api/v1/workspaces", json: Self.createBody)
            let id = try #require(created.object["id"] as? String)
            for round in 0..<5 {
                async let renamed = client.call(
                    .patch, "/api/v1/workspaces/\(id)", json: "{\"name\": \"Name \(round)\"}")
                async let retermed = client.call(
                    .patch, "/api/v1/workspaces/\(id)", json: "{\"payment_terms_days\": \(round + 1)}")
                let statuses = try await [renamed.status, retermed.status]
                #expect(statuses == [.ok, .ok])
                let fetched = try await client.call(.get, "/api/v1/workspaces/\(id)")
                #expect(fetched.object["name"] as? String == "Name \(round)")
                #expect(fetched.object["payment_terms_days"] as? Int == round + 1)
            }
        }
    }

    @Test("an address abroad may have no postal code; an Indian one may not", arguments: TestDatabase.kinds)
    func postalCodes(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let dubai = try await client.call(
                .post, "/api/v1/workspaces",
                json: """
                    {"name": "Gulf Hosting", "email": "ap@gulf.example",
                     "address": {"line1": "Tower 2", "city": "Dubai", "country": "AE"}}
                    """)
            #expect(dubai.status == .created && dubai.object["place_of_supply"] as? String == "96")
            let india = try await client.call(
                .post, "/api/v1/workspaces",
                json: """
                    {"name": "Desi", "email": "a@desi.example", "address": {"line1": "1", "city": "Pune", "state_code": "27"}}
                    """)
            #expect(india.status == .unprocessableContent && india.error["param"] as? String == "address.pin")
        }
    }
}
