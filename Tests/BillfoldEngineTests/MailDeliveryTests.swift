import BillfoldCore
import BillfoldEngine
import BillfoldMail
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Logging
import Testing

/// The outbox delivered to a real SMTP server on loopback: a claim that outlives its process, a server that says
/// "later" and one that says "never", and two processes sharing a queue on PostgreSQL.
@Suite("Mail delivery from the outbox", .enabled(if: TestPython.canRunSMTPServer, "\(TestPython.missingMessage)"))
struct MailDeliveryTests {
    static var logger: Logger {
        var logger = Logger(label: "billfold-test")
        logger.logLevel = .critical
        return logger
    }

    static func delivery(
        _ database: Database, server: SMTPTestServer, clock: ManualClock, claimant: String
    ) throws -> MailDelivery {
        MailDelivery(
            database: database, documents: DocumentService(database: database, clock: clock.billingClock()),
            transport: SMTPTransport(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)")),
            sender: MailAddress("billing@testcloud.example"), clock: clock.billingClock(), claimant: claimant,
            logger: Self.logger)
    }

    /// A message to `recipient` caused by `cause`, queued now.
    static func enqueue(
        _ recipient: String, cause: String, in database: Database, at time: Date
    ) async throws -> OutboxMessage {
        let id = OutboxMessageID.generate()
        let message = OutboxMessage(
            id: id, template: "invoice_issued", cause: cause, workspaceID: nil, invoiceID: nil, recipient: recipient,
            subject: "Test \(cause)", text: "Hello.\n.A line that starts with a dot.\n", html: "<p>Hello.</p>",
            messageID: "\(id.rawValue)@testcloud.example", createdAt: time)
        #expect(try await database.store.outbox.enqueue(message))
        return message
    }

    @Test(
        "A message claimed by a process that died is sent once its lease lapses, once; the dead claim cannot mark it",
        arguments: TestDatabase.kinds)
    func lapsedClaim(kind: DatabaseKind) async throws {
        try await SMTPTestServer.with(.plain) { server in
            try await TestDatabase.withDatabase(kind) { database in
                let clock = ManualClock(Fixtures.now)
                let message = try await Self.enqueue(
                    "asha@example.in", cause: "lapsed", in: database, at: clock.now)
                // The dead process claimed it for five minutes and never came back.
                let claimed = try await database.store.outbox.claim(
                    due: clock.now, claimant: "dead", leaseExpiresAt: clock.now.addingTimeInterval(300), limit: 10)
                #expect(claimed.map(\.id) == [message.id])
                let alive = try Self.delivery(database, server: server, clock: clock, claimant: "alive")
                #expect(try await alive.deliverDue().sent == 0, "the claim still holds")
                #expect(try server.received().isEmpty)

                clock.advance(by: 301)
                #expect(try await alive.deliverDue().sent == 1)
                #expect(try await alive.deliverDue().sent == 0)
                let received = try server.received()
                #expect(received.count == 1)
                #expect(received.first?.message.messageId == "<\(message.messageID)>")
                #expect(received.first?.message.plain?.contains("\n.A line that starts with a dot.") == true)
                #expect(try await !database.store.outbox.markSent(message.id, claimant: "dead", at: clock.now))
                let stored = try #require(try await database.store.outbox.find(message.id))
                #expect(stored.status == .sent && stored.attempts == 2 && stored.sentAt == clock.now)
            }
        }
    }

    @Test(
        "A 4xx reply queues the message again after a minute and it goes then; a 5xx fails it for good with the server's words",
        arguments: TestDatabase.kinds)
    func replies(kind: DatabaseKind) async throws {
        try await SMTPTestServer.with(.plain) { server in
            try await TestDatabase.withDatabase(kind) { database in
                let clock = ManualClock(Fixtures.now)
                let later = try await Self.enqueue(
                    "tempfail-once@example.in", cause: "later", in: database, at: clock.now)
                let never = try await Self.enqueue("nouser@example.in", cause: "never", in: database, at: clock.now)
                let delivery = try Self.delivery(database, server: server, clock: clock, claimant: "one")

                let first = try await delivery.deliverDue()
                #expect(first.sent == 0 && first.retrying == 1 && first.failed == 1)
                let waiting = try #require(try await database.store.outbox.find(later.id))
                #expect(waiting.status == .queued && waiting.attempts == 1)
                #expect(waiting.nextAttemptAt == clock.now.addingTimeInterval(60))
                #expect(waiting.lastError?.contains("451") == true)
                let failed = try #require(try await database.store.outbox.find(never.id))
                #expect(failed.status == .failed && failed.lastError?.contains("550") == true)

                clock.advance(by: 59)
                #expect(try await delivery.deliverDue().sent == 0, "not before its minute")
                clock.advance(by: 1)
                #expect(try await delivery.deliverDue().sent == 1)
                #expect(try server.received().map(\.rcptTos) == [["tempfail-once@example.in"]])
                #expect(try await database.store.outbox.countByStatus() == [.sent: 1, .failed: 1])
            }
        }
    }

    @Test("The last of the retry schedule's attempts fails the message; the waits grow from a minute to hours")
    func schedule() {
        let schedule = MailRetrySchedule.standard
        let time = Fixtures.now
        let waits = (1...8).map { schedule.nextAttempt(after: $0, failedAt: time)?.timeIntervalSince(time) }
        #expect(waits == [60, 300, 1_800, 7_200, 21_600, 43_200, 43_200, nil])
    }

    @Test("Two processes on PostgreSQL deliver 1,000 messages with none sent twice")
    func twoProcesses() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await SMTPTestServer.with(.plain) { server in
            try await TestDatabase.withLocation(.postgres) { location in
                try await Database.withOpen(location, logger: Self.logger) { first in
                    try await Migrations.run(on: first)
                    try await Database.withOpen(location, logger: Self.logger) { second in
                        let clock = ManualClock(Fixtures.now)
                        var messages: [OutboxMessage] = []
                        for index in 0..<1_000 {
                            messages.append(
                                try await Self.enqueue(
                                    "user\(index)@example.in", cause: "bulk", in: first, at: clock.now))
                        }
                        let one = try Self.delivery(first, server: server, clock: clock, claimant: "one")
                        let two = try Self.delivery(second, server: server, clock: clock, claimant: "two")
                        async let reportOne = one.deliverDue(batchSize: 25)
                        async let reportTwo = two.deliverDue(batchSize: 25)
                        let (a, b) = try await (reportOne, reportTwo)
                        // How the two split the work depends on scheduling; that none is sent twice does not.
                        #expect(a.sent + b.sent == 1_000)
                        #expect(a.lostClaims == 0 && b.lostClaims == 0)
                        let received = try server.received()
                        #expect(received.count == 1_000)
                        let ids = Set(received.compactMap(\.message.messageId))
                        #expect(ids == Set(messages.map { "<\($0.messageID)>" }))
                        #expect(try await first.store.outbox.countByStatus() == [.sent: 1_000])
                    }
                }
            }
        }
    }
}
