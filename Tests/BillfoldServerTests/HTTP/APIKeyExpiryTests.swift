import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Operator API keys that expire")
struct APIKeyExpiryTests {
    static let now = InvoiceAPITests.now

    @Test(
        "a key works until its expiry on the billing clock, then gets 401 api_key_expired; others keep working",
        arguments: TestDatabase.kinds)
    func expiresOnTheBillingClock(kind: DatabaseKind) async throws {
        let clock = ManualClock(Self.now)
        let expiry = Self.now.addingTimeInterval(3600)
        let secrets = Mutex((expiring: "", revoked: ""))
        let seed: @Sendable (Store) async throws -> Void = { store in
            let (_, expiring) = try await store.apiKeys.create(name: "trial", expiresAt: expiry, at: Self.now)
            let (revokedKey, revoked) = try await store.apiKeys.create(name: "old", expiresAt: expiry, at: Self.now)
            _ = try await store.apiKeys.revoke(revokedKey.id, at: Self.now)
            secrets.withLock { $0 = (expiring, revoked) }
        }
        try await withTestServer(kind, now: Self.now, clock: clock, seed: seed) { client in
            let (expiring, revoked) = secrets.withLock { $0 }
            #expect(try await client.call(.get, "/api/v1/workspaces", key: expiring).status == .ok)

            clock.set(expiry.addingTimeInterval(-1))
            #expect(try await client.call(.get, "/api/v1/workspaces", key: expiring).status == .ok)

            clock.set(expiry)
            let refused = try await client.call(.get, "/api/v1/workspaces", key: expiring)
            #expect(refused.status == .unauthorized)
            #expect(refused.error["code"] as? String == "api_key_expired")
            #expect(refused.error["type"] as? String == "authentication_error")
            #expect((refused.error["message"] as? String)?.contains("2026-11-21T09:00:00Z") == true)
            #expect(refused.headers[.wwwAuthenticate] != nil)
            let write = try await client.call(
                .post, "/api/v1/meters", json: #"{"code": "x", "name": "x", "resource_type": "x", "unit": "x"}"#,
                key: expiring)
            #expect(write.status == .unauthorized && write.error["code"] as? String == "api_key_expired")

            // Revoked says revoked, expired or not; the bootstrap key never expires.
            let revokedAnswer = try await client.call(.get, "/api/v1/workspaces", key: revoked)
            #expect(revokedAnswer.status == .unauthorized)
            #expect(revokedAnswer.error["code"] as? String == "invalid_api_key")
            clock.advance(by: 3650 * 86_400)
            #expect(try await client.call(.get, "/api/v1/workspaces").status == .ok)
        }
    }

    @Test(
        "api-keys create takes --expires-at or --expires-in-days, refuses a time already past, and list shows it",
        arguments: TestDatabase.kinds)
    func command(kind: DatabaseKind) async throws {
        try await TestDatabase.withLocation(kind) { location in
            let database = ["--database", BillfoldProcess.argument(for: location)]
            func run(_ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
                let process = try BillfoldProcess(["api-keys"] + arguments + database)
                let status = await process.wait()
                return (status, process.standardOutput, process.standardError)
            }

            let past = try await run(["create", "--name", "stale", "--expires-at", "2020-01-01T00:00:00Z"])
            #expect(past.status != 0)
            #expect(past.error.contains("has already passed"), "\(past.error)")
            let both = try await run([
                "create", "--name", "x", "--expires-at", "2099-01-01T00:00:00Z", "--expires-in-days", "3",
            ])
            #expect(both.status != 0 && both.error.contains("not both"), "\(both.error)")
            let garbled = try await run(["create", "--name", "x", "--expires-at", "next tuesday"])
            #expect(garbled.status != 0 && garbled.error.contains("ISO 8601"), "\(garbled.error)")

            let dated = try await run(["create", "--name", "audit", "--expires-at", "2099-03-31T23:59:59+05:30"])
            #expect(dated.status == 0, "\(dated.error)")
            #expect(dated.output.contains("expires 2099-03-31T18:29:59Z"), "\(dated.output)")
            let counted = try await run(["create", "--name", "trial", "--expires-in-days", "30"])
            #expect(counted.status == 0, "\(counted.error)")
            let lasting = try await run(["create", "--name", "sync"])
            #expect(lasting.status == 0 && !lasting.output.contains("expires"), "\(lasting.output)")

            let list = try await run(["list"])
            #expect(list.status == 0, "\(list.error)")
            let lines = list.output.split(separator: "\n")
            #expect(lines.count == 3, "the refused keys were not stored: \(list.output)")
            #expect(lines.contains { $0.contains("audit") && $0.hasSuffix("active, expires 2099-03-31T18:29:59Z") })
            #expect(lines.contains { $0.contains("trial") && $0.contains("active, expires 20") })
            #expect(lines.contains { $0.contains("sync") && $0.hasSuffix("active, never expires") })
        }
    }
}
