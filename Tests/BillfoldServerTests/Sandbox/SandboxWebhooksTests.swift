import BillfoldCore
import BillfoldEngine
import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import BillfoldWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// `/sandbox/webhooks`, the demo's own receiver: what it records and shows, and whether it tells a signed request
/// from a tampered, unsigned or stale one as a platform's receiver should.
@Suite("The demo's webhook receiver")
struct SandboxWebhooksTests {
    static let logger = Logger(label: "sandbox-webhooks-test")
    static let paidBody =
        #"{"data":{"id":"inv_1","status":"paid"},"timestamp":"2026-01-01T00:00:00Z","type":"invoice.paid"}"#

    /// A server serving the receiver, with one endpoint pointing at it whose secret the test knows.
    static func withReceiver(
        _ body: @escaping @Sendable (any ServerTestClient, WebhookEndpoint, WebhookSecret) async throws -> Void
    ) async throws {
        let key = MasterKey.generate().key
        let secret = WebhookSecret.generate()
        let endpoint = WebhookEndpoint(
            url: "http://127.0.0.1:8080/sandbox/webhooks", eventTypes: [], description: "receiver", isEnabled: true,
            createdAt: Date())
        // As WebhookService.create seals it; the test needs the secret, which the service only hands back once.
        let sealed = try key.seal(secret.bytes, context: endpoint.id.rawValue)
        let seed: @Sendable (Store) async throws -> Void = { store in
            try await store.webhooks.createEndpoint(endpoint, secrets: SealedWebhookSecrets(current: sealed))
        }
        try await withTestServer(.sqlite, seed: seed, masterKey: key, webhookSandbox: true) { client in
            try await body(client, endpoint, secret)
        }
    }

    static func post(
        _ client: some ServerTestClient, body: String, id: String? = nil, timestamp: Int64? = nil,
        signature: String? = nil
    ) async throws -> ServerTestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let id { headers[HTTPField.Name("webhook-id")!] = id }
        if let timestamp { headers[HTTPField.Name("webhook-timestamp")!] = String(timestamp) }
        if let signature { headers[HTTPField.Name("webhook-signature")!] = signature }
        return try await client.execute(
            uri: "/sandbox/webhooks", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func arrivals(_ client: some ServerTestClient) async throws -> [[String: Any]] {
        let listed = try await client.call(.get, "/sandbox/webhooks/arrivals.json", key: nil)
        #expect(listed.status == .ok)
        return listed.object["data"] as? [[String: Any]] ?? []
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    @Test("a signed request verifies; tampered, unsigned, stale and foreign ones do not, each saying why")
    func verifiesWhatArrives() async throws {
        try await Self.withReceiver { client, endpoint, secret in
            let now = Self.now
            func sign(_ body: String, id: String, at time: Int64, with secret: WebhookSecret) -> String {
                WebhookSignature.header(id: id, timestamp: time, body: Array(body.utf8), secrets: [secret])
            }
            let signed = sign(Self.paidBody, id: "evt_signed", at: now, with: secret)
            for (body, id, time, signature) in [
                (Self.paidBody, "evt_signed", now, signed),
                (Self.paidBody.replacingOccurrences(of: "paid\"}", with: "void\"}"), "evt_tampered", now, signed),
                (Self.paidBody, "evt_other", now, sign(Self.paidBody, id: "evt_other", at: now, with: .generate())),
                (
                    Self.paidBody, "evt_stale", now - 600,
                    sign(Self.paidBody, id: "evt_stale", at: now - 600, with: secret)
                ),
            ] {
                let answer = try await Self.post(client, body: body, id: id, timestamp: time, signature: signature)
                #expect(answer.status == .noContent, "\(id)")
            }
            #expect(try await Self.post(client, body: Self.paidBody).status == .noContent)

            let arrivals = try await Self.arrivals(client)
            #expect(arrivals.count == 5)
            // Newest first.
            #expect(
                arrivals.map { $0["webhook_id"] as? String } == [
                    nil, "evt_stale", "evt_other", "evt_tampered", "evt_signed",
                ])
            let byID = Dictionary(arrivals.map { ($0["webhook_id"] as? String ?? "none", $0) }) { first, _ in first }
            let verified = try #require(byID["evt_signed"])
            #expect(verified["verified"] as? Bool == true)
            #expect(verified["endpoint_id"] as? String == endpoint.id.rawValue)
            #expect(verified["reason"] == nil)
            #expect(verified["type"] as? String == "invoice.paid")
            #expect(verified["webhook_timestamp"] as? String == String(now))
            #expect(verified["redelivery"] as? Bool == false)
            // Pretty-printed for reading.
            #expect((verified["body"] as? String)?.contains("\n  \"type\" : \"invoice.paid\"") == true)
            let reasons: [(String, String)] = [
                ("evt_tampered", "no matching secret"), ("evt_other", "no matching secret"),
                ("evt_stale", "stale timestamp"), ("none", "unsigned"),
            ]
            for (id, reason) in reasons {
                let arrival = try #require(byID[id])
                #expect(arrival["verified"] as? Bool == false, "\(id)")
                #expect((arrival["reason"] as? String)?.contains(reason) == true, "\(id): \(arrival["reason"] ?? "")")
                #expect(arrival["endpoint_id"] == nil, "\(id)")
            }
            #expect(
                (byID["none"]?["reason"] as? String)?.contains("webhook-id, webhook-timestamp, webhook-signature")
                    == true)
            let stale = byID["evt_stale"]?["reason"] as? String ?? ""
            #expect(stale.contains(/[0-9]+ seconds behind this server.s clock, more than the 300 allowed/))
        }
    }

