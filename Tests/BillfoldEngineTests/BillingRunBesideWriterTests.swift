import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@testable import BillfoldEngine

/// On SQLite a billing run prices each batch from a snapshot while the writer stores the batch before it; these
/// check that what it issues is what pricing inside the transaction would have issued.
@Suite("Billing runs: batches priced beside the writer")
struct BillingRunBesideWriterTests {
    let fixtures = BillingRunTests()

    @Test(
        "many small batches bill every period exactly once, numbered in the order the periods ended",
        arguments: TestDatabase.kinds)
    func manyBatches(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            var subscriptions: [Subscription] = []
            for anchor in [
                "2026-07-01", "2026-07-15", "2026-08-01", "2026-07-01", "2026-09-10", "2026-07-31", "2026-08-20",
            ] {
                subscriptions.append(try await self.fixtures.subscribe(database.store, anchor: anchor).1)
            }
            let asOf = BillingRunTests.noon("2026-11-01")
            let run = BillingRun(
                invoices: InvoiceService(database: database, clock: ManualClock(asOf).billingClock()), batchSize: 2)
            let report = try await run.run(asOf: asOf, actor: "test")
            // Periods that ended by 1 November: 4 + 3 + 3 + 4 + 1 + 3 + 2.
            #expect(report.failures.isEmpty && report.invoices.count == 20 && report.periodsClosed == 20)
            #expect(Set(report.invoices).count == 20)
            var invoices: [Invoice] = []
            for id in report.invoices { invoices.append(try #require(try await database.store.invoices.find(id))) }
            let byNumber = invoices.sorted { ($0.number ?? "") < ($1.number ?? "") }
            #expect(byNumber.compactMap(\.number) == (1...20).map { String(format: "INV/26-27/%06d", $0) })
            let issued = byNumber.compactMap(\.issueDate)
            #expect(issued == issued.sorted(), "numbers follow the dates the periods ended")
            for subscription in subscriptions {
                let periods = invoices.filter { $0.subscriptionID == subscription.id }.map(\.periodStart)
                #expect(Set(periods).count == periods.count, "no period billed twice")
                let now = try #require(try await database.store.subscriptions.find(subscription.id))
                #expect(now.currentPeriodEnd > BillingRunTests.date("2026-11-01"))
            }
        }
    }

    @Test("a subscription some periods behind is numbered in date order among others", arguments: TestDatabase.kinds)
    func periodsBehind(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let behind = try await self.fixtures.subscribe(database.store, anchor: "2026-07-01").1
            let current = try await self.fixtures.subscribe(database.store, anchor: "2026-09-10").1
            let asOf = BillingRunTests.noon("2026-11-01")
            let run = BillingRun(
                invoices: InvoiceService(database: database, clock: ManualClock(asOf).billingClock()), batchSize: 1)
            let report = try await run.run(asOf: asOf, actor: "test")
            var billed: [(String?, SubscriptionID?, String?)] = []
            for id in report.invoices {
                let invoice = try #require(try await database.store.invoices.find(id))
                billed.append((invoice.number, invoice.subscriptionID, invoice.issueDate?.description))
            }
            billed.sort { ($0.0 ?? "") < ($1.0 ?? "") }
            // The period ending 10 October comes after the one behind it that ended on 1 October, not before.
            #expect(billed.map(\.1) == [behind.id, behind.id, behind.id, current.id, behind.id])
            #expect(billed.map(\.2) == ["2026-08-01", "2026-09-01", "2026-10-01", "2026-10-10", "2026-11-01"])
        }
    }

