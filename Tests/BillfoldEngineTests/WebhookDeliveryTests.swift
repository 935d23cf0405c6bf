import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import BillfoldWebhooks
import Foundation
import Logging
import Testing

/// Webhooks sent to a real receiver on loopback (`Tests/Webhooks/receiver.py`), which checks every signature with
/// Python's `hmac`: retries on the schedule, 410, redirects, timeouts, `Retry-After`, rotation and running out of
/// tries. The billing clock is a manual one the tests move; nothing waits on the machine's speed except the timeout
/// test, whose endpoint answers long after the timeout.
@Suite("Webhook delivery to a real receiver", .serialized)
struct WebhookDeliveryTests {
    static var logger: Logger {
        var logger = Logger(label: "billfold-test")
        logger.logLevel = .critical
        return logger
    }

    /// A supplier to mail, a master key, and a sender with no jitter.
    struct Setup {
        let database: Database
        let clock: ManualClock
        let engine: Engine
        let transport: HTTPWebhookTransport
        let sender: WebhookSender

        func close() async throws { try await self.transport.shutdown() }
    }

    static func setup(
        _ database: Database, timeout: Duration = .seconds(15), schedule: WebhookRetrySchedule = .standard,
        claimant: String = "test"
    ) async throws -> Setup {
        let clock = ManualClock(Fixtures.now)
        try await database.store.supplier.save(Fixtures.supplier)
        let policy = WebhookAddressPolicy(allowsInsecure: true)
        let engine = Engine(
            database: database, clock: clock.billingClock(), gateway: nil, masterKey: MasterKey.generate().key,
            webhookPolicy: policy, logger: Self.logger)
        let transport = HTTPWebhookTransport(policy: policy, timeout: timeout)
        let sender = WebhookSender(
            webhooks: engine.webhooks, transport: transport, mail: engine.mail, schedule: schedule,
            claimant: claimant, random: { 0 }, logger: Self.logger)
        return Setup(database: database, clock: clock, engine: engine, transport: transport, sender: sender)
    }

    /// An event recorded now.
    static func record(
        _ type: BillingEventType = .invoicePaid, in setup: Setup, data: [String: EventValue] = ["number": "INV-1"]
    ) async throws -> BillingEvent {
        let event = BillingEvent(type: type, workspaceID: nil, invoiceID: .generate(), data: data, at: setup.clock.now)
        try await setup.database.store.events.record(event)
        return event
    }

    static func deliveries(_ setup: Setup, of event: BillingEvent) async throws -> [WebhookDelivery] {
        try await setup.database.store.webhooks.deliveries(of: event.id)
    }

    @Test("The receiver's Python check and Billfold's signature both reproduce the specification's test vector")
    func testVector() throws {
        #expect(try WebhookTestReceiver.selfTest())
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let header = WebhookSignature.header(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8),
            secrets: [secret])
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(
            WebhookSignature.verify(
                header: "v1,bogus " + header, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                body: Array(#"{"test": 2432232314}"#.utf8), secret: secret,
                now: Date(timeIntervalSince1970: 1_614_265_330 + 299)))
        #expect(
            !WebhookSignature.verify(
                header: header, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                body: Array(#"{"test": 2432232314}"#.utf8), secret: secret,
                now: Date(timeIntervalSince1970: 1_614_265_330 + 301)),
            "a timestamp more than five minutes old is refused")
    }

    @Test("The receiver exits by itself when its standard input closes, so it never outlives a crashed test runner")
    func receiverEndsWithItsParent() async throws {
        let receiver = try await WebhookTestReceiver()
        #expect(await receiver.hangUp() == .exited(0))
    }

