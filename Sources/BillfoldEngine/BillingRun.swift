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

    /// Subscriptions closed together in one transaction: one commit (one fsync on SQLite) for all of them.
    public static let batchSize = 200

    /// Bills every period that ended on or before `asOf`; `progress` hears of each period closed.
    ///
    /// Periods are closed in batches, each one transaction. When a batch fails, its subscriptions are closed one
    /// by one, each in its own transaction, so one subscription that cannot be billed holds up no other.
    public func run(
        asOf: Date, actor: String, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Report {
        let clock = self.invoices.clock
        let date = CalendarDate(asOf, in: clock.timeZone)
        var report = Report()
        var failed: Set<SubscriptionID> = []
        func record(_ closings: [Closing]) {
            for case .closed(let invoice) in closings {
                report.invoices += invoice.map { [$0] } ?? []
                report.periodsClosed += 1
                progress?(report.periodsClosed)
            }
        }
        while true {
            do {
                let closings = try await self.closeBatch(asOf: date, excluding: failed, actor: actor)
                if !closings.isEmpty {
                    record(closings)
                    continue
                }
            } catch {
                // Found again below, one by one.
            }
            // Nothing claimable: everything is billed, another run holds what is left, or the batch failed.
            let due = try await self.invoices.database.store.subscriptions.due(on: date, limit: Self.batchSize)
                .filter { !failed.contains($0.id) }
            guard !due.isEmpty else { return report }
            for subscription in due {
                do {
                    record([try await self.closePeriod(of: subscription.id, asOf: date, actor: actor)])
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

    /// Closes up to `batchSize` due periods in one transaction; empty when there were none to claim.
    func closeBatch(
        asOf date: CalendarDate, excluding failed: Set<SubscriptionID>, actor: String
    ) async throws -> [Closing] {
        let numberSeries = self.invoices.numberSeries
        let clock = self.invoices.clock
        let now = clock.now
        return try await self.invoices.database.inTransaction { store in
            let due = try await store.subscriptions.claimDue(on: date, limit: Self.batchSize, excluding: failed)
            guard !due.isEmpty else { return [] }
            guard let supplier = try await store.supplier.find() else {
                throw EngineError(.missingSupplier, "configure the supplier before billing")
            }
            var catalog = Catalog()
            var closings: [Closing] = []
            for subscription in due {
                closings.append(
                    try await Self.close(
                        subscription, in: store, supplier: supplier, catalog: &catalog, numberSeries: numberSeries,
                        timeZone: clock.timeZone, actor: actor, now: now))
            }
            return closings
        }
    }

    /// Closes the subscription's current period if it ended by `date`, in a transaction of its own.
    func closePeriod(of id: SubscriptionID, asOf date: CalendarDate, actor: String) async throws -> Closing {
        let clock = self.invoices.clock
        let numberSeries = self.invoices.numberSeries
        let now = clock.now
        return try await self.invoices.database.inTransaction { store in
            guard try await store.subscriptions.lock(id), let subscription = try await store.subscriptions.find(id),
                subscription.status == .active, subscription.currentPeriodEnd <= date
            else { return .notDue }
            guard let supplier = try await store.supplier.find() else {
                throw EngineError(.missingSupplier, "configure the supplier before billing")
            }
            var catalog = Catalog()
            return try await Self.close(
                subscription, in: store, supplier: supplier, catalog: &catalog, numberSeries: numberSeries,
                timeZone: clock.timeZone, actor: actor, now: now)
        }
    }

    /// Inside a transaction that holds the subscription's row: issues the period's invoice, numbered and (for a
    /// prepaid workspace) paid from the wallet, and moves the subscription to its next period or ends it.
    static func close(
        _ subscription: Subscription, in store: Store, supplier: Supplier, catalog: inout Catalog,
        numberSeries: [DocumentKind: InvoiceNumberSeries], timeZone: TimeZone, actor: String, now: Date
    ) async throws -> Closing {
        var subscription = subscription
        let id = subscription.id
        let plan = try await catalog.plan(subscription.planID, in: store)
        guard var workspace = try await store.workspaces.find(subscription.workspaceID) else {
            throw EngineError(.notFound, "the workspace of \(id) is missing")
        }
        // A prepaid workspace's wallet moves, so its row is held; a postpaid one's profile is only read.
        if workspace.billingMode == .prepaid {
            guard try await store.workspaces.lock(workspace.id),
                let locked = try await store.workspaces.find(workspace.id)
            else { throw EngineError(.notFound, "the workspace of \(id) is missing") }
            workspace = locked
        }
        let prepaid = workspace.billingMode == .prepaid
        let start = subscription.currentPeriodStart
        let end = subscription.currentPeriodEnd
        let lines = try await Self.charges(
            for: subscription, plan: plan, workspace: workspace, in: store, catalog: &catalog, timeZone: timeZone
        ).lines
        var invoiceID: InvoiceID?
        if !lines.isEmpty {
            var invoice = Invoice.draft(
                kind: .invoice, workspace: workspace, supplier: supplier, subscriptionID: id, periodStart: start,
                periodEnd: end.adding(days: -1), description: Self.description(of: plan), lines: lines, createdAt: now)
            try await InvoiceService.number(
                &invoice, in: store, supplier: supplier, workspace: workspace, issueDate: end,
                numberSeries: numberSeries)
            try await store.invoices.create(invoice)
            try await InvoiceService.recordFinalization(of: invoice, in: store, actor: actor, now: now)
            if prepaid, invoice.amountDue.isPositive,
                try await store.wallet.balance(of: workspace.id, in: invoice.currency).isPositive
            {
                _ = try await WalletService.pay(invoice.id, in: store, actor: actor, now: now)
            }
            invoiceID = invoice.id
        }
        if subscription.cancelAtPeriodEnd {
            subscription.status = .cancelled
        } else {
            let next = BillingSchedule(anchor: subscription.billingAnchor, interval: plan.interval).period(after: start)
            subscription.currentPeriodStart = next.start
            subscription.currentPeriodEnd = next.end
        }
        try await store.subscriptions.save(subscription)
        return .closed(invoiceID)
    }

    /// Plans and meters looked up once per transaction.
    struct Catalog {
        var plans: [PlanID: Plan] = [:]
        var meters: [String: Meter] = [:]

        mutating func plan(_ id: PlanID, in store: Store) async throws -> Plan {
            if let plan = self.plans[id] { return plan }
            guard let plan = try await store.plans.find(id) else { throw EngineError(.notFound, "no plan \(id)") }
            self.plans[id] = plan
            return plan
        }

        mutating func meter(_ code: String, in store: Store) async throws -> Meter {
            if let meter = self.meters[code] { return meter }
            guard let meter = try await store.meters.find(code: code) else {
                throw EngineError(.notFound, "usage names meter \(code), which does not exist")
            }
            self.meters[code] = meter
            return meter
        }
    }

    /// The seeds' billing-history description: the plan and its cycle, "Growth - Monthly".
    static func description(of plan: Plan) -> String {
        "\(plan.name) - \(plan.interval == .month ? "Monthly" : "Annual")"
    }

    /// The period's lines from the plan, its changes and the usage that started within it, and the credits used.
    static func charges(
        for subscription: Subscription, plan: Plan, workspace: Workspace, in store: Store, catalog: inout Catalog,
        timeZone: TimeZone
    ) async throws -> (lines: [InvoiceLine], creditsUsed: FixedDecimal) {
        let totals = try await store.usage.totals(
            for: workspace.id, from: subscription.currentPeriodStart.start(in: timeZone),
            to: subscription.currentPeriodEnd.start(in: timeZone))
        var credits = FixedDecimal.zero
        var usage: [ServiceUsage] = []
        for total in totals {
            let meter = try await catalog.meter(total.meterCode, in: store)
            if meter.resourceType == Self.creditsResourceType {
                credits = credits + total.quantity
            } else {
                usage.append(ServiceUsage(meter: meter, resourceName: total.resourceName, quantity: total.quantity))
            }
        }
        var changes: [PricedChange] = []
        for change in try await store.subscriptions.changes(
            of: subscription.id, periodStart: subscription.currentPeriodStart)
        {
            changes.append(
                PricedChange(
                    effectiveDate: change.effectiveDate,
                    from: PlanTerms(
                        plan: try await catalog.plan(change.fromPlanID, in: store), seats: change.fromSeats),
                    to: PlanTerms(plan: try await catalog.plan(change.toPlanID, in: store), seats: change.toSeats)))
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
        var catalog = Catalog()
        let (lines, credits) = try await Self.charges(
            for: subscription, plan: plan, workspace: workspace, in: store, catalog: &catalog,
            timeZone: self.invoices.clock.timeZone)
        let invoice = Invoice.draft(
            kind: .invoice, workspace: workspace, supplier: supplier, subscriptionID: subscription.id,
            periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd.adding(days: -1),
            description: Self.description(of: plan), lines: lines, createdAt: self.invoices.clock.now)
        return Preview(subscription: subscription, plan: plan, invoice: invoice, creditsUsed: credits)
    }
}
