import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Invoice lists: paging back, and spending for charts")
struct InvoiceListTests {
    static let today = CalendarDate(year: 2026, month: 12, day: 15)!

    /// Stores `invoice` finalized as `number`, issued on `issued`.
    static func issue(_ store: Store, _ workspace: Workspace, _ number: Int, on issued: CalendarDate) async throws
        -> Invoice
    {
        var invoice = Invoice.draft(
            kind: .invoice, workspace: workspace, supplier: Fixtures.supplier, subscriptionID: nil,
            periodStart: issued.firstOfMonth, periodEnd: issued, description: "Growth - Monthly",
            lines: Fixtures.lines(currency: workspace.currency), createdAt: Fixtures.now)
        try await store.invoices.create(invoice)
        try invoice.finalize(
            number: String(format: "INV/26-27/%06d", number), issueDate: issued, paymentTermsDays: 15)
        try await store.invoices.saveFinalization(invoice, at: Fixtures.now)
        return invoice
    }

    @Test(
        "ending_before gives the rows just before the cursor in the list's order, newest first, like the walk forward",
        arguments: TestDatabase.kinds)
    func pagingBack(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(store, workspace: workspace)
            // Eleven invoices over five days, several on one day, so the id breaks ties in the order.
            for (index, day) in [1, 1, 1, 2, 3, 3, 4, 5, 5, 5, 5].enumerated() {
                _ = try await Self.issue(
                    store, workspace, index + 1, on: CalendarDate(year: 2026, month: 11, day: day)!)
            }
            let filter = InvoiceFilter(workspaceID: workspace.id)
            let all = try await store.invoices.list(filter, today: Self.today, limit: 100, startingAfter: nil)
            #expect(all.count == 11)
            for (position, cursor) in all.enumerated() {
                for limit in [1, 3, 100] {
                    let page = try await store.invoices.list(
                        filter, today: Self.today, limit: limit, startingAfter: nil, endingBefore: cursor.id)
                    #expect(page.map(\.id) == all[..<position].suffix(limit).map(\.id), "before #\(position), \(limit)")
                }
            }
            // Back from the second page of four gives the first page again.
            let first = try await store.invoices.list(filter, today: Self.today, limit: 4, startingAfter: nil)
            let second = try await store.invoices.list(
                filter, today: Self.today, limit: 4, startingAfter: first.last?.id)
            let back = try await store.invoices.list(
                filter, today: Self.today, limit: 4, startingAfter: nil, endingBefore: second.first?.id)
            #expect(back == first)
            // The filter still applies, and a cursor that names nothing gives nothing.
            let paid = try await store.invoices.list(
                InvoiceFilter(workspaceID: workspace.id, statuses: [.paid]), today: Self.today, limit: 10,
                startingAfter: nil, endingBefore: all[5].id)
            #expect(paid.isEmpty)
            let unknown = try await store.invoices.list(
                filter, today: Self.today, limit: 10, startingAfter: nil, endingBefore: .generate())
            #expect(unknown.isEmpty)
        }
    }

    @Test(
        "spending adds up the kept invoices by month of issue and their lines by category and resource type",
        arguments: TestDatabase.kinds)
    func spending(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            let workspace = Fixtures.workspace()
            let other = Fixtures.workspace(name: "Other")
            try await Fixtures.seed(store, workspace: workspace)
            try await Fixtures.seed(store, workspace: other)
            let october = [
                try await Self.issue(store, workspace, 1, on: CalendarDate(year: 2026, month: 10, day: 5)!),
                try await Self.issue(store, workspace, 2, on: CalendarDate(year: 2026, month: 10, day: 20)!),
            ]
            let november = try await Self.issue(store, workspace, 3, on: CalendarDate(year: 2026, month: 11, day: 1)!)
            // Left out: before `from`, another workspace's, a draft, and a cancelled invoice.
            _ = try await Self.issue(store, workspace, 4, on: CalendarDate(year: 2026, month: 9, day: 30)!)
            _ = try await Self.issue(store, other, 5, on: CalendarDate(year: 2026, month: 10, day: 5)!)
            try await store.invoices.create(
                Invoice.draft(
                    kind: .invoice, workspace: workspace, supplier: Fixtures.supplier, subscriptionID: nil,
                    periodStart: CalendarDate(year: 2026, month: 12, day: 1)!, periodEnd: Self.today,
                    description: "Draft", lines: Fixtures.lines(), createdAt: Fixtures.now))
            var cancelled = try await Self.issue(store, workspace, 6, on: CalendarDate(year: 2026, month: 11, day: 2)!)
            #expect(try cancelled.cancel() == .issueCreditNote)
            try await store.invoices.saveSettlement(cancelled)

            let spending = try await store.invoices.spending(
                InvoiceFilter(
                    workspaceID: workspace.id, statuses: [.pending, .paid, .overdue, .processing, .failed],
                    kinds: [.invoice], from: CalendarDate(year: 2026, month: 10, day: 1)!),
                today: Self.today)
            #expect(
                spending.months.map { [$0.month.description, $0.total.formatted()] } == [
                    ["2026-10-01", (october[0].total + october[1].total).formatted()],
                    ["2026-11-01", november.total.formatted()],
                ])
            let kept = october + [november]
            func sum(_ category: LineCategory) -> Money {
                kept.flatMap(\.lines).filter { $0.category == category }.map(\.amount).sum(in: .inr)
            }
            #expect(
                spending.charges.map { [$0.category.rawValue, $0.resourceType, $0.amount.formatted()] }.sorted {
                    $0.lexicographicallyPrecedes($1)
                }
                    == [
                        [LineCategory.platformFee.rawValue, "platform", sum(.platformFee).formatted()],
                        [LineCategory.usage.rawValue, "pod", sum(.usage).formatted()],
                    ].sorted { $0.lexicographicallyPrecedes($1) })
        }
    }
}