    @Test(
        "Two 500s are retried after about 5 s and 5 min, then a 200 delivers; every try is signed and logged",
        arguments: TestDatabase.kinds)
    func retriesThenSuccess(kind: DatabaseKind) async throws {
        let receiver = try await WebhookTestReceiver()
        try await TestDatabase.withDatabase(kind) { database in
            let setup = try await Self.setup(database)
            let (endpoint, secret) = try await setup.engine.webhooks.create(
                url: receiver.url("flaky"), eventTypes: [], description: "flaky", isEnabled: true)
            try await receiver.configure(
                "flaky", secrets: [secret.text], script: [.init(status: 500), .init(status: 503)])
            let event = try await Self.record(in: setup)

            #expect(try await setup.sender.run().retrying == 1)
            // Not due yet: nothing is sent.
            setup.clock.advance(by: 4)
            #expect(try await setup.sender.run() == WebhookSender.Report())
            setup.clock.advance(by: 1)
            #expect(try await setup.sender.run().retrying == 1)
            setup.clock.advance(by: 299)
            #expect(try await setup.sender.run() == WebhookSender.Report())
            setup.clock.advance(by: 1)
            #expect(try await setup.sender.run().delivered == 1)
            setup.clock.advance(by: 86_400)
            #expect(try await setup.sender.run() == WebhookSender.Report(), "a delivered event is not sent again")

            let arrivals = try await receiver.received("flaky")
            #expect(arrivals.map(\.status) == [500, 503, 200])
            #expect(arrivals.allSatisfy { $0.verified && $0.timestampFresh && $0.verifiedWith == [0] })
            #expect(Set(arrivals.map(\.webhookID)) == [event.id.rawValue], "the same webhook-id on every try")
            #expect(arrivals.allSatisfy { $0.contentType == "application/json" })
            let body = try #require(
                try JSONSerialization.jsonObject(with: Data(arrivals[0].body.utf8)) as? [String: Any])
            #expect(body["type"] as? String == "invoice.paid")
            #expect(body["timestamp"] as? String == ISO8601Instant.format(event.createdAt))
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["id"] as? String == event.id.rawValue)
            #expect((data["data"] as? [String: Any])?["number"] as? String == "INV-1")

