import BillfoldCore
import BillfoldEngine
import BillfoldMail
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Logging
import Testing

/// A month of one overdue invoice, walked a day at a time on the test clock, with mail delivered to a real SMTP
/// server on loopback: each reminder at its offset and once, grace, suspension, a partial payment, the rest, and
/// the service restored, with the events in order.
@Suite("Dunning over a month, with mail", .enabled(if: TestPython.canRunSMTPServer, "\(TestPython.missingMessage)"))
struct DunningMonthTests {
    /// 1 November 2026, 10:00 in India: the invoice is issued today and due on 16 November (net 15).
    static let start = CalendarDate(year: 2026, month: 11, day: 1)!.start(in: .indiaStandardTime)
        .addingTimeInterval(10 * 3600)

    /// The parts of a dunning run: an engine on a manual clock, delivery to `server`, and the test clock over both.
    struct Bench {
        let database: Database
        let clock: ManualClock
        let engine: Engine
        let testClock: TestClock
        let workspace: Workspace
        let server: SMTPTestServer

        static func run(
            _ kind: DatabaseKind, policy: DunningPolicy? = nil, _ body: (Bench) async throws -> Void
        ) async throws {
            try await SMTPTestServer.with(.plain) { server in
                try await TestDatabase.withDatabase(kind) { database in
                    let workspace = Fixtures.workspace()
                    try await Fixtures.seed(database.store, workspace: workspace)
                    let clock = ManualClock(DunningMonthTests.start)
                    var logger = Logger(label: "billfold-test")
                    logger.logLevel = .critical
                    let engine = Engine(
                        database: database, clock: clock.billingClock(), gateway: nil,
                        mail: MailComposer(
                            templates: .bundled, address: PublicAddress("https://billing.test"),
                            messageIDDomain: "testcloud.example"),
                        logger: logger)
                    if let policy { _ = try await engine.dunning.setPolicy(policy, actor: "test") }
                    let transport = SMTPTransport(
                        configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)"))
                    let delivery = MailDelivery(
                        database: database, documents: engine.documents, transport: transport,
                        sender: MailAddress("billing@testcloud.example", displayName: "Test Cloud"),
                        clock: clock.billingClock(), logger: logger)
                    let work = BackgroundWork(engine: engine, delivery: delivery, logger: logger)
                    try await body(
                        Bench(
                            database: database, clock: clock, engine: engine,
                            testClock: TestClock(clock: clock, work: work), workspace: workspace, server: server))
                }
            }
        }

        /// Moves the test clock to 10:00 on `day` days after the start, running the work of each midnight passed.
        func advance(toDay day: Int) async throws {
            _ = try await self.testClock.advance(to: DunningMonthTests.start.addingTimeInterval(Double(day) * 86_400))
        }

        /// Runs the work once more a second later: what the last change queued is composed and delivered.
        func settle() async throws {
            _ = try await self.testClock.advance(to: self.clock.now.addingTimeInterval(1))
        }

        /// The subjects received, in order.
        func subjects() throws -> [String] {
            try self.server.received().map { $0.message.subject ?? "" }
        }

        /// The event types of the workspace, oldest first.
        func events() async throws -> [BillingEventType] {
            try await self.database.store.events.list(
                EventFilter(workspaceID: self.workspace.id), limit: 500, startingAfter: nil
            ).map(\.type)
        }

        func state() async throws -> ServiceState {
            try #require(try await self.database.store.workspaces.find(self.workspace.id)).serviceState
        }
    }

