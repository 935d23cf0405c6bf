import BillfoldCore
import Foundation
import SQLKit

/// Plans a workspace can subscribe to.
package protocol PlanRepository: Sendable {
    /// Adds a plan; its code must be new.
    func create(_ plan: Plan) async throws
    /// The plan with `id`, or `nil`.
    func find(_ id: PlanID) async throws -> Plan?
    /// Every plan, oldest first.
    func list() async throws -> [Plan]
}

/// Which plan each workspace is on, and its current billing period.
package protocol SubscriptionRepository: Sendable {
    /// Adds a subscription.
    func create(_ subscription: Subscription) async throws
    /// The subscription with `id`, or `nil`.
    func find(_ id: SubscriptionID) async throws -> Subscription?
    /// The workspace's active subscriptions, oldest first.
    func active(for workspace: WorkspaceID) async throws -> [Subscription]
    /// How many active subscriptions have a current period that ended on or before `date`.
    func countDue(on date: CalendarDate) async throws -> Int
    /// Up to `limit` active subscriptions whose current period ended on or before `date`, earliest first, leaving
    /// out `excluded`.
    func due(on date: CalendarDate, limit: Int, excluding excluded: Set<SubscriptionID>) async throws
        -> [Subscription]
    /// Inside a transaction: up to `limit` active subscriptions whose period ended by `date`, earliest first,
    /// leaving out `excluded`, each held until the transaction ends. On PostgreSQL rows another transaction holds
    /// are skipped (`FOR UPDATE SKIP LOCKED`), so concurrent runs claim different subscriptions; SQLite has one
    /// writer at a time.
    func claimDue(on date: CalendarDate, limit: Int, excluding excluded: Set<SubscriptionID>) async throws
        -> [Subscription]
    /// Inside a transaction: those of `ids` that are still active with a period that ended by `date`, each held
    /// until the transaction ends. On PostgreSQL rows another transaction holds are skipped, as in `claimDue`.
    func claim(_ ids: [SubscriptionID], dueOn date: CalendarDate) async throws -> [SubscriptionID: Subscription]
    /// Inside a transaction: holds the subscription's row until the transaction ends; `false` when there is none.
    func lock(_ id: SubscriptionID) async throws -> Bool
    /// Records a subscription's new period, seats, plan or status.
    func save(_ subscription: Subscription) async throws
    /// Records the new periods and statuses of several subscriptions in one statement.
    func savePeriods(_ subscriptions: [Subscription]) async throws
    /// Appends a change of plan or seats to its period's record.
    func recordChange(_ change: SubscriptionChange) async throws
    /// The changes recorded against the period that starts on `periodStart`, oldest first.
    func changes(of id: SubscriptionID, periodStart: CalendarDate) async throws -> [SubscriptionChange]
    /// The changes recorded against each subscription's current period, oldest first.
    func currentChanges(of subscriptions: [Subscription]) async throws -> [SubscriptionID: [SubscriptionChange]]
}

struct SQLPlanRepository: PlanRepository {
    let sql: any SQLDatabase

    func create(_ plan: Plan) async throws {
        do {
            try await self.sql.raw(
                """
                INSERT INTO plans (id, code, name, billing_interval, currency, platform_fee, included_seats,
                    seat_price, monthly_credits, credit_price, sac, created_at)
                VALUES (\(bind: plan.id.rawValue), \(bind: plan.code), \(bind: plan.name),
                    \(bind: plan.interval.rawValue), \(bind: plan.currency.code),
                    \(bind: plan.platformFee.minorUnits), \(bind: plan.includedSeats),
                    \(bind: plan.seatPrice.minorUnits), \(bind: plan.monthlyCredits),
                    \(bind: plan.creditPrice.minorUnits), \(bind: plan.sac), \(bind: plan.createdAt.storedMilliseconds))
                """
            ).run()
        } catch  where error.isUniqueViolation {
            throw StoreError.duplicate("a plan with code \(plan.code) already exists")
        }
    }

    func find(_ id: PlanID) async throws -> Plan? {
        try await self.sql.raw("SELECT * FROM plans WHERE id = \(bind: id.rawValue)").first().map(Self.plan)
    }

    func list() async throws -> [Plan] {
        try await self.sql.raw("SELECT * FROM plans ORDER BY created_at, id").all().map(Self.plan)
    }

