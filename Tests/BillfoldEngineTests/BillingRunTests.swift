import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Billing runs")
struct BillingRunTests {
    static func date(_ text: String) -> CalendarDate { CalendarDate(iso8601: text)! }

    /// Noon in India on `day`.
    static func noon(_ day: String) -> Date {
        Self.date(day).start(in: .indiaStandardTime).addingTimeInterval(12 * 3600)
    }

    static let plan = Plan(
        id: .generate(), code: "growth", name: "Growth", interval: .month, currency: .inr,
        platformFee: Money(minorUnits: 100_000, currency: .inr), includedSeats: 5,
        seatPrice: Money(minorUnits: 10_000, currency: .inr), monthlyCredits: 1_000,
        creditPrice: Money(minorUnits: 50, currency: .inr), sac: "998315", createdAt: Fixtures.now)

    static let pods = Meter(
        id: .generate(), code: "pod-vcpu", name: "Pod vCPU", resourceType: "pod", unit: "vCPU-hour", sac: "998315",
        currency: .inr, pricing: .perUnit(unitPrice: FixedDecimal("2.4")!), createdAt: Fixtures.now)

    static let credits = Meter(
        id: .generate(), code: "ai-credits", name: "AI credits", resourceType: BillingRun.creditsResourceType,
        unit: "credit", sac: "998315", currency: .inr, pricing: .perUnit(unitPrice: .zero), createdAt: Fixtures.now)

    /// A Karnataka workspace on the plan from `anchor`, with `seats`.
    func subscribe(
        _ store: Store, anchor: String, seats: Int = 5, plan: Plan = plan, mode: BillingMode = .postpaid
    ) async throws -> (Workspace, Subscription) {
        let workspace = Fixtures.workspace(billingMode: mode)
        try await Fixtures.seed(store, workspace: workspace)
        if try await store.plans.find(plan.id) == nil { try await store.plans.create(plan) }
        let start = Self.date(anchor)
        let subscription = Subscription(
            id: .generate(), workspaceID: workspace.id, planID: plan.id, seats: seats, status: .active,
            currentPeriodStart: start,
            currentPeriodEnd: BillingSchedule(anchor: start, interval: plan.interval).start(ofPeriod: 1),
            cancelAtPeriodEnd: false, createdAt: Fixtures.now)
        try await store.subscriptions.create(subscription)
        return (workspace, subscription)
    }

    func runner(_ database: Database, now: Date) -> BillingRun {
        BillingRun(invoices: InvoiceService(database: database, clock: ManualClock(now).billingClock()))
    }

