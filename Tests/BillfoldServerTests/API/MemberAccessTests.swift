import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Member sign-in, roles and portal links")
struct MemberAccessTests {
    static let now = InvoiceAPITests.now

    /// Signs in with the demo password and returns the session token.
    static func signIn(
        _ client: some ServerTestClient, _ email: String, password: String = DemoData.portalPassword
    ) async throws -> String {
        let response = try await client.call(
            .post, "/api/v1/sessions", json: #"{"email": "\#(email)", "password": "\#(password)"}"#, key: nil)
        #expect(response.status == .created, "\(email): \(String(buffer: response.body))")
        return try #require(response.object["token"] as? String)
    }

    /// The id of the workspace `email` owns, read with the operator key.
    static func workspaceID(_ client: some ServerTestClient, named name: String) async throws -> String {
        let list = try await client.call(.get, "/api/v1/workspaces?limit=100")
        let data = try #require(list.object["data"] as? [[String: Any]])
        return try #require(data.first { $0["name"] as? String == name }?["id"] as? String)
    }

    @Test("an owner signs in with a password, sees only their workspace, and signs out", arguments: TestDatabase.kinds)
    func passwordSession(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let response = try await client.call(
                .post, "/api/v1/sessions", json: #"{"email": "OWNER@chailabs.example", "password": "billfold-demo"}"#,
                key: nil)
            #expect(response.status == .created)
            let token = try #require(response.object["token"] as? String)
            #expect(token.hasPrefix("bfs_"))
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("billfold_session=\(token);"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
            let member = try #require(response.object["member"] as? [String: Any])
            #expect(member["role"] as? String == "owner")
            let chai = try await Self.workspaceID(client, named: "Chai Labs")
            #expect(member["workspace_id"] as? String == chai)

            let invoices = try await client.call(.get, "/api/v1/invoices?limit=100", key: token)
            #expect(invoices.status == .ok)
            let items = try #require(invoices.object["data"] as? [[String: Any]])
            #expect(!items.isEmpty)
            #expect(items.allSatisfy { $0["workspace_id"] as? String == chai })
            let current = try await client.call(.get, "/api/v1/sessions/current", key: token)
            #expect(current.status == .ok)
            #expect(current.object["token"] == nil)

            #expect(try await client.call(.delete, "/api/v1/sessions/current", key: token).status == .noContent)
            let after = try await client.call(.get, "/api/v1/invoices", key: token)
            #expect(after.status == .unauthorized)
            #expect(after.error["code"] as? String == "invalid_session")
        }
    }

    @Test("wrong passwords and unknown emails get the same 401", arguments: TestDatabase.kinds)
    func wrongCredentials(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            for body in [
                #"{"email": "owner@chailabs.example", "password": "not-the-password"}"#,
                #"{"email": "nobody@nowhere.example", "password": "billfold-demo"}"#,
            ] {
                let response = try await client.call(.post, "/api/v1/sessions", json: body, key: nil)
                #expect(response.status == .unauthorized)
                #expect(response.error["code"] as? String == "invalid_credentials")
            }
            let missing = try await client.call(.post, "/api/v1/sessions", json: #"{"email": "a@b.example"}"#, key: nil)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.error["param"] as? String == "password")
        }
    }

    @Test("sign-in is rate-limited per account and per address", arguments: TestDatabase.kinds)
    func rateLimits(kind: DatabaseKind) async throws {
        let clock = ManualClock(Self.now)
        let policy = SignInPolicy(failuresPerAccount: 3, attemptsPerAddress: 6, window: 900, bcryptCost: 4)
        try await withTestServer(kind, demo: true, now: Self.now, clock: clock, signInPolicy: policy) { client in
            let wrong = #"{"email": "owner@chailabs.example", "password": "guess"}"#
            for _ in 0..<3 {
                #expect(try await client.call(.post, "/api/v1/sessions", json: wrong, key: nil).status == .unauthorized)
            }
            // The account is locked now, even for the right password.
            let locked = try await client.call(
                .post, "/api/v1/sessions", json: #"{"email": "owner@chailabs.example", "password": "billfold-demo"}"#,
                key: nil)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.error["code"] as? String == "too_many_attempts")
            #expect(Int(locked.headers[.retryAfter] ?? "") == 900)
            // Another account from the same address still gets in, until the address has used its 6 attempts.
            _ = try await Self.signIn(client, "admin@chailabs.example")
            _ = try await Self.signIn(client, "owner@dhanush.example")
            let address = try await client.call(
                .post, "/api/v1/sessions", json: #"{"email": "owner@kaveri.example", "password": "billfold-demo"}"#,
                key: nil)
            #expect(address.status == .tooManyRequests)
            // Once the window has passed, both limits have let go.
            clock.advance(by: 901)
            _ = try await Self.signIn(client, "owner@chailabs.example")
        }
    }

