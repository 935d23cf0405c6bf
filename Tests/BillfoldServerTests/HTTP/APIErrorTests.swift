import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("API errors and authentication")
struct APIErrorTests {
    @Test("health answers 200 without a key", arguments: TestDatabase.kinds)
    func health(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let response = try await client.call(.get, "/health", key: nil)
            #expect(response.status == .ok)
            #expect(response.object["status"] as? String == "ok")
            #expect(response.object["database"] as? String == kind.rawValue)
        }
    }

    @Test("a missing, malformed or wrong key gets 401 in the error shape", arguments: TestDatabase.kinds)
    func authentication(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let missing = try await client.call(.get, "/api/v1/plans", key: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.error["code"] as? String == "missing_api_key")
            #expect(missing.error["type"] as? String == "authentication_error")
            #expect(missing.headers[.wwwAuthenticate] != nil)
            let wrong = try await client.call(.get, "/api/v1/plans", key: "bf_not_a_key")
            #expect(wrong.status == .unauthorized && wrong.error["code"] as? String == "invalid_api_key")
            let basic = try await client.execute(
                uri: "/api/v1/plans", method: .get, headers: [.authorization: "Basic Zm9vOmJhcg=="])
            #expect(basic.status == .unauthorized)
        }
    }

    @Test("unknown routes and ids are 404 in the error shape", arguments: TestDatabase.kinds)
    func notFound(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let route = try await client.call(.get, "/api/v1/nothing-here")
            #expect(route.status == .notFound && route.error["code"] as? String == "route_not_found")
            for uri in [
                "/api/v1/workspaces/ws_doesnotexist", "/api/v1/workspaces/garbage", "/api/v1/invoices/inv_nope",
                "/api/v1/plans/plan_nope", "/api/v1/invoices/%00%FF",
            ] {
                let response = try await client.call(.get, uri)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.error["type"] as? String == "not_found_error", "\(uri)")
            }
        }
    }

    /// Bodies that are wrong in every way a client gets them wrong; none may produce a 5xx.
    static let badBodies: [(body: String, status: Int, param: String?)] = [
        ("{", 400, nil),
        ("", 400, nil),
        ("[]", 400, nil),
        ("\"text\"", 400, nil),
        ("{\"name\": 5}", 422, "name"),
        ("{\"name\": \"A\"}", 422, "email"),
        ("{\"name\": \"A\", \"email\": \"a@b.example\"}", 422, "address"),
        ("{\"name\": \" \", \"email\": \"a@b.example\", \"address\": {}}", 422, "name"),
        ("{\"name\": \"A\", \"email\": \"not-an-email\", \"address\": {}}", 422, "email"),
        ("{\"name\": \"A\", \"email\": \"a@b.example\", \"address\": {\"line1\": \"x\"}}", 422, "address.city"),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"address\": {\"line1\": \"x\", \"city\": \"y\", \"pin\": \"560001\", \"state_code\": \"99\"}}",
            422, "address.state_code"
        ),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"address\": {\"line1\": \"x\", \"city\": \"y\", \"pin\": \"12\", \"state_code\": \"29\"}}",
            422, "address.pin"
        ),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"gstin\": \"27AAPFU0939F1ZX\", \"address\": {\"line1\": \"x\", \"city\": \"y\", \"pin\": \"560001\", \"state_code\": \"29\"}}",
            422, "gstin"
        ),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"gstin\": \"27AAPFU0939F1ZV\", \"address\": {\"line1\": \"x\", \"city\": \"Oslo\", \"pin\": \"0154\", \"country\": \"NO\"}}",
            422, "gstin"
        ),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"payment_terms_days\": 99999999999999999999, \"address\": {}}",
            400, nil
        ),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"payment_terms_days\": -1, \"address\": {\"line1\": \"x\", \"city\": \"y\", \"pin\": \"560001\", \"state_code\": \"29\"}}",
            422, "payment_terms_days"
        ),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"billing_mode\": \"barter\", \"address\": {\"line1\": \"x\", \"city\": \"y\", \"pin\": \"560001\", \"state_code\": \"29\"}}",
            422, "billing_mode"
        ),
        (
            "{\"name\": \"A\", \"email\": \"a@b.example\", \"currency\": \"XYZ\", \"address\": {\"line1\": \"x\", \"city\": \"y\", \"pin\": \"560001\", \"state_code\": \"29\"}}",
            422, "currency"
        ),
    ]

    @Test("bad workspace bodies get 400 or 422 naming the field", arguments: TestDatabase.kinds)
    func badWorkspaceBodies(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            for entry in Self.badBodies {
                let response = try await client.call(.post, "/api/v1/workspaces", json: entry.body)
                #expect(Int(response.status.code) == entry.status, "\(entry.body)")
                #expect(response.error["param"] as? String == entry.param, "\(entry.body)")
                #expect((response.error["message"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test("bad plan bodies and query parameters never produce a 5xx", arguments: TestDatabase.kinds)
    func neverAServerError(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let planBodies = [
                "{\"code\": \"ok\", \"name\": \"P\", \"platform_fee\": -5}",
                "{\"code\": \"Bad Code\", \"name\": \"P\"}",
                "{\"code\": \"ok\", \"name\": \"P\", \"interval\": \"week\"}",
                "{\"code\": \"ok\", \"name\": \"P\", \"sac\": \"12\"}",
                "{\"code\": \"ok\", \"name\": \"P\", \"seat_price\": 1.5}",
                "{\"code\": \"ok\", \"name\": \"P\", \"included_seats\": 9223372036854775807}",
                "{\"code\": \"ok\", \"name\": \"P\", \"monthly_credits\": -1}",
                "{\"code\": null}",
            ]
            for body in planBodies {
                let response = try await client.call(.post, "/api/v1/plans", json: body)
                #expect(Int(response.status.code) == 422 || Int(response.status.code) == 400, "\(body)")
            }
            let queries = [
                "limit=0", "limit=101", "limit=abc", "status=bogus", "from=2026-13-01", "to=yesterday",
                "from=2026-11-01&to=2026-10-01", "starting_after=nope", "workspace_id=xyz",
                "q=" + String(repeating: "a", count: 101), "kind=memo", "q=%00", "q=a%0Ab",
            ]
            for query in queries {
                let response = try await client.call(.get, "/api/v1/invoices?\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.error["param"] != nil, "\(query)")
            }
            let missingCursor = try await client.call(.get, "/api/v1/invoices?starting_after=inv_missing")
            #expect(missingCursor.status == .notFound)
        }
    }
}