    @Test("month ends from a 31st, across the financial year, exactly once", arguments: TestDatabase.kinds)
    func monthEnds(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let (_, subscription) = try await self.subscribe(database.store, anchor: "2026-01-31")
            let run = self.runner(database, now: Self.noon("2026-06-01"))
            let report = try await run.run(asOf: Self.noon("2026-06-01"), actor: "test")
            #expect(report.failures.isEmpty && report.invoices.count == 4 && report.periodsClosed == 4)
            var billed: [(String?, String?, String, String)] = []
            for id in report.invoices {
                let invoice = try #require(try await database.store.invoices.find(id))
                billed.append(
                    (
                        invoice.number, invoice.issueDate?.description, invoice.periodStart.description,
                        invoice.periodEnd.description
                    ))
                #expect(invoice.description == "Growth - Monthly" && invoice.total.minorUnits == 118_000)
                #expect(invoice.subscriptionID == subscription.id)
            }
            #expect(
                billed.map(\.0) == ["INV/25-26/000001", "INV/25-26/000002", "INV/26-27/000001", "INV/26-27/000002"])
            #expect(billed.map(\.1) == ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"])
            #expect(billed.map(\.2) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"])
            #expect(billed.map(\.3) == ["2026-02-27", "2026-03-30", "2026-04-29", "2026-05-30"])
            let again = try await run.run(asOf: Self.noon("2026-06-01"), actor: "test")
            #expect(again.invoices.isEmpty && again.periodsClosed == 0)
            let advanced = try #require(try await database.store.subscriptions.find(subscription.id))
            #expect(advanced.currentPeriodStart.description == "2026-05-31")
            #expect(advanced.currentPeriodEnd.description == "2026-06-30")
        }
    }

    @Test("usage in the period is priced, credits beyond the allowance are charged", arguments: TestDatabase.kinds)
    func usageLines(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            try await store.meters.create(Self.pods)
            try await store.meters.create(Self.credits)
            let (workspace, _) = try await self.subscribe(store, anchor: "2026-10-01", seats: 7)
            func usage(_ event: String, _ meter: Meter, _ quantity: String, at day: String) -> UsageRecord {
                UsageRecord(
                    id: .generate(), workspaceID: workspace.id, eventID: event, meterCode: meter.code,
                    resourceName: "api", quantity: FixedDecimal(quantity)!, startedAt: Self.noon(day),
                    endedAt: Self.noon(day).addingTimeInterval(3600), createdAt: Fixtures.now)
            }
            _ = try await store.usage.record([
                usage("p1", Self.pods, "10.5", at: "2026-10-01"), usage("p2", Self.pods, "2", at: "2026-10-31"),
                usage("p3", Self.pods, "1000", at: "2026-11-01"), usage("c1", Self.credits, "1200", at: "2026-10-15"),
            ])
            let report = try await self.runner(database, now: Self.noon("2026-11-01"))
                .run(asOf: Self.noon("2026-11-01"), actor: "test")
            let firstID = try #require(report.invoices.first)
            let invoice = try #require(try await store.invoices.find(firstID))
            // 1,000 fee + 2 × 100 seats + 200 credits × 0.50 + 12.5 vCPU-hours × 2.40 = 1,330.00; CGST/SGST 9% each.
            #expect(invoice.lines.map(\.amount.minorUnits) == [100_000, 20_000, 10_000, 3_000])
            #expect(invoice.subtotal.minorUnits == 133_000)
            #expect(invoice.tax.cgst.minorUnits == 11_970 && invoice.tax.sgst.minorUnits == 11_970)
            #expect(invoice.servicesCount == 1 && invoice.creditsFee.minorUnits == 10_000)
        }
    }

    @Test("a prepaid workspace's invoice is paid from its wallet as far as it goes", arguments: TestDatabase.kinds)
    func prepaid(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let (workspace, _) = try await self.subscribe(database.store, anchor: "2026-10-01", mode: .prepaid)
            let service = InvoiceService(database: database, clock: ManualClock(Self.noon("2026-10-02")).billingClock())
            _ = try await WalletService(invoices: service).topUp(
                workspace.id, amount: Money(minorUnits: 50_000, currency: .inr), method: .upi, reference: nil,
                actor: "test")
            let report = try await self.runner(database, now: Self.noon("2026-11-01"))
                .run(asOf: Self.noon("2026-11-01"), actor: "test")
            let firstID = try #require(report.invoices.first)
            let invoice = try #require(try await database.store.invoices.find(firstID))
            #expect(invoice.amountPaid.minorUnits == 50_000 && invoice.amountDue.minorUnits == 68_000)
            #expect(invoice.payments.map(\.method) == [.wallet])
            #expect(try await database.store.wallet.balance(of: workspace.id, in: .inr).isZero)
        }
    }

    @Test("two runs at once bill each period exactly once", arguments: TestDatabase.kinds)
    func concurrentRuns(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            for _ in 0..<6 { _ = try await self.subscribe(database.store, anchor: "2026-07-01") }
            let asOf = Self.noon("2026-11-01")
            let reports = try await withThrowingTaskGroup(of: BillingRun.Report.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await self.runner(database, now: asOf).run(asOf: asOf, actor: "test") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let invoices = reports.flatMap(\.invoices)
            #expect(invoices.count == 6 * 4 && Set(invoices).count == invoices.count)
            #expect(reports.allSatisfy { $0.failures.isEmpty })
            let listed = try await database.store.invoices.list(
                InvoiceFilter(), today: Self.date("2026-11-01"), limit: 100, startingAfter: nil)
            let numbers = listed.compactMap(\.number).sorted()
            #expect(numbers.count == 24 && Set(numbers).count == 24)
            #expect(numbers.first == "INV/26-27/000001" && numbers.last == "INV/26-27/000024")
        }
    }

    @Test("a period with nothing to charge closes without an invoice", arguments: TestDatabase.kinds)
    func nothingToCharge(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let free = Plan(
                id: .generate(), code: "free", name: "Free", interval: .month, currency: .inr,
                platformFee: .zero(.inr), includedSeats: 5, seatPrice: .zero(.inr), monthlyCredits: 0,
                creditPrice: .zero(.inr), sac: "998315", createdAt: Fixtures.now)
            let (_, subscription) = try await self.subscribe(database.store, anchor: "2026-10-01", plan: free)
            let report = try await self.runner(database, now: Self.noon("2026-11-01"))
                .run(asOf: Self.noon("2026-11-01"), actor: "test")
            #expect(report.invoices.isEmpty && report.periodsClosed == 1)
            #expect(
                try await database.store.subscriptions.find(subscription.id)?.currentPeriodStart
                    == Self.date("2026-11-01"))
        }
    }

    @Test("a subscription that cannot be billed is reported and holds up no other", arguments: TestDatabase.kinds)
    func failureIsolated(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            var subscriptions: [Subscription] = []
            for _ in 0..<5 { subscriptions.append(try await self.subscribe(store, anchor: "2026-10-01").1) }
            // Usage on a meter that does not exist: its period cannot be priced.
            let broken = subscriptions[2]
            _ = try await store.usage.record([
                UsageRecord(
                    id: .generate(), workspaceID: broken.workspaceID, eventID: "ghost-1", meterCode: "ghost",
                    resourceName: "x", quantity: FixedDecimal(1), startedAt: Self.noon("2026-10-10"),
                    endedAt: Self.noon("2026-10-10"), createdAt: Fixtures.now)
            ])
            let report = try await self.runner(database, now: Self.noon("2026-11-01"))
                .run(asOf: Self.noon("2026-11-01"), actor: "test")
            #expect(report.invoices.count == 4 && report.periodsClosed == 4)
            #expect(report.failures.map(\.0) == [broken.id])
            #expect(report.failures.first?.1.contains("ghost") == true)
            let stuck = try #require(try await store.subscriptions.find(broken.id))
            #expect(stuck.currentPeriodStart == Self.date("2026-10-01"))
            let listed = try await store.invoices.list(
                InvoiceFilter(), today: Self.date("2026-11-01"), limit: 100, startingAfter: nil)
            #expect(listed.compactMap(\.number).sorted() == (1...4).map { "INV/26-27/00000\($0)" })
        }
    }
}