    @Test("whatever changed after the snapshot is priced again inside the transaction")
    func changesAfterTheSnapshot() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            let store = database.store
            try await store.meters.create(BillingRunTests.pods)
            var pairs: [(Workspace, Subscription)] = []
            for _ in 0..<5 { pairs.append(try await self.fixtures.subscribe(store, anchor: "2026-10-01")) }
            let asOf = BillingRunTests.noon("2026-11-01")
            let date = BillingRunTests.date("2026-11-01")
            let run = self.fixtures.runner(database, now: asOf)
            let batch = try #require(try await run.priceBatch(dueBy: date, excluding: []))
            #expect(batch.periods.count == 5)
            let (used, renamed, reseated, closedElsewhere, unchanged) = (
                pairs[0], pairs[1], pairs[2], pairs[3], pairs[4]
            )

            // Usage stored after the snapshot, in the period.
            _ = try await store.usage.record([
                UsageRecord(
                    id: .generate(), workspaceID: used.0.id, eventID: "late", meterCode: BillingRunTests.pods.code,
                    resourceName: "api", quantity: FixedDecimal(10), startedAt: BillingRunTests.noon("2026-10-20"),
                    endedAt: BillingRunTests.noon("2026-10-20"), createdAt: Fixtures.now)
            ])
            // The workspace's name changed.
            var workspace = renamed.0
            workspace.name = "Renamed"
            try await store.workspaces.update(workspace, at: Fixtures.now)
            // Seats changed on the subscription's row.
            var subscription = reseated.1
            subscription.seats = 8
            try await store.subscriptions.save(subscription)
            // Another run closed this period first.
            let elsewhere = try await run.closePeriod(of: closedElsewhere.1.id, asOf: date, actor: "other run")
            guard case .closed(let elsewhereInvoice?) = elsewhere else {
                Issue.record("the other run closed nothing")
                return
            }

            let closings = try await run.issue(batch, asOf: date, actor: "test")
            var issued: [SubscriptionID: Invoice] = [:]
            for case .closed(let id?) in closings {
                let invoice = try #require(try await store.invoices.find(id))
                issued[try #require(invoice.subscriptionID)] = invoice
            }
            #expect(Set(issued.keys) == [used.1.id, renamed.1.id, reseated.1.id, unchanged.1.id])
            // 10 vCPU-hours at ₹2.40.
            #expect(issued[used.1.id]?.lines.filter { $0.category == .usage }.map(\.amount.minorUnits) == [2_400])
            #expect(issued[renamed.1.id]?.customer.name == "Renamed")
            // Three seats beyond the five included, at ₹100.
            #expect(issued[reseated.1.id]?.lines.filter { $0.category == .seats }.map(\.amount.minorUnits) == [30_000])
            // The unchanged period is issued as priced: the same invoice, not a new one.
            let pricedUnchanged = batch.periods.first { $0.subscription.id == unchanged.1.id }?.invoice?.id
            #expect(issued[unchanged.1.id]?.id == pricedUnchanged)
            let closedInvoices = try await store.invoices.list(
                InvoiceFilter(workspaceID: closedElsewhere.0.id), today: date, limit: 10, startingAfter: nil)
            #expect(closedInvoices.map(\.id) == [elsewhereInvoice], "the period another run closed is billed once")
            #expect(issued.values.compactMap(\.number).sorted() == (2...5).map { "INV/26-27/00000\($0)" })
        }
    }

    @Test("a supplier changed after the snapshot is on every invoice of the batch")
    func supplierChanged() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            for _ in 0..<3 { _ = try await self.fixtures.subscribe(database.store, anchor: "2026-10-01") }
            let date = BillingRunTests.date("2026-11-01")
            let run = self.fixtures.runner(database, now: BillingRunTests.noon("2026-11-01"))
            let batch = try #require(try await run.priceBatch(dueBy: date, excluding: []))
            var supplier = Fixtures.supplier
            supplier.name = "Test Cloud, renamed"
            try await database.store.supplier.save(supplier)
            let closings = try await run.issue(batch, asOf: date, actor: "test")
            var names: [String] = []
            for case .closed(let id?) in closings {
                names.append(try #require(try await database.store.invoices.find(id)).supplier.name)
            }
            #expect(names == Array(repeating: "Test Cloud, renamed", count: 3))
        }
    }
}
