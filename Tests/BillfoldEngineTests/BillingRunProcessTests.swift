import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import SQLKit
import Testing

/// `billfold bill` as separate processes: killed with SIGKILL midway, and two at once on one PostgreSQL.
@Suite("Billing runs across processes", .serialized)
struct BillingRunProcessTests {
    /// Subscriptions seeded; each has three periods due (July, August and September 2026).
    static let subscriptions = 200
    static let periodsDue = 3 * subscriptions
    static let asOf = "2026-10-01T12:00:00+05:30"

    /// A supplier, a plan and `subscriptions` Karnataka workspaces subscribed from 1 July 2026, in one transaction.
    static func seed(_ location: DatabaseLocation) async throws {
        try await Database.withOpen(location, logger: .init(label: "test")) { database in
            try await Migrations.run(on: database)
            try await database.inTransaction { store in
                try await store.supplier.save(Fixtures.supplier)
                let plan = BillingRunTests.plan
                try await store.plans.create(plan)
                let start = CalendarDate(year: 2026, month: 7, day: 1)!
                for index in 0..<Self.subscriptions {
                    let workspace = Fixtures.workspace(name: "Tenant\(index)")
                    try await store.workspaces.create(workspace)
                    try await store.subscriptions.create(
                        Subscription(
                            id: .generate(), workspaceID: workspace.id, planID: plan.id, seats: 5 + index % 3,
                            status: .active, currentPeriodStart: start, currentPeriodEnd: start.adding(months: 1),
                            cancelAtPeriodEnd: false, createdAt: Fixtures.now))
                }
            }
        }
    }

    /// What the database holds once billing is over.
    struct Outcome {
        var invoices = 0
        var distinctPeriods = 0
        var numbers: [String] = []
        var subscriptionsOnOctober = 0
    }

    static func outcome(_ location: DatabaseLocation) async throws -> Outcome {
        try await Database.withOpen(location, logger: .init(label: "test")) { database in
            let sql = database.sql
            var outcome = Outcome()
            outcome.invoices = try await sql.raw("SELECT COUNT(*) AS n FROM invoices").first()!
                .decode(column: "n", as: Int.self)
            outcome.distinctPeriods = try await sql.raw(
                "SELECT COUNT(*) AS n FROM (SELECT DISTINCT subscription_id, period_start FROM invoices) AS periods"
            ).first()!.decode(column: "n", as: Int.self)
            outcome.numbers = try await sql.raw("SELECT number FROM invoices ORDER BY number").all()
                .map { try $0.decode(column: "number", as: String.self) }
            outcome.subscriptionsOnOctober = try await sql.raw(
                "SELECT COUNT(*) AS n FROM subscriptions WHERE current_period_start = '2026-10-01'"
            ).first()!.decode(column: "n", as: Int.self)
            return outcome
        }
    }

    /// The numbers a gapless series from 1 holds for `count` invoices of FY 2026-27.
    static func gapless(_ count: Int) -> [String] {
        (1...count).map { "INV/26-27/" + String(repeating: "0", count: 6 - String($0).count) + String($0) }
    }

    /// Invoices committed so far, as another process sees them.
    static func invoicesCommitted(_ location: DatabaseLocation) async throws -> Int {
        try await Database.withOpen(location, logger: .init(label: "test")) { database in
            try await database.sql.raw("SELECT COUNT(*) AS n FROM invoices").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test(
        "a run killed with SIGKILL midway and run again bills every period once, numbers without a gap",
        arguments: TestDatabase.kinds)
    func killedMidway(kind: DatabaseKind) async throws {
        try await TestDatabase.withLocation(kind) { location in
            try await Self.seed(location)
            let arguments = ["bill", "--as-of", Self.asOf, "--database", BillfoldProcess.argument(for: location)]
            // The run draws its progress bar on standard error, a line for every period closed: far more than the
            // one page its pipe holds here. So it cannot finish: it stands still in a write once it has closed a
            // batch or two, whatever the speed of the machine, and is killed there.
            let first = try BillfoldProcess(arguments, stallsOnStandardError: true)
            let deadline = ContinuousClock.now + .seconds(600)
            var committed = 0
            while committed == 0, first.isRunning, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                committed = try await Self.invoicesCommitted(location)
            }
            let wasRunning = first.isRunning
            first.killAbruptly()
            let status = await first.wait()
            #expect(wasRunning, "the first run ended before it could be killed: \(first.standardOutput)")
            #expect(committed > 0, "the first run committed no invoice")
            #expect(status == SIGKILL)

            let partial = try await Self.outcome(location)
            #expect(partial.invoices > 0 && partial.invoices < Self.periodsDue)
            #expect(partial.invoices == partial.distinctPeriods)
            #expect(partial.numbers == Self.gapless(partial.invoices))

            let second = try BillfoldProcess(arguments)
            #expect(await second.wait() == 0, "\(second.standardError)")
            let final = try await Self.outcome(location)
            #expect(final.invoices == Self.periodsDue && final.distinctPeriods == Self.periodsDue)
            #expect(final.numbers == Self.gapless(Self.periodsDue))
            #expect(final.subscriptionsOnOctober == Self.subscriptions)
            #expect(second.standardOutput.contains("issued \(Self.periodsDue - partial.invoices) invoices"))
        }
    }

    @Test("two billfold processes billing one PostgreSQL at once issue no duplicate and leave no gap")
    func twoProcesses() async throws {
        guard TestDatabase.kinds.contains(.postgres) else { return }
        try await TestDatabase.withLocation(.postgres) { location in
            try await Self.seed(location)
            let arguments = ["bill", "--as-of", Self.asOf, "--database", BillfoldProcess.argument(for: location)]
            let runs = try [BillfoldProcess(arguments), BillfoldProcess(arguments)]
            var issued = 0
            for run in runs {
                #expect(await run.wait() == 0, "\(run.standardError)")
                let line = run.standardOutput.split(separator: "\n").first { $0.hasPrefix("Closed ") } ?? ""
                let words = line.split(separator: " ")
                issued += words.firstIndex(of: "issued").flatMap { Int(words[$0 + 1]) } ?? 0
            }
            #expect(issued == Self.periodsDue)
            let final = try await Self.outcome(location)
            #expect(final.invoices == Self.periodsDue && final.distinctPeriods == Self.periodsDue)
            #expect(final.numbers == Self.gapless(Self.periodsDue))
            #expect(final.subscriptionsOnOctober == Self.subscriptions)
        }
    }
}
