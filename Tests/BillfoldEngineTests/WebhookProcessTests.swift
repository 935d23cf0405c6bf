import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import BillfoldWebhooks
import Foundation
import SQLKit
import Testing

/// `billfold send-webhooks` as two processes at once on one PostgreSQL database: each of 10,000 events reaches each
/// of two endpoints exactly once, every request signed.
@Suite("Webhooks from two processes", .serialized, .enabled(if: TestDatabase.postgresURL != nil))
struct WebhookProcessTests {
    static let events = 10_000

    @Test("Two processes deliver 10,000 events to two endpoints, each exactly once")
    func twoProcesses() async throws {
        let receiver = try await WebhookTestReceiver()
        let (key, keyText) = MasterKey.generate()
        try await TestDatabase.withLocation(.postgres) { location in
            var endpoints: [WebhookEndpoint] = []
            try await Database.withOpen(location, logger: .init(label: "test")) { database in
                try await Migrations.run(on: database)
                let engine = Engine(
                    database: database, clock: .system, gateway: nil, masterKey: key,
                    webhookPolicy: WebhookAddressPolicy(allowsInsecure: true))
                for name in ["first", "second"] {
                    let (endpoint, secret) = try await engine.webhooks.create(
                        url: receiver.url(name), eventTypes: [], description: name, isEnabled: true)
                    try await receiver.configure(name, secrets: [secret.text])
                    endpoints.append(endpoint)
                }
                let now = Date()
                try await database.store.events.record(
                    (0..<Self.events).map { index in
                        BillingEvent(
                            type: .invoicePaid, workspaceID: nil, invoiceID: .generate(),
                            data: ["number": .string("INV-\(index)")], at: now)
                    })
            }
            let arguments = [
                "send-webhooks", "--database", BillfoldProcess.argument(for: location), "--allow-http-webhooks",
            ]
            let processes = try (0..<2).map { _ in
                try BillfoldProcess(arguments, environment: ["BILLFOLD_MASTER_KEY": keyText])
            }
            for process in processes {
                let status = await process.wait()
                #expect(status == 0, "\(process.standardError)")
            }
            for endpoint in endpoints {
                let summary = try await receiver.summary(endpoint.description)
                #expect(summary.count == Self.events)
                #expect(summary.uniqueIDs == Self.events)
                #expect(summary.duplicateIDs == 0)
                #expect(summary.unverified == 0)
            }
            try await Database.withOpen(location, logger: .init(label: "test")) { database in
                let row = try #require(
                    try await database.sql.raw(
                        """
                        SELECT COUNT(*) AS deliveries,
                            SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END) AS succeeded,
                            COUNT(DISTINCT claimed_by) AS processes,
                            (SELECT COUNT(*) FROM webhook_attempts WHERE outcome = 'succeeded') AS successes,
                            (SELECT COUNT(*) FROM webhook_attempts WHERE outcome <> 'succeeded') AS retried
                        FROM webhook_deliveries
                        """
                    ).first())
                // Every delivery succeeded once, and the receiver above saw each event once per endpoint. How many
                // tries that took is the machine's business: on a busy one a connection can fail before the receiver
                // reads the request, and the delivery is tried again. Such failures are shown, never counted.
                let failures = try await database.sql.raw(
                    "SELECT error FROM webhook_attempts WHERE outcome <> 'succeeded' LIMIT 5"
                ).all().map { try $0.decode(column: "error", as: String?.self) ?? "no error recorded" }
                let retried = try row.decode(column: "retried", as: Int.self)
                #expect(try row.decode(column: "deliveries", as: Int.self) == 2 * Self.events)
                #expect(try row.decode(column: "succeeded", as: Int.self) == 2 * Self.events, "\(failures)")
                #expect(try row.decode(column: "successes", as: Int.self) == 2 * Self.events, "\(failures)")
                if retried > 0 { print("webhook tries that failed and were retried: \(retried), e.g. \(failures)") }
                // Which process took how many depends on the machine; that each took its own is what matters.
                #expect(try row.decode(column: "processes", as: Int.self) >= 1)
            }
        }
    }
}