    static func plan(from row: any SQLRow) throws -> Plan {
        let currency = try row.currency("currency")
        return Plan(
            id: PlanID(rawValue: try row.string("id")), code: try row.string("code"), name: try row.string("name"),
            interval: try row.enumeration("billing_interval", as: BillingInterval.self), currency: currency,
            platformFee: try row.money("platform_fee", in: currency), includedSeats: try row.int("included_seats"),
            seatPrice: try row.money("seat_price", in: currency), monthlyCredits: try row.int64("monthly_credits"),
            creditPrice: try row.money("credit_price", in: currency), sac: try row.string("sac"),
            createdAt: try row.date("created_at"))
    }
}

struct SQLSubscriptionRepository: SubscriptionRepository {
    let sql: any SQLDatabase

    func create(_ subscription: Subscription) async throws {
        try await self.sql.raw(
            """
            INSERT INTO subscriptions (id, workspace_id, plan_id, seats, status, current_period_start,
                current_period_end, cancel_at_period_end, billing_anchor, created_at)
            VALUES (\(bind: subscription.id.rawValue), \(bind: subscription.workspaceID.rawValue),
                \(bind: subscription.planID.rawValue), \(bind: subscription.seats),
                \(bind: subscription.status.rawValue), \(bind: subscription.currentPeriodStart.description),
                \(bind: subscription.currentPeriodEnd.description), \(bind: subscription.cancelAtPeriodEnd),
                \(bind: subscription.billingAnchor.description), \(bind: subscription.createdAt.storedMilliseconds))
            """
        ).run()
    }

    func find(_ id: SubscriptionID) async throws -> Subscription? {
        try await self.sql.raw("SELECT * FROM subscriptions WHERE id = \(bind: id.rawValue)").first().map(
            Self.subscription)
    }

    func active(for workspace: WorkspaceID) async throws -> [Subscription] {
        try await self.sql.raw(
            """
            SELECT * FROM subscriptions WHERE workspace_id = \(bind: workspace.rawValue) AND status = 'active'
            ORDER BY created_at, id
            """
        ).all().map(Self.subscription)
    }

    func due(on date: CalendarDate, limit: Int, excluding excluded: Set<SubscriptionID>) async throws
        -> [Subscription]
    {
        try await self.selectDue(on: date, limit: limit, excluding: excluded, locking: false)
    }

    func countDue(on date: CalendarDate) async throws -> Int {
        try await self.sql.raw(
            """
            SELECT COUNT(*) AS n FROM subscriptions
            WHERE status = 'active' AND current_period_end <= \(bind: date.description)
            """
        ).first()?.int("n") ?? 0
    }

    func claimDue(on date: CalendarDate, limit: Int, excluding excluded: Set<SubscriptionID>) async throws
        -> [Subscription]
    {
        try await self.selectDue(
            on: date, limit: limit, excluding: excluded, locking: self.sql.isPostgreSQL)
    }

    private func selectDue(
        on date: CalendarDate, limit: Int, excluding excluded: Set<SubscriptionID>, locking: Bool
    ) async throws -> [Subscription] {
        // Excluded ids are written as literals, so any number of them fits in the statement.
        let exclusion: SQLQueryString =
            excluded.isEmpty
            ? ""
            : "AND id NOT IN (\(excluded.map { SQLQueryString("\(plain: $0.rawValue)") }.joined(separator: ", ")))"
        let lockClause: SQLQueryString = locking ? "FOR UPDATE SKIP LOCKED" : ""
        return try await self.sql.raw(
            """
            SELECT * FROM subscriptions
            WHERE status = 'active' AND current_period_end <= \(bind: date.description) \(exclusion)
            ORDER BY current_period_end, id LIMIT \(bind: limit) \(lockClause)
            """
        ).all().map(Self.subscription)
    }

    func claim(_ ids: [SubscriptionID], dueOn date: CalendarDate) async throws -> [SubscriptionID: Subscription] {
        var claimed: [SubscriptionID: Subscription] = [:]
        let lockClause: SQLQueryString = self.sql.isPostgreSQL ? "FOR UPDATE SKIP LOCKED" : ""
        for chunk in ids.chunked(into: 1_000) {
            let list = chunk.map { SQLQueryString("\(bind: $0.rawValue)") }.joined(separator: ", ")
            let rows = try await self.sql.raw(
                """
                SELECT * FROM subscriptions
                WHERE id IN (\(list)) AND status = 'active' AND current_period_end <= \(bind: date.description)
                \(lockClause)
                """
            ).all()
            for row in rows {
                let subscription = try Self.subscription(from: row)
                claimed[subscription.id] = subscription
            }
        }
        return claimed
    }