    @Test("a member whose role is member is kept out of billing with 403", arguments: TestDatabase.kinds)
    func memberRole(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let token = try await Self.signIn(client, "member@chailabs.example")
            let chai = try await Self.workspaceID(client, named: "Chai Labs")
            for path in [
                "/api/v1/invoices", "/api/v1/invoices/summary", "/api/v1/invoices/export.csv",
                "/api/v1/workspaces/\(chai)", "/api/v1/workspaces/\(chai)/dashboard",
                "/api/v1/workspaces/\(chai)/wallet",
            ] {
                let response = try await client.call(.get, path, key: token)
                #expect(response.status == .forbidden, "\(path)")
                #expect(response.error["code"] as? String == "billing_role_required", "\(path)")
            }
            #expect(try await client.call(.get, "/api/v1/sessions/current", key: token).status == .ok)
        }
    }

    @Test("a member session cannot call the operator's routes", arguments: TestDatabase.kinds)
    func operatorRoutes(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let token = try await Self.signIn(client, DemoData.portalEmail)
            let chai = try await Self.workspaceID(client, named: "Chai Labs")
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/v1/workspaces", nil), (.post, "/api/v1/workspaces", "{}"),
                (.patch, "/api/v1/workspaces/\(chai)", #"{"payment_terms_days": 90}"#),
                (.get, "/api/v1/supplier", nil), (.post, "/api/v1/plans", "{}"), (.get, "/api/v1/meters", nil),
                (.post, "/api/v1/usage", #"{"records": []}"#), (.post, "/api/v1/billing_runs", "{}"),
                (.post, "/api/v1/workspaces/\(chai)/wallet/top_ups", #"{"amount": 100}"#),
                (.get, "/api/v1/workspaces/\(chai)/members", nil),
                (.post, "/api/v1/workspaces/\(chai)/portal_sessions", #"{"email": "owner@chailabs.example"}"#),
            ]
            for (method, path, body) in calls {
                let response = try await client.call(method, path, json: body, key: token)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(response.error["code"] as? String == "operator_key_required", "\(method) \(path)")
            }
        }
    }

    @Test("a portal link signs a member in once, before it expires", arguments: TestDatabase.kinds)
    func portalLink(kind: DatabaseKind) async throws {
        let clock = ManualClock(Self.now)
        try await withTestServer(kind, demo: true, now: Self.now, clock: clock) { client in
            let chai = try await Self.workspaceID(client, named: "Chai Labs")
            let link = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/portal_sessions", json: #"{"email": "admin@chailabs.example"}"#)
            #expect(link.status == .created)
            let url = try #require(link.object["url"] as? String)
            let token = try #require(link.object["token"] as? String)
            #expect(url.hasSuffix("/portal/enter?token=\(token)"))
            #expect(link.object["expires_at"] as? String == Self.now.addingTimeInterval(300).formatted(.iso8601))

            let entered = try await client.call(.get, "/portal/enter?token=\(token)", key: nil)
            #expect(entered.status == .seeOther)
            #expect(entered.headers[.location] == "/portal")
            let setCookie = try #require(entered.headers[.setCookie])
            let cookie = String(setCookie.prefix { $0 != ";" })
            let invoices = try await client.call(.get, "/api/v1/invoices", key: nil, cookie: cookie)
            #expect(invoices.status == .ok)
            let session = try await client.call(.get, "/api/v1/sessions/current", key: nil, cookie: cookie)
            let member = try #require(session.object["member"] as? [String: Any])
            #expect(member["email"] as? String == "admin@chailabs.example")

            // Used once, it is spent; a changed signature or member is refused; so is a link past its time.
            let again = try await client.call(.get, "/portal/enter?token=\(token)", key: nil)
            #expect(again.status == .unauthorized)
            #expect(again.error["code"] as? String == "invalid_portal_token")
            let fresh = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/portal_sessions",
                json: #"{"email": "owner@chailabs.example", "expires_in": 60}"#)
            let freshToken = try #require(fresh.object["token"] as? String)
            let forged = String(freshToken.dropLast()) + (freshToken.hasSuffix("A") ? "B" : "A")
            #expect(try await client.call(.get, "/portal/enter?token=\(forged)", key: nil).status == .unauthorized)
            clock.advance(by: 61)
            let late = try await client.call(
                .post, "/api/v1/sessions", json: #"{"portal_token": "\#(freshToken)"}"#, key: nil)
            #expect(late.status == .unauthorized)
            #expect(late.error["code"] as? String == "invalid_portal_token")

            let tooLong = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/portal_sessions",
                json: #"{"email": "owner@chailabs.example", "expires_in": 86400}"#)
            #expect(tooLong.status == .unprocessableContent)
            #expect(tooLong.error["param"] as? String == "expires_in")
            let stranger = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/portal_sessions", json: #"{"email": "owner@dhanush.example"}"#)
            #expect(stranger.status == .notFound)
        }
    }

    @Test("the operator adds members with roles and passwords", arguments: TestDatabase.kinds)
    func addMembers(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let chai = try await Self.workspaceID(client, named: "Chai Labs")
            let created = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/members",
                json: #"{"email": "Priya@ChaiLabs.example", "name": "Priya Nair", "role": "admin", "#
                    + #""password": " a long secret "}"#)
            #expect(created.status == .created)
            #expect(created.object["email"] as? String == "priya@chailabs.example")
            // The password is kept as typed, spaces and all.
            _ = try await Self.signIn(client, "priya@chailabs.example", password: " a long secret ")
            let list = try await client.call(.get, "/api/v1/workspaces/\(chai)/members")
            #expect((list.object["data"] as? [[String: Any]])?.count == 4)

            let duplicate = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/members",
                json: #"{"email": "priya@chailabs.example", "name": "Priya", "role": "owner"}"#)
            #expect(duplicate.status == .conflict)
            for (body, param) in [
                (#"{"email": "x@chailabs.example", "name": "X", "role": "boss"}"#, "role"),
                (#"{"email": "x@chailabs.example", "name": "X", "role": "admin", "password": "short"}"#, "password"),
                (#"{"email": "not-an-email", "name": "X", "role": "admin"}"#, "email"),
                (#"{"email": "x@chailabs.example", "role": "admin"}"#, "name"),
            ] {
                let refused = try await client.call(.post, "/api/v1/workspaces/\(chai)/members", json: body)
                #expect(refused.status == .unprocessableContent, "\(body)")
                #expect(refused.error["param"] as? String == param, "\(body)")
            }
            let unknown = try await client.call(
                .post, "/api/v1/workspaces/ws_nosuchworkspace/members",
                json: #"{"email": "x@y.example", "name": "X", "role": "admin"}"#)
            #expect(unknown.status == .notFound)
        }
    }
}
