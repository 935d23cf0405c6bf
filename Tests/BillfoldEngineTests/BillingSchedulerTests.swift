import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Logging
import Testing

@Suite("Billing scheduler")
struct BillingSchedulerTests {
    @Test("the scheduler bills each period once its end has come on the billing clock", arguments: TestDatabase.kinds)
    func billsAsTimeMoves(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let clock = ManualClock(BillingRunTests.noon("2026-10-20"))
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            try await database.store.plans.create(BillingRunTests.plan)
            let start = BillingRunTests.date("2026-10-01")
            try await database.store.subscriptions.create(
                Subscription(
                    id: .generate(), workspaceID: workspace.id, planID: BillingRunTests.plan.id, seats: 5,
                    status: .active, currentPeriodStart: start, currentPeriodEnd: start.adding(months: 1),
                    cancelAtPeriodEnd: false, createdAt: Fixtures.now))
            let scheduler = BillingScheduler(
                run: BillingRun(invoices: InvoiceService(database: database, clock: clock.billingClock())),
                interval: .milliseconds(20), logger: Logger(label: "test"))
            let task = Task { try await scheduler.run() }
            defer { task.cancel() }
            func invoiceCount() async throws -> Int {
                try await database.store.invoices.list(
                    InvoiceFilter(), today: BillingRunTests.date("2026-12-31"), limit: 10, startingAfter: nil
                ).count
            }
            // Waits for the scheduler's next passes to reach `count` invoices. The minute is only a safety net
            // for a scheduler that never bills: how long the passes take depends on how busy the machine is.
            func waitFor(_ count: Int) async throws -> Int {
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    if try await invoiceCount() >= count { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return try await invoiceCount()
            }
            // Nothing is due yet: however many passes run in this time, none may bill.
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await invoiceCount() == 0)
            clock.set(BillingRunTests.noon("2026-11-01"))
            #expect(try await waitFor(1) == 1)
            clock.set(BillingRunTests.noon("2026-12-01"))
            #expect(try await waitFor(2) == 2)
            // And nothing more until the clock moves again.
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await invoiceCount() == 2)
            task.cancel()
            _ = await task.result
        }
    }
}
