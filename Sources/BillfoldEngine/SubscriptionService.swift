import BillfoldCore
import BillfoldStore
import Foundation

/// Subscriptions: putting a workspace on a plan, and changing seats, plan, and cancellation at the period's end.
///
/// A workspace has at most one active subscription, on a plan in the workspace's currency; subscribing holds the
/// workspace's row, so two requests cannot both subscribe it. A change of plan or seats is recorded against the current period and prorated by the day on that period's
/// invoice; it runs in one transaction that holds the subscription's row and writes the audit log.
package struct SubscriptionService: Sendable {
    package let database: Database
    package let clock: BillingClock

    package init(database: Database, clock: BillingClock) {
        self.database = database
        self.clock = clock
    }

    /// How far the first period's start may lie from today, either way.
    package static let startWindowDays = 366

    /// Puts the workspace on `planID` with `seats`, its first period starting on `start` (today when `nil`), the
    /// anchor of every later period; returns the subscription.
    package func subscribe(
        _ workspaceID: WorkspaceID, to planID: PlanID, seats: Int, startingOn start: CalendarDate? = nil, actor: String
    ) async throws -> Subscription {
        let now = self.clock.now
        let today = self.clock.today
        let start = start ?? today
        guard abs(start.days(until: today)) <= Self.startWindowDays else {
            throw EngineError(.invalidField, "start_date must be within a year of today", param: "start_date")
        }
        return try await self.database.inTransaction { store in
            guard try await store.workspaces.lock(workspaceID),
                let workspace = try await store.workspaces.find(workspaceID)
            else { throw EngineError(.notFound, "no workspace with id \(workspaceID)", param: "workspace_id") }
            guard let plan = try await store.plans.find(planID) else {
                throw EngineError(.notFound, "no plan with id \(planID)", param: "plan_id")
            }
            guard plan.currency == workspace.currency else {
                throw EngineError(
                    .invalidField,
                    "the plan bills in \(plan.currency.code) but the workspace pays in \(workspace.currency.code)",
                    param: "plan_id")
            }
            guard try await store.subscriptions.active(for: workspaceID).isEmpty else {
                throw EngineError(
                    .alreadySubscribed, "workspace \(workspaceID) already has an active subscription",
                    param: "workspace_id")
            }
            let schedule = BillingSchedule(anchor: start, interval: plan.interval)
            let subscription = Subscription(
                id: .generate(), workspaceID: workspaceID, planID: planID, seats: seats, status: .active,
                currentPeriodStart: start, currentPeriodEnd: schedule.start(ofPeriod: 1), cancelAtPeriodEnd: false,
                billingAnchor: start, createdAt: now)
            try await store.subscriptions.create(subscription)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "subscription.created", subjectID: subscription.id.rawValue,
                    workspaceID: workspaceID, amount: nil,
                    details: [
                        "plan_id": planID.rawValue, "seats": String(seats),
                        "period_start": subscription.currentPeriodStart.description,
                        "period_end": subscription.currentPeriodEnd.description,
                    ]))
            return subscription
        }
    }

    /// What to change; `nil` leaves a field as it is.
    package struct Change: Sendable {
        package var planID: PlanID?
        package var seats: Int?
        package var cancelAtPeriodEnd: Bool?
        /// The first day the new plan or seats apply; today when `nil`. It must fall in the current period.
        package var effectiveDate: CalendarDate?

        package init(
            planID: PlanID? = nil, seats: Int? = nil, cancelAtPeriodEnd: Bool? = nil,
            effectiveDate: CalendarDate? = nil
        ) {
            self.planID = planID
            self.seats = seats
            self.cancelAtPeriodEnd = cancelAtPeriodEnd
            self.effectiveDate = effectiveDate
        }
    }

    /// Applies `change` to the subscription and returns it as it now stands.
    package func change(_ id: SubscriptionID, _ change: Change, actor: String) async throws -> Subscription {
        let now = self.clock.now
        let today = self.clock.today
        return try await self.database.inTransaction { store in
            guard try await store.subscriptions.lock(id), var subscription = try await store.subscriptions.find(id)
            else { throw EngineError(.notFound, "no subscription \(id)") }
            guard subscription.status == .active else {
                throw EngineError(.invalidState, "subscription \(id) is cancelled; subscribe the workspace anew")
            }
            let start = subscription.currentPeriodStart
            let end = subscription.currentPeriodEnd
            guard let oldPlan = try await store.plans.find(subscription.planID) else {
                throw EngineError(.notFound, "the plan of \(id) is missing")
            }
            var newPlan = oldPlan
            if let planID = change.planID, planID != oldPlan.id {
                guard let plan = try await store.plans.find(planID) else {
                    throw EngineError(.notFound, "no plan \(planID)")
                }
                guard plan.currency == oldPlan.currency else {
                    throw EngineError(
                        .invalidRequest,
                        "plan \(planID) bills in \(plan.currency.code) but the subscription bills in "
                            + "\(oldPlan.currency.code)")
                }
                guard plan.interval == oldPlan.interval else {
                    throw EngineError(
                        .invalidRequest,
                        "plan \(planID) bills every \(plan.interval.rawValue) and the subscription every "
                            + "\(oldPlan.interval.rawValue); a change of interval takes effect only at a period's "
                            + "end: set cancel_at_period_end and subscribe anew")
                }
                newPlan = plan
            }
            let newSeats = change.seats ?? subscription.seats
            if newPlan.id != oldPlan.id || newSeats != subscription.seats {
                guard end > today else {
                    throw EngineError(
                        .invalidState,
                        "the period of \(id) ended on \(end.adding(days: -1)) and is not billed yet; "
                            + "run billing before changing it")
                }
                let effective = change.effectiveDate ?? max(today, start)
                guard start <= effective, effective < end else {
                    throw EngineError(
                        .invalidRequest,
                        "the change must take effect within the current period, \(start) to \(end.adding(days: -1))")
                }
                let earlier = try await store.subscriptions.changes(of: id, periodStart: start)
                if let last = earlier.last, effective < last.effectiveDate {
                    throw EngineError(
                        .invalidRequest,
                        "an earlier change takes effect on \(last.effectiveDate); a later one cannot start before it")
                }
                let record = SubscriptionChange(
                    id: .generate(), subscriptionID: id, periodStart: start, effectiveDate: effective,
                    fromPlanID: oldPlan.id, fromSeats: subscription.seats, toPlanID: newPlan.id, toSeats: newSeats,
                    actor: actor, createdAt: now)
                try await store.subscriptions.recordChange(record)
                let priced = PricedChange(
                    effectiveDate: effective, from: PlanTerms(plan: oldPlan, seats: subscription.seats),
                    to: PlanTerms(plan: newPlan, seats: newSeats))
                // The net the change adds to the period's invoice; from the first day it is the whole difference.
                let proration = try SubscriptionCharges.prorationLines(for: priced, start: start, end: end)
                    .map(\.amount).sum(in: oldPlan.currency)
                try await store.auditLog.record(
                    AuditEntry(
                        occurredAt: now, actor: actor, action: "subscription.changed", subjectID: id.rawValue,
                        workspaceID: subscription.workspaceID, amount: proration,
                        details: [
                            "from_plan_id": oldPlan.id.rawValue, "to_plan_id": newPlan.id.rawValue,
                            "from_seats": String(subscription.seats), "to_seats": String(newSeats),
                            "effective_date": effective.description, "period_start": start.description,
                        ]))
                subscription.planID = newPlan.id
                subscription.seats = newSeats
            }
            if let cancel = change.cancelAtPeriodEnd, cancel != subscription.cancelAtPeriodEnd {
                subscription.cancelAtPeriodEnd = cancel
                try await store.auditLog.record(
                    AuditEntry(
                        occurredAt: now, actor: actor,
                        action: cancel ? "subscription.cancellation_scheduled" : "subscription.cancellation_withdrawn",
                        subjectID: id.rawValue, workspaceID: subscription.workspaceID, amount: nil,
                        details: ["period_end": end.description]))
            }
            try await store.subscriptions.save(subscription)
            return subscription
        }
    }
}