            let attempts = try await database.store.webhooks.attempts(
                to: endpoint.id, eventID: nil, limit: 10, startingAfter: nil)
            #expect(attempts.map(\.number) == [3, 2, 1])
            #expect(attempts.map(\.outcome) == [.succeeded, .retrying, .retrying])
            #expect(attempts.map(\.statusCode) == [200, 503, 500])
            #expect(attempts[2].nextAttemptAt == Fixtures.now.addingTimeInterval(5))
            let delivery = try #require(try await Self.deliveries(setup, of: event).first)
            #expect(delivery.status == .succeeded && delivery.attempts == 3)
            try await setup.close()
        }
    }

    @Test(
        "A 410 disables the endpoint and mails the operator; nothing more is sent to it", arguments: TestDatabase.kinds)
    func goneDisables(kind: DatabaseKind) async throws {
        let receiver = try await WebhookTestReceiver()
        try await TestDatabase.withDatabase(kind) { database in
            let setup = try await Self.setup(database)
            let (endpoint, secret) = try await setup.engine.webhooks.create(
                url: receiver.url("gone"), eventTypes: [], description: "", isEnabled: true)
            try await receiver.configure("gone", secrets: [secret.text], otherwise: .init(status: 410))
            let first = try await Self.record(in: setup)
            #expect(try await setup.sender.run().failed == 1)
            _ = try await Self.record(in: setup)
            setup.clock.advance(by: 86_400)
            #expect(try await setup.sender.run() == WebhookSender.Report())

            #expect(try await receiver.received("gone").count == 1)
            let stored = try #require(try await database.store.webhooks.endpoint(endpoint.id))
            #expect(!stored.isEnabled)
            #expect(stored.disabledReason?.contains("410") == true)
            #expect(try await Self.deliveries(setup, of: first).first?.status == .failed)
            let mail = try await database.store.outbox.list(
                OutboxFilter(template: "webhook_endpoint_disabled"), limit: 10, startingAfter: nil)
            #expect(mail.map(\.recipient) == [Fixtures.supplier.email])
            #expect(mail.first?.text.contains(endpoint.id.rawValue) == true)
            try await setup.close()
        }
    }

    @Test("A redirect is a failure: it is not followed, and the delivery is tried again later")
    func redirectFails() async throws {
        let receiver = try await WebhookTestReceiver()
        try await TestDatabase.withDatabase(.sqlite) { database in
            let setup = try await Self.setup(database)
            let (endpoint, secret) = try await setup.engine.webhooks.create(
                url: receiver.url("moved"), eventTypes: [], description: "", isEnabled: true)
            try await receiver.configure(
                "moved", secrets: [secret.text],
                script: [.init(status: 302, headers: ["Location": receiver.url("elsewhere")])])
            try await receiver.configure("elsewhere", secrets: [secret.text])
            _ = try await Self.record(in: setup)
            #expect(try await setup.sender.run().retrying == 1)
            #expect(try await receiver.received("elsewhere").isEmpty, "the redirect was not followed")
            let attempt = try #require(
                try await database.store.webhooks.attempts(to: endpoint.id, eventID: nil, limit: 1, startingAfter: nil)
                    .first)
            #expect(attempt.statusCode == 302 && attempt.outcome == .retrying)
            #expect(attempt.error?.contains("redirect") == true)
            setup.clock.advance(by: 6)
            #expect(try await setup.sender.run().delivered == 1)
            try await setup.close()
        }
    }

    @Test("An endpoint that answers after the timeout fails that try and is tried again")
    func slowEndpointTimesOut() async throws {
        let receiver = try await WebhookTestReceiver()
        try await TestDatabase.withDatabase(.sqlite) { database in
            // The endpoint's first answer comes 20 s after the 2 s timeout; a slow machine only makes it later.
            let setup = try await Self.setup(database, timeout: .seconds(2))
            let (endpoint, secret) = try await setup.engine.webhooks.create(
                url: receiver.url("slow"), eventTypes: [], description: "", isEnabled: true)
            try await receiver.configure("slow", secrets: [secret.text], script: [.init(status: 200, delay: 20)])
            _ = try await Self.record(in: setup)
            #expect(try await setup.sender.run().retrying == 1)
            let attempt = try #require(
                try await database.store.webhooks.attempts(to: endpoint.id, eventID: nil, limit: 1, startingAfter: nil)
                    .first)
            #expect(attempt.statusCode == nil && attempt.error?.contains("no answer within 2 s") == true)
            setup.clock.advance(by: 6)
            #expect(try await setup.sender.run().delivered == 1)
            try await setup.close()
        }
    }

    @Test("Retry-After is honoured when it asks for longer than the schedule")
    func retryAfter() async throws {
        let receiver = try await WebhookTestReceiver()
        try await TestDatabase.withDatabase(.sqlite) { database in
            let setup = try await Self.setup(database)
            let (endpoint, secret) = try await setup.engine.webhooks.create(
                url: receiver.url("busy"), eventTypes: [], description: "", isEnabled: true)
            try await receiver.configure(
                "busy", secrets: [secret.text], script: [.init(status: 429, headers: ["Retry-After": "120"])])
            _ = try await Self.record(in: setup)
            #expect(try await setup.sender.run().retrying == 1)
            let attempt = try #require(
                try await database.store.webhooks.attempts(to: endpoint.id, eventID: nil, limit: 1, startingAfter: nil)
                    .first)
            #expect(attempt.nextAttemptAt == Fixtures.now.addingTimeInterval(120))
            setup.clock.advance(by: 119)
            #expect(try await setup.sender.run() == WebhookSender.Report())
            setup.clock.advance(by: 1)
            #expect(try await setup.sender.run().delivered == 1)
            try await setup.close()
        }
    }

    @Test(
        "After a rotation both secrets sign for 24 hours, then only the new one", arguments: TestDatabase.kinds)
    func rotation(kind: DatabaseKind) async throws {
        let receiver = try await WebhookTestReceiver()
        try await TestDatabase.withDatabase(kind) { database in
            let setup = try await Self.setup(database)
            let (endpoint, old) = try await setup.engine.webhooks.create(
                url: receiver.url("rotating"), eventTypes: [], description: "", isEnabled: true)
            let new = try await setup.engine.webhooks.rotateSecret(endpoint.id).secret
            #expect(new != old)
            try await receiver.configure("rotating", secrets: [old.text, new.text])
            _ = try await Self.record(in: setup)
            #expect(try await setup.sender.run().delivered == 1)
            setup.clock.advance(by: 86_400)
            _ = try await Self.record(in: setup)
            #expect(try await setup.sender.run().delivered == 1)

            let arrivals = try await receiver.received("rotating")
            #expect(arrivals.map(\.signatures.count) == [2, 1])
            #expect(arrivals.map(\.verifiedWith) == [[0, 1], [1]])
            try await setup.close()
        }
    }

    @Test("When the tries run out the delivery fails, the endpoint is disabled and the operator mailed")
    func triesRunOut() async throws {
        let receiver = try await WebhookTestReceiver()
        try await TestDatabase.withDatabase(.sqlite) { database in
            let setup = try await Self.setup(database, schedule: WebhookRetrySchedule(delays: [5, 60]))
            let (endpoint, secret) = try await setup.engine.webhooks.create(
                url: receiver.url("down"), eventTypes: [], description: "", isEnabled: true)
            try await receiver.configure("down", secrets: [secret.text], otherwise: .init(status: 500))
            _ = try await Self.record(in: setup)
            #expect(try await setup.sender.run().retrying == 1)
            setup.clock.advance(by: 5)
            #expect(try await setup.sender.run().retrying == 1)
            setup.clock.advance(by: 60)
            #expect(try await setup.sender.run().failed == 1)
            #expect(try await receiver.received("down").count == 3)
            let stored = try #require(try await database.store.webhooks.endpoint(endpoint.id))
            #expect(!stored.isEnabled && stored.disabledReason?.contains("3 tries") == true)
            #expect(
                try await database.store.outbox.list(
                    OutboxFilter(template: "webhook_endpoint_disabled"), limit: 10, startingAfter: nil
                ).count == 1)
            try await setup.close()
        }
    }

    @Test(
        "Fan-out owes each event once to each enabled endpoint that wants its type and existed when it happened",
        arguments: TestDatabase.kinds)
    func fanOut(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let setup = try await Self.setup(database)
            let webhooks = setup.engine.webhooks
            let all = try await webhooks.create(
                url: "http://127.0.0.1:9/all", eventTypes: [], description: "", isEnabled: true
            ).endpoint
            let paidOnly = try await webhooks.create(
                url: "http://127.0.0.1:9/paid", eventTypes: [.invoicePaid], description: "", isEnabled: true
            ).endpoint
            let off = try await webhooks.create(
                url: "http://127.0.0.1:9/off", eventTypes: [], description: "", isEnabled: false
            ).endpoint
            let paid = try await Self.record(.invoicePaid, in: setup)
            let overdue = try await Self.record(.invoiceOverdue, in: setup)
            setup.clock.advance(by: 1)
            let late = try await webhooks.create(
                url: "http://127.0.0.1:9/late", eventTypes: [], description: "", isEnabled: true
            ).endpoint
            #expect(try await webhooks.fanOut() == 2)
            #expect(try await webhooks.fanOut() == 0)
            #expect(Set(try await Self.deliveries(setup, of: paid).map(\.endpointID)) == [all.id, paidOnly.id])
            #expect(try await Self.deliveries(setup, of: overdue).map(\.endpointID) == [all.id])
            _ = late

            let again = try await webhooks.redeliver(paid.id, to: all.id)
            #expect(again.map(\.trigger) == [.redelivery])
            #expect(try await Self.deliveries(setup, of: paid).count == 3)
            await #expect(throws: EngineError.self) { try await webhooks.redeliver(paid.id, to: off.id) }
            try await setup.close()
        }
    }

    @Test("Without the master key no endpoint is created, and the refusal names BILLFOLD_MASTER_KEY")
    func noMasterKey() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            let engine = Engine(database: database, clock: .system, gateway: nil, logger: Self.logger)
            let error = await #expect(throws: EngineError.self) {
                try await engine.webhooks.create(
                    url: "https://platform.example.com/hooks", eventTypes: [], description: "", isEnabled: true)
            }
            #expect(error?.code == .masterKeyNotConfigured)
            #expect(error?.message.contains("BILLFOLD_MASTER_KEY") == true)
        }
    }

    @Test("A secret sealed for one endpoint does not open as another's, nor under another key")
    func sealing() throws {
        let key = MasterKey.generate().key
        let sealed = try key.seal([1, 2, 3], context: "we_a")
        #expect(try key.open(sealed, context: "we_a") == [1, 2, 3])
        #expect(throws: EngineError.self) { try key.open(sealed, context: "we_b") }
        #expect(throws: EngineError.self) { try MasterKey.generate().key.open(sealed, context: "we_a") }
        #expect(MasterKey(base64: "c2hvcnQ=") == nil, "5 bytes is not a key")
    }

    @Test("Only https and public addresses, unless insecure webhooks are allowed")
    func addressPolicy() async {
        let strict = WebhookAddressPolicy(allowsInsecure: false)
        #expect(strict.problem(with: "https://platform.example.com/hooks") == nil)
        #expect(strict.problem(with: "http://platform.example.com/hooks")?.contains("--allow-http-webhooks") == true)
        #expect(strict.problem(with: "ftp://platform.example.com/") != nil)
        #expect(strict.problem(with: "https://user:pw@platform.example.com/") != nil)
        for url in [
            "https://127.0.0.1/", "https://localhost/", "https://10.1.2.3/", "https://172.20.0.1/",
            "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data", "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[fe80::1]/", "https://[::ffff:10.0.0.1]/", "https://100.100.100.200/", "https://0.0.0.0/",
        ] {
            #expect(strict.problem(with: url) != nil, "\(url)")
        }
        #expect(await strict.problem(resolving: "https://localhost/hooks") != nil, "localhost resolves to loopback")
        let open = WebhookAddressPolicy(allowsInsecure: true)
        #expect(open.problem(with: "http://127.0.0.1:8080/sandbox/webhooks") == nil)
        #expect(await open.problem(resolving: "http://127.0.0.1/") == nil)
    }
}