    @Test(
        "Reminders at −3, 0 and +3 days, grace from the day after the due date, the final warning on day +7, suspension on day +8 despite a partial payment in grace; paying the rest restores it at once",
        arguments: TestDatabase.kinds)
    func month(kind: DatabaseKind) async throws {
        try await Bench.run(kind) { bench in
            let draft = try await bench.engine.invoices.octoberDraft(for: bench.workspace.id)
            let invoice = try await bench.engine.invoices.finalize(draft.id, actor: "test")
            #expect(invoice.dueDate == CalendarDate(year: 2026, month: 11, day: 16))
            try await bench.settle()
            #expect(try bench.subjects().count == 1)
            #expect(try bench.subjects().first?.hasPrefix("Invoice \(invoice.number ?? "?")") == true)

            // Day by day up to the day before the first reminder: nothing more.
            try await bench.advance(toDay: 11)
            #expect(try bench.subjects().count == 1)
            var log: [Int: [String]] = [:]
            var seen = 1
            for day in 12...30 {
                if day == 20 {
                    _ = try await bench.engine.invoices.recordPayment(
                        on: invoice.id, amount: Money(minorUnits: 50_000, currency: .inr), method: .bankTransfer,
                        provider: "manual", reference: "NEFT-PART", actor: "test")
                }
                if day == 26 {
                    let due = try #require(try await bench.database.store.invoices.find(invoice.id)).amountDue
                    _ = try await bench.engine.invoices.recordPayment(
                        on: invoice.id, amount: due, method: .bankTransfer, provider: "manual", reference: "NEFT-REST",
                        actor: "test")
                }
                try await bench.advance(toDay: day)
                let subjects = try bench.subjects()
                if subjects.count > seen { log[day] = Array(subjects[seen...]) }
                seen = subjects.count
            }
            // Due on 16 November (day 15): −3 is day 12, 0 is day 15, +3 is day 18, the final warning on day 22
            // (+7, with the +7 reminder folded in), suspension on day 23 (+8).
            #expect(log.keys.sorted() == [12, 15, 18, 20, 22, 23, 26], "\(log)")
            #expect(log[12]?.count == 1 && log[12]?.first?.hasPrefix("Reminder:") == true, "\(log)")
            #expect(log[15]?.count == 1 && log[15]?.first?.hasPrefix("Due today:") == true, "\(log)")
            #expect(log[18]?.count == 1 && log[18]?.first?.hasPrefix("Overdue:") == true, "\(log)")
            #expect(log[20]?.count == 1 && log[20]?.first?.hasPrefix("Payment received:") == true, "\(log)")
            #expect(log[22]?.count == 1 && log[22]?.first?.hasPrefix("Final notice:") == true, "\(log)")
            #expect(log[23]?.count == 1 && log[23]?.first?.hasPrefix("Service suspended:") == true, "\(log)")
            #expect(
                log[26]?.sorted().map { String($0.prefix(17)) } == ["Payment received:", "Service restored "],
                "\(log)")
            #expect(try await bench.state() == .active)

            let events = try await bench.events()
            #expect(
                events == [
                    .invoiceFinalized, .reminderSent, .reminderSent, .invoiceOverdue, .workspaceServiceStateChanged,
                    .reminderSent, .paymentSucceeded, .reminderSent, .workspaceServiceStateChanged, .paymentSucceeded,
                    .invoicePaid, .workspaceServiceStateChanged,
                ], "\(events)")
            let changes = try await bench.database.store.events.list(
                EventFilter(types: [.workspaceServiceStateChanged], workspaceID: bench.workspace.id), limit: 10,
                startingAfter: nil)
            #expect(changes.map { $0.data["to"] } == [.string("grace"), .string("suspended"), .string("active")])
        }
    }

    @Test(
        "A workspace excluded from dunning gets no reminders and is never suspended; a day walked twice sends nothing twice",
        arguments: TestDatabase.kinds)
    func excluded(kind: DatabaseKind) async throws {
        try await Bench.run(kind) { bench in
            _ = try await bench.engine.workspaces.update(
                bench.workspace.id, WorkspaceService.Change(dunning: .excluded), actor: "test")
            let invoice = try await bench.engine.invoices.finalize(
                try await bench.engine.invoices.octoberDraft(for: bench.workspace.id).id, actor: "test")
            try await bench.advance(toDay: 40)
            #expect(try bench.subjects().count == 1, "only the invoice itself")
            #expect(try await bench.state() == .active)
            #expect(try await bench.events().filter { $0 == .invoiceOverdue }.count == 1, "overdue is still a fact")
            _ = try await bench.engine.dunning.run()
            try await bench.settle()
            #expect(try bench.subjects().count == 1)
            #expect(try await bench.database.store.dunning.recorded(for: [invoice.id])[invoice.id] == ["overdue"])
        }
    }
}