    @Test("the same webhook-id again is counted as a redelivery")
    func redeliveries() async throws {
        try await Self.withReceiver { client, _, secret in
            for _ in 0..<3 {
                let now = Self.now
                let signature = WebhookSignature.header(
                    id: "evt_again", timestamp: now, body: Array(Self.paidBody.utf8), secrets: [secret])
                _ = try await Self.post(
                    client, body: Self.paidBody, id: "evt_again", timestamp: now, signature: signature)
            }
            let arrivals = try await Self.arrivals(client)
            #expect(arrivals.map { $0["delivery"] as? Int } == [3, 2, 1])
            #expect(arrivals.map { $0["redelivery"] as? Bool } == [true, true, false])
            #expect(arrivals.allSatisfy { $0["verified"] as? Bool == true })
            let page = String(buffer: try await client.call(.get, "/sandbox/webhooks", key: nil).body)
            #expect(page.contains("redelivery 2"))
            #expect(page.contains("redelivery 1"))
        }
    }

    @Test("the page lists arrivals with a badge each, escapes what was posted, and warns who can read it")
    func page() async throws {
        try await Self.withReceiver { client, endpoint, secret in
            let empty = try await client.call(.get, "/sandbox/webhooks", key: nil)
            #expect(empty.status == .ok)
            #expect(empty.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: empty.body).contains("Nothing has arrived yet"))
            let now = Self.now
            let signature = WebhookSignature.header(
                id: "evt_page", timestamp: now, body: Array(Self.paidBody.utf8), secrets: [secret])
            _ = try await Self.post(client, body: Self.paidBody, id: "evt_page", timestamp: now, signature: signature)
            _ = try await Self.post(client, body: #"<script>alert("x")</script>"#, id: "<b>id</b>")

            let response = try await client.call(.get, "/sandbox/webhooks", key: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let page = String(buffer: response.body)
            #expect(page.contains("anyone who can reach this server"))
            #expect(page.contains("✓ verified"))
            #expect(page.contains("✗ not verified"))
            #expect(page.contains("invoice.paid"))
            #expect(page.contains("evt_page"))
            #expect(page.contains(endpoint.id.rawValue))
            #expect(page.contains("<details>"))
            #expect(!page.contains("<script>alert"))
            #expect(!page.contains("<b>id</b>"))
            #expect(page.contains("&lt;script&gt;"))
            // Newest first: the unsigned post is listed above the signed one.
            let unsigned = try #require(page.range(of: "✗ not verified"))
            let signed = try #require(page.range(of: "✓ verified"))
            #expect(unsigned.lowerBound < signed.lowerBound)
        }
    }

    @Test("without an endpoint pointing here nothing verifies, and the page says how to make one")
    func noEndpoint() async throws {
        try await withTestServer(.sqlite, webhookSandbox: true) { client in
            let now = Self.now
            let signature = WebhookSignature.header(
                id: "evt_1", timestamp: now, body: Array(Self.paidBody.utf8), secrets: [.generate()])
            _ = try await Self.post(client, body: Self.paidBody, id: "evt_1", timestamp: now, signature: signature)
            let arrival = try #require(try await Self.arrivals(client).first)
            #expect(arrival["verified"] as? Bool == false)
            #expect((arrival["reason"] as? String)?.contains("no webhook endpoint points at /sandbox/webhooks") == true)
            let page = String(buffer: try await client.call(.get, "/sandbox/webhooks", key: nil).body)
            #expect(page.contains("POST /api/v1/webhook_endpoints"))
        }
    }

    @Test("a server not asked for the receiver does not serve it")
    func offUnlessAsked() async throws {
        try await withTestServer(.sqlite) { client in
            let page = try await client.call(.get, "/sandbox/webhooks", key: nil)
            let post = try await Self.post(client, body: Self.paidBody)
            #expect(page.status == .notFound)
            #expect(post.status == .notFound)
        }
    }

    @Test("the demo's endpoint gets every event, signed, and the receiver verifies them")
    func demoEndToEnd() async throws {
        try await TestDatabase.withLocation(.sqlite) { location in
            let key = MasterKey.generate().key
            let configuration = ServerConfiguration(
                host: "127.0.0.1", port: 0, database: location, bootstrapAPIKey: testAPIKey, logLevel: .error,
                signInPolicy: SignInPolicy(bcryptCost: 4), masterKey: key,
                webhookPolicy: WebhookAddressPolicy(allowsInsecure: true), webhookInterval: .milliseconds(100),
                webhookSandbox: true)
            let app = try await buildApplication(configuration)
            try await app.withTestClient(.live) { client in
                let port = try #require(client.port)
                // Seeded as `serve --demo` seeds, once the port is known.
                let summary = try await Database.withOpen(location, logger: Self.logger) { database in
                    try await DemoData.seed(
                        into: database, now: Date(),
                        webhookReceiver: DemoData.WebhookReceiver(
                            url: "http://127.0.0.1:\(port)/sandbox/webhooks", masterKey: key))
                }
                let endpoint = try #require(summary?.webhookEndpoint)
                let open = try await client.call(.get, "/api/v1/invoices?status=pending&kind=invoice&limit=1")
                let invoice = try #require((open.object["data"] as? [[String: Any]])?.first)
                let id = try #require(invoice["id"] as? String)
                let due = try #require(invoice["amount_due"] as? Int)
                let paid = try await client.call(
                    .post, "/api/v1/invoices/\(id)/payments",
                    json: #"{"method": "bank_transfer", "amount": \#(due), "reference": "UTR-DEMO-HOOK"}"#)
                #expect(paid.status == .created || paid.status == .ok, "\(String(buffer: paid.body))")
                var arrivals: [[String: Any]] = []
                // A safety net of two minutes against a hang, not a measure of speed: a busy machine is slow.
                for _ in 0..<1_200 {
                    arrivals = try await Self.arrivals(client)
                    if arrivals.contains(where: { $0["type"] as? String == "invoice.paid" }) { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let invoicePaid = try #require(arrivals.first { $0["type"] as? String == "invoice.paid" })
                #expect(invoicePaid["verified"] as? Bool == true)
                #expect(invoicePaid["endpoint_id"] as? String == endpoint.id.rawValue)
                #expect((invoicePaid["body"] as? String)?.contains(id) == true)
                #expect(arrivals.allSatisfy { $0["verified"] as? Bool == true })
            }
        }
    }
}

/// `serve --demo`'s webhook set-up: the endpoint for its own receiver, and the master key kept beside its database.
@Suite("The demo's webhooks")
struct DemoWebhooksTests {
    @Test("seeding makes the endpoint when asked, for every event type, once; by default it makes none")
    func seedsTheEndpoint() async throws {
        let key = MasterKey.generate().key
        try await TestDatabase.withDatabase(.sqlite) { database in
            let receiver = DemoData.WebhookReceiver(url: "http://127.0.0.1:8080/sandbox/webhooks", masterKey: key)
            let summary = try await DemoData.seed(into: database, now: Date(), webhookReceiver: receiver)
            let endpoint = try #require(summary?.webhookEndpoint)
            #expect(endpoint.url == receiver.url)
            #expect(endpoint.eventTypes.isEmpty)
            #expect(endpoint.isEnabled)
            #expect(endpoint.description == "Demo receiver: see /sandbox/webhooks")
            let stored = try await database.store.webhooks.endpoints(limit: 10, startingAfter: nil)
            #expect(stored.map(\.id) == [endpoint.id])
            // Its secret opens with the demo's key.
            let sealed = try #require(try await database.store.webhooks.secrets(of: endpoint.id))
            let webhooks = WebhookService(
                database: database, clock: .system, masterKey: key, policy: WebhookAddressPolicy(allowsInsecure: true))
            #expect(try webhooks.signingSecrets(sealed, of: endpoint.id, at: Date()).count == 1)
            // Seeding again adds nothing.
            #expect(try await DemoData.seed(into: database, now: Date(), webhookReceiver: receiver) == nil)
            #expect(try await database.store.webhooks.endpoints(limit: 10, startingAfter: nil).count == 1)
        }
        try await TestDatabase.withDatabase(.sqlite) { database in
            let summary = try await DemoData.seed(into: database, now: Date())
            #expect(summary != nil && summary?.webhookEndpoint == nil)
            #expect(try await database.store.webhooks.endpoints(limit: 10, startingAfter: nil).isEmpty)
        }
    }

    @Test("the demo's master key is made once, readable by its owner only, and read back after")
    func masterKeyFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billfold-key-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = DemoData.masterKeyFile(for: .sqlite(path: directory.appendingPathComponent("demo.sqlite").path))
        #expect(file.lastPathComponent == "demo.sqlite.master-key")
        #expect(
            DemoData.masterKeyFile(for: .postgres(url: "postgres://localhost/billfold")).lastPathComponent
                == "billfold-demo.master-key")

        let made = try DemoData.masterKey(in: file)
        #expect(made.isNew)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let again = try DemoData.masterKey(in: file)
        #expect(!again.isNew)
        // The same key: what one seals the other opens.
        let sealed = try made.key.seal(Array("secret".utf8), context: "whe_1")
        #expect(try again.key.open(sealed, context: "whe_1") == Array("secret".utf8))

        try Data("not a key\n".utf8).write(to: file)
        #expect {
            try DemoData.masterKey(in: file)
        } throws: { error in
            "\(error)".contains("does not hold a master key")
        }
    }
}