    func lock(_ id: SubscriptionID) async throws -> Bool {
        try await self.sql.raw("UPDATE subscriptions SET status = status WHERE id = \(bind: id.rawValue) RETURNING id")
            .first() != nil
    }

    func save(_ subscription: Subscription) async throws {
        try await self.sql.raw(
            """
            UPDATE subscriptions SET plan_id = \(bind: subscription.planID.rawValue), seats = \(bind: subscription.seats),
                status = \(bind: subscription.status.rawValue),
                current_period_start = \(bind: subscription.currentPeriodStart.description),
                current_period_end = \(bind: subscription.currentPeriodEnd.description),
                cancel_at_period_end = \(bind: subscription.cancelAtPeriodEnd)
            WHERE id = \(bind: subscription.id.rawValue)
            """
        ).run()
    }

    func recordChange(_ change: SubscriptionChange) async throws {
        try await self.sql.raw(
            """
            INSERT INTO subscription_changes (id, subscription_id, period_start, effective_date, from_plan_id,
                from_seats, to_plan_id, to_seats, actor, created_at)
            VALUES (\(bind: change.id.rawValue), \(bind: change.subscriptionID.rawValue),
                \(bind: change.periodStart.description), \(bind: change.effectiveDate.description),
                \(bind: change.fromPlanID.rawValue), \(bind: change.fromSeats), \(bind: change.toPlanID.rawValue),
                \(bind: change.toSeats), \(bind: change.actor), \(bind: change.createdAt.storedMilliseconds))
            """
        ).run()
    }

    func changes(of id: SubscriptionID, periodStart: CalendarDate) async throws -> [SubscriptionChange] {
        try await self.sql.raw(
            """
            SELECT * FROM subscription_changes
            WHERE subscription_id = \(bind: id.rawValue) AND period_start = \(bind: periodStart.description)
            ORDER BY sequence
            """
        ).all().map(Self.change)
    }

    func currentChanges(of subscriptions: [Subscription]) async throws -> [SubscriptionID: [SubscriptionChange]] {
        var changes: [SubscriptionID: [SubscriptionChange]] = [:]
        let periods = Dictionary(subscriptions.map { ($0.id, $0.currentPeriodStart) }, uniquingKeysWith: { a, _ in a })
        for chunk in subscriptions.chunked(into: 1_000) {
            let list = chunk.map { SQLQueryString("\(bind: $0.id.rawValue)") }.joined(separator: ", ")
            let rows = try await self.sql.raw(
                "SELECT * FROM subscription_changes WHERE subscription_id IN (\(list)) ORDER BY sequence"
            ).all()
            for row in rows {
                let change = try Self.change(from: row)
                if periods[change.subscriptionID] == change.periodStart {
                    changes[change.subscriptionID, default: []].append(change)
                }
            }
        }
        return changes
    }

    func savePeriods(_ subscriptions: [Subscription]) async throws {
        try await BulkUpdate.run(
            "subscriptions", subscriptions, id: \.id.rawValue,
            setting: [
                ("status", { $0.status.rawValue }),
                ("current_period_start", { $0.currentPeriodStart.description }),
                ("current_period_end", { $0.currentPeriodEnd.description }),
            ], rowsPerStatement: 1_000, on: self.sql)
    }

    static func change(from row: any SQLRow) throws -> SubscriptionChange {
        SubscriptionChange(
            id: SubscriptionChangeID(rawValue: try row.string("id")),
            subscriptionID: SubscriptionID(rawValue: try row.string("subscription_id")),
            periodStart: try row.calendarDate("period_start"),
            effectiveDate: try row.calendarDate("effective_date"),
            fromPlanID: PlanID(rawValue: try row.string("from_plan_id")), fromSeats: try row.int("from_seats"),
            toPlanID: PlanID(rawValue: try row.string("to_plan_id")), toSeats: try row.int("to_seats"),
            actor: try row.string("actor"), createdAt: try row.date("created_at"))
    }

    static func subscription(from row: any SQLRow) throws -> Subscription {
        Subscription(
            id: SubscriptionID(rawValue: try row.string("id")),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
            planID: PlanID(rawValue: try row.string("plan_id")), seats: try row.int("seats"),
            status: try row.enumeration("status", as: SubscriptionStatus.self),
            currentPeriodStart: try row.calendarDate("current_period_start"),
            currentPeriodEnd: try row.calendarDate("current_period_end"),
            cancelAtPeriodEnd: try row.bool("cancel_at_period_end"),
            billingAnchor: try row.optionalCalendarDate("billing_anchor"), createdAt: try row.date("created_at"))
    }
}
