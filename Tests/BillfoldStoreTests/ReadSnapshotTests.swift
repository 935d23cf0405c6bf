import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

/// What a billing run reads beside the writer and checks again inside its transaction.
@Suite("Read snapshots, and what a billing run checks against one")
struct ReadSnapshotTests {
    @Test(
        "a snapshot sees what was committed before its first read and nothing committed after",
        arguments: TestDatabase.kinds)
    func snapshotIsStable(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let first = Fixtures.workspace(name: "First")
            let later = Fixtures.workspace(name: "Later")
            try await Fixtures.seed(database.store, workspace: first)
            let (seenBefore, seenAfter) = try await database.readSnapshot { store in
                let before = try await store.workspaces.find([first.id, later.id])
                // Committed by another connection while the snapshot is open.
                try await database.store.workspaces.create(later)
                let after = try await store.workspaces.find([first.id, later.id])
                return (Set(before.keys), Set(after.keys))
            }
            #expect(seenBefore == [first.id] && seenAfter == [first.id])
            #expect(try await database.store.workspaces.find(later.id) != nil, "committed, and seen once it ends")
        }
    }

    @Test("a snapshot refuses to write, and keeps nothing of the attempt", arguments: TestDatabase.kinds)
    func snapshotOnlyReads(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            try await Fixtures.seed(database.store, workspace: Fixtures.workspace())
            let stray = Fixtures.workspace(name: "Stray")
            await #expect(throws: (any Error).self) {
                try await database.readSnapshot { store in try await store.workspaces.create(stray) }
            }
            #expect(try await database.store.workspaces.find(stray.id) == nil)
        }
    }

    @Test("claiming by id holds only the subscriptions still active and due", arguments: TestDatabase.kinds)
    func claimByID(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(store, workspace: workspace)
            let plan = Plan(
                id: .generate(), code: "basic", name: "Basic", interval: .month, currency: .inr,
                platformFee: Money(minorUnits: 100_000, currency: .inr), includedSeats: 1, seatPrice: .zero(.inr),
                monthlyCredits: 0, creditPrice: .zero(.inr), sac: "998315", createdAt: Fixtures.now)
            try await store.plans.create(plan)
            func subscription(ending end: String, status: SubscriptionStatus = .active) async throws -> Subscription {
                let periodEnd = CalendarDate(iso8601: end)!
                let subscription = Subscription(
                    id: .generate(), workspaceID: workspace.id, planID: plan.id, seats: 1, status: status,
                    currentPeriodStart: periodEnd.adding(days: -30), currentPeriodEnd: periodEnd,
                    cancelAtPeriodEnd: false, createdAt: Fixtures.now)
                try await store.subscriptions.create(subscription)
                return subscription
            }
            let due = try await subscription(ending: "2026-11-01")
            let dueToday = try await subscription(ending: "2026-11-05")
            let notYet = try await subscription(ending: "2026-11-06")
            let cancelled = try await subscription(ending: "2026-11-01", status: .cancelled)
            let claimed = try await database.inTransaction { store in
                try await store.subscriptions.claim(
                    [due.id, dueToday.id, notYet.id, cancelled.id, SubscriptionID.generate()],
                    dueOn: CalendarDate(iso8601: "2026-11-05")!)
            }
            #expect(claimed == [due.id: due, dueToday.id: dueToday])
        }
    }

    @Test("SQLite names the workspaces whose usage was stored after a position")
    func usageStoredAfter() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            let store = database.store
            let (quiet, busy, other) = (Fixtures.workspace(), Fixtures.workspace(), Fixtures.workspace())
            for workspace in [quiet, busy, other] { try await Fixtures.seed(store, workspace: workspace) }
            func usage(_ workspace: Workspace, _ event: String) -> UsageRecord {
                UsageRecord(
                    id: .generate(), workspaceID: workspace.id, eventID: event, meterCode: "pod-vcpu",
                    resourceName: "api", quantity: FixedDecimal(1), startedAt: Fixtures.now, endedAt: Fixtures.now,
                    createdAt: Fixtures.now)
            }
            let empty = try await store.usage.storedPosition()
            #expect(empty == 0)
            _ = try await store.usage.record([usage(quiet, "a")])
            let position = try #require(try await store.usage.storedPosition())
            #expect(position > 0)
            #expect(try await store.usage.workspaces(storedAfter: position).isEmpty)
            _ = try await store.usage.record([usage(busy, "b"), usage(other, "c"), usage(busy, "d")])
            // A duplicate event stores nothing, so it moves nothing.
            _ = try await store.usage.record([usage(quiet, "a")])
            #expect(try await store.usage.workspaces(storedAfter: position) == [busy.id, other.id])
            let later = try #require(try await store.usage.storedPosition())
            #expect(later > position)
            #expect(try await store.usage.workspaces(storedAfter: later).isEmpty)
        }
    }

    @Test(
        "PostgreSQL keeps no order of stored usage, and says so",
        .enabled(if: TestDatabase.postgresURL != nil))
    func usagePositionOnPostgres() async throws {
        try await TestDatabase.withDatabase(.postgres) { database in
            let position = try await database.store.usage.storedPosition()
            #expect(position == nil)
            await #expect(throws: StoreError.self) {
                try await database.store.usage.workspaces(storedAfter: 0)
            }
        }
    }
}
