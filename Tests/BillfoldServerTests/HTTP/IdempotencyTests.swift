import BillfoldStore
import BillfoldTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Idempotency-Key")
struct IdempotencyTests {
    static let workspace =
        #"{"name": "Ops", "email": "ops@ops.example", "billing_mode": "prepaid", "address": {"line1": "1", "city": "Pune", "state_code": "27", "pin": "411001"}}"#

    /// A POST with the operator key and `Idempotency-Key: key`.
    static func post(
        _ client: some ServerTestClient, _ path: String, json: String, key: String
    ) async throws -> ServerTestResponse {
        try await client.execute(
            uri: path, method: .post,
            headers: [
                .authorization: "Bearer \(testAPIKey)", .contentType: "application/json",
                HTTPField.Name("Idempotency-Key")!: key,
            ],
            body: ByteBuffer(string: json))
    }

    static func workspaceCount(_ client: some ServerTestClient) async throws -> Int {
        (try await client.call(.get, "/api/v1/workspaces?limit=100").object["data"] as? [[String: Any]])?.count ?? -1
    }

    @Test("a retry gets the first answer and does nothing twice", arguments: TestDatabase.kinds)
    func replay(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: SubscriptionAPITests.now) { client in
            let first = try await Self.post(client, "/api/v1/workspaces", json: Self.workspace, key: "create-ops-1")
            #expect(first.status == .created && first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let again = try await Self.post(client, "/api/v1/workspaces", json: Self.workspace, key: "create-ops-1")
            #expect(again.status == .created && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(String(buffer: again.body) == String(buffer: first.body))
            #expect(again.headers[.contentType] == first.headers[.contentType])
            #expect(try await Self.workspaceCount(client) == 1)

            // Money: a top-up retried with its key is recorded once.
            let workspaceID = try #require(first.object["id"] as? String)
            _ = try await client.call(
                .put, "/api/v1/supplier",
                json:
                    #"{"name": "Nimbus", "email": "b@nimbus.example", "gstin": "29AAGCN4821K1Z5", "address": {"line1": "1", "city": "Bengaluru", "state_code": "29", "pin": "560001"}}"#
            )
            let path = "/api/v1/workspaces/\(workspaceID)/wallet/top_ups"
            for _ in 0..<3 {
                let topUp = try await Self.post(client, path, json: #"{"amount": 50000}"#, key: "top-up-7")
                #expect(topUp.status == .created && topUp.object["balance"] as? Int == 50_000)
            }
            let wallet = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/wallet")
            #expect(wallet.object["balance"] as? Int == 50_000)
            #expect((wallet.object["entries"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test(
        "the same key for another request is refused; a failed request gives its key up", arguments: TestDatabase.kinds)
    func misuse(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: SubscriptionAPITests.now) { client in
            _ = try await Self.post(client, "/api/v1/workspaces", json: Self.workspace, key: "k-1")
            let other = Self.workspace.replacingOccurrences(of: "Ops", with: "Other")
            let reused = try await Self.post(client, "/api/v1/workspaces", json: other, key: "k-1")
            #expect(
                reused.status == .unprocessableContent && reused.error["code"] as? String == "idempotency_key_reused")
            let elsewhere = try await Self.post(client, "/api/v1/plans", json: Self.workspace, key: "k-1")
            #expect(elsewhere.error["code"] as? String == "idempotency_key_reused")

            let invalid = try await Self.post(client, "/api/v1/workspaces", json: #"{"name": "x"}"#, key: "k-2")
            #expect(invalid.status == .unprocessableContent)
            let fixed = try await Self.post(client, "/api/v1/workspaces", json: other, key: "k-2")
            #expect(fixed.status == .created)
            #expect(try await Self.workspaceCount(client) == 2)

            for key in ["has space", "", String(repeating: "k", count: 256), "ключ"] {
                let bad = try await Self.post(client, "/api/v1/workspaces", json: other, key: key)
                #expect(
                    bad.status == .badRequest && bad.error["code"] as? String == "invalid_idempotency_key", "\(key)")
            }
        }
    }

    @Test("concurrent requests with one key create one workspace", arguments: TestDatabase.kinds)
    func concurrent(kind: DatabaseKind) async throws {
        // Through the router: the live client has one connection and sends one request at a time.
        try await withTestServer(kind, now: SubscriptionAPITests.now, testing: .router) { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await Self.post(client, "/api/v1/workspaces", json: Self.workspace, key: "race").status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 201 || $0 == 409 }, "\(statuses)")
            #expect(statuses.contains(201))
            #expect(try await Self.workspaceCount(client) == 1)
        }
    }
}
