import BillfoldCore
import BillfoldStore
import Foundation

/// Bills every subscription whose period has ended: exactly one invoice per `(subscription, period)`.
///
/// Each period is billed in one transaction that holds the subscription's row: the invoice is created,
/// numbered and (for a prepaid workspace) paid from the wallet, and the subscription moves to its next period.
/// A run that dies midway leaves every period either wholly billed or not billed at all, so running again
/// finishes the work; two runs at once take turns on each subscription and never bill a period twice.
public struct BillingRun: Sendable {
    public let invoices: InvoiceService

    public init(invoices: InvoiceService) {
        self.invoices = invoices
    }

    /// What a run did.
    public struct Report: Sendable {
        /// Invoices created and finalized.
        public var invoices: [InvoiceID] = []
        /// Periods closed, with or without an invoice.
        public var periodsClosed = 0
        /// Subscriptions that could not be billed, and why; the others were billed regardless.
        public var failures: [(SubscriptionID, String)] = []
    }

    /// Meters whose usage counts against a plan's monthly credits rather than being priced on its own.
    public static let creditsResourceType = "credits"

    /// Bills every period that ended on or before `asOf`; `progress` hears of each period closed.
    public func run(
        asOf: Date, actor: String, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Report {
        let clock = self.invoices.clock
        let date = CalendarDate(asOf, in: clock.timeZone)
        var report = Report()
        var failed: Set<SubscriptionID> = []
        while true {
            let due = try await self.invoices.database.store.subscriptions.due(on: date, limit: 200)
                .filter { !failed.contains($0.id) }
            guard !due.isEmpty else { return report }
            for subscription in due {
                do {
                    switch try await self.closePeriod(of: subscription.id, asOf: date, actor: actor) {
                    case .closed(let invoice):
                        report.invoices += invoice.map { [$0] } ?? []
                        report.periodsClosed += 1
                        progress?(report.periodsClosed)
                    case .notDue:
                        break
                    }
                } catch {
                    failed.insert(subscription.id)
                    report.failures.append((subscription.id, String(describing: error)))
                }
            }
        }
    }

    /// What closing a period did.
    enum Closing: Sendable {
        /// The period is closed; with the invoice, when there was anything to charge.
        case closed(InvoiceID?)
        /// Another run got there first, or the subscription ended.
        case notDue
    }

    /// Closes the subscription's current period if it ended by `date`.
    func closePeriod(of id: SubscriptionID, asOf date: CalendarDate, actor: String) async throws -> Closing {
        let clock = self.invoices.clock
        let numberSeries = self.invoices.numberSeries
        let now = clock.now
        return try await self.invoices.database.inTransaction { store in
            guard try await store.subscriptions.lock(id), var subscription = try await store.subscriptions.find(id),
                subscription.status == .active, subscription.currentPeriodEnd <= date
            else { return .notDue }
            guard let plan = try await store.plans.find(subscription.planID),
                try await store.workspaces.lock(subscription.workspaceID),
                let workspace = try await store.workspaces.find(subscription.workspaceID),
                let supplier = try await store.supplier.find()
            else { throw EngineError(.notFound, "the plan, workspace or supplier of \(id) is missing") }
            let start = subscription.currentPeriodStart
            let end = subscription.currentPeriodEnd
            let lines = try await Self.charges(
                for: subscription, plan: plan, workspace: workspace, in: store, timeZone: clock.timeZone
            ).lines
            var invoiceID: InvoiceID?
            if !lines.isEmpty {
                let draft = Invoice.draft(
                    kind: .invoice, workspace: workspace, supplier: supplier, subscriptionID: id, periodStart: start,
                    periodEnd: end.adding(days: -1), description: Self.description(of: plan), lines: lines,
                    createdAt: now)
                try await store.invoices.create(draft)
                let invoice = try await InvoiceService.finalize(
                    draft.id, in: store, issueDate: end, numberSeries: numberSeries, actor: actor, now: now)
                if workspace.billingMode == .prepaid, invoice.amountDue.isPositive,
                    try await store.wallet.balance(of: workspace.id, in: invoice.currency).isPositive
                {
                    _ = try await WalletService.pay(invoice.id, in: store, actor: actor, now: now)
                }
                invoiceID = invoice.id
            }
            if subscription.cancelAtPeriodEnd {
                subscription.status = .cancelled
            } else {
                let next = BillingSchedule(anchor: subscription.billingAnchor, interval: plan.interval)
                    .period(after: start)
                subscription.currentPeriodStart = next.start
                subscription.currentPeriodEnd = next.end
            }
            try await store.subscriptions.save(subscription)
            return .closed(invoiceID)
        }
    }

    /// The seeds' billing-history description: the plan and its cycle, "Growth - Monthly".
    static func description(of plan: Plan) -> String {
        "\(plan.name) - \(plan.interval == .month ? "Monthly" : "Annual")"
    }

    /// The period's lines from the plan and the usage that started within it, and the credits used.
    static func charges(
        for subscription: Subscription, plan: Plan, workspace: Workspace, in store: Store, timeZone: TimeZone
    ) async throws -> (lines: [InvoiceLine], creditsUsed: FixedDecimal) {
        let totals = try await store.usage.totals(
            for: workspace.id, from: subscription.currentPeriodStart.start(in: timeZone),
            to: subscription.currentPeriodEnd.start(in: timeZone))
        var credits = FixedDecimal.zero
        var usage: [ServiceUsage] = []
        var meters: [String: Meter] = [:]
        for total in totals {
            if meters[total.meterCode] == nil {
                meters[total.meterCode] = try await store.meters.find(code: total.meterCode)
            }
            guard let meter = meters[total.meterCode] else {
                throw EngineError(.notFound, "usage names meter \(total.meterCode), which does not exist")
            }
            if meter.resourceType == Self.creditsResourceType {
                credits = credits + total.quantity
            } else {
                usage.append(ServiceUsage(meter: meter, resourceName: total.resourceName, quantity: total.quantity))
            }
        }
        var plans = [plan.id: plan]
        var changes: [PricedChange] = []
        for change in try await store.subscriptions.changes(
            of: subscription.id, periodStart: subscription.currentPeriodStart)
        {
            for planID in [change.fromPlanID, change.toPlanID] where plans[planID] == nil {
                plans[planID] = try await store.plans.find(planID)
            }
            guard let from = plans[change.fromPlanID], let to = plans[change.toPlanID] else {
                throw EngineError(.notFound, "a plan named by change \(change.id) is missing")
            }
            changes.append(
                PricedChange(
                    effectiveDate: change.effectiveDate, from: PlanTerms(plan: from, seats: change.fromSeats),
                    to: PlanTerms(plan: to, seats: change.toSeats)))
        }
        let lines = try SubscriptionCharges.lines(
            plan: plan, seats: subscription.seats, start: subscription.currentPeriodStart,
            end: subscription.currentPeriodEnd, creditsUsed: credits, usage: usage, changes: changes)
        return (lines, credits)
    }

    /// What the workspace's next invoice holds so far: a dry run of its current period, nothing stored.
    public struct Preview: Sendable {
        public let subscription: Subscription
        public let plan: Plan
        /// The draft as it would be issued on `subscription.currentPeriodEnd` with the usage recorded so far.
        public let invoice: Invoice
        public let creditsUsed: FixedDecimal
    }

    /// The preview of the workspace's active subscription, or `nil` when it has none.
    public func preview(for workspaceID: WorkspaceID) async throws -> Preview? {
        let store = self.invoices.database.store
        guard let subscription = try await store.subscriptions.active(for: workspaceID).first else { return nil }
        guard let plan = try await store.plans.find(subscription.planID),
            let workspace = try await store.workspaces.find(workspaceID),
            let supplier = try await store.supplier.find()
        else { throw EngineError(.missingSupplier, "the plan, workspace or supplier of \(subscription.id) is missing") }
        let (lines, credits) = try await Self.charges(
            for: subscription, plan: plan, workspace: workspace, in: store, timeZone: self.invoices.clock.timeZone)
        let invoice = Invoice.draft(
            kind: .invoice, workspace: workspace, supplier: supplier, subscriptionID: subscription.id,
            periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd.adding(days: -1),
            description: Self.description(of: plan), lines: lines, createdAt: self.invoices.clock.now)
        return Preview(subscription: subscription, plan: plan, invoice: invoice, creditsUsed: credits)
    }
}
