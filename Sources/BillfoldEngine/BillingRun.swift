import BillfoldCore
import BillfoldStore
import Foundation

/// Bills every subscription whose period has ended: exactly one invoice per `(subscription, period)`.
///
/// Each period is billed in one transaction that holds the subscription's row: the invoice is created,
/// numbered and (for a prepaid workspace) paid from the wallet, and the subscription moves to its next period.
/// A run that dies midway leaves every period either wholly billed or not billed at all, so running again
/// finishes the work; two runs at once take turns on each subscription and never bill a period twice.
package struct BillingRun: Sendable {
    package let invoices: InvoiceService
    /// Subscriptions closed together in one transaction: one commit (one fsync on SQLite) for all of them.
    ///
    /// A thousand by default: on SQLite a batch then holds the writer for a few hundred milliseconds at most, while
    /// reads go on beside it, and the run is about a third faster than with batches of 200 (`billfold-bench
    /// billing-run`, README).
    package let batchSize: Int

    package init(invoices: InvoiceService, batchSize: Int = 1_000) {
        precondition(batchSize > 0, "a billing run's batches hold at least one subscription")
        self.invoices = invoices
        self.batchSize = batchSize
    }

    /// What a run did.
    package struct Report: Sendable {
        /// Invoices created and finalized.
        package var invoices: [InvoiceID] = []
        /// Periods closed, with or without an invoice.
        package var periodsClosed = 0
        /// Subscriptions that could not be billed, and why; the others were billed regardless.
        package var failures: [(SubscriptionID, String)] = []
    }

    /// Meters whose usage counts against a plan's monthly credits rather than being priced on its own.
    package static let creditsResourceType = "credits"

    /// Bills every period that ended on or before `asOf`; `progress` hears of each period closed.
    ///
    /// Periods are closed in batches, each one transaction. On SQLite the next batch is read and priced from a
    /// snapshot on a read-only connection while the writer stores the one before it (see `priceBatch`). When a
    /// batch fails, its subscriptions are closed one by one, each in its own transaction, so one subscription that
    /// cannot be billed holds up no other.
    package func run(
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
        // SQLite has one writer: pricing beside it uses the second core. PostgreSQL's runs overlap by themselves,
        // and it keeps no order of stored usage for `issue(_:)` to check.
        if self.invoices.database.kind == .sqlite {
            var pricing = Task { try await self.priceBatch(dueBy: date, excluding: []) }
            // Until nothing is left to price or a batch fails; the loop below finds whatever is left.
            while let batch = try? await pricing.value {
                // The next batch leaves out this one's subscriptions, and the periods that end on or after the
                // first of their next periods that is due too, so that numbers follow the order periods ended.
                let storing = Set(batch.periods.map(\.subscription.id))
                let through = batch.nextPeriodDue(by: date).map { min(date, $0.adding(days: -1)) } ?? date
                pricing = Task { try await self.priceBatch(dueBy: through, excluding: storing) }
                guard let closings = try? await self.issue(batch, asOf: date, actor: actor) else { break }
                record(closings)
                // Cut short to nothing: the next periods come first, priced now that they are stored.
                if through < date, case .success(nil) = await pricing.result {
                    pricing = Task { try await self.priceBatch(dueBy: date, excluding: []) }
                }
            }
            _ = try? await pricing.value
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
            let due = try await self.invoices.database.store.subscriptions.due(
                on: date, limit: self.batchSize, excluding: failed)
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
        let batchSize = self.batchSize
        return try await self.invoices.database.inTransaction { store in
            let due = try await store.subscriptions.claimDue(on: date, limit: batchSize, excluding: failed)
            guard !due.isEmpty else { return [] }
            return try await Self.close(
                due, in: store, numberSeries: numberSeries, timeZone: clock.timeZone, actor: actor, now: now)
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
            let closings = try await Self.close(
                [subscription], in: store, numberSeries: numberSeries, timeZone: clock.timeZone, actor: actor,
                now: now)
            return closings.first ?? .notDue
        }
    }

    /// A batch priced from a snapshot, to be issued by `issue(_:asOf:actor:)` if what it was priced from still holds.
    struct PricedBatch: Sendable {
        let supplier: Supplier
        let periods: [PricedPeriod]
        /// The rows that store the periods' invoices.
        let rows: InvoiceRows
        /// Where the usage the snapshot saw ends (`UsageRepository.storedPosition`).
        let usagePosition: Int64

        /// The earliest end of the periods that follow the batch's and end by `date`, if any do.
        func nextPeriodDue(by date: CalendarDate) -> CalendarDate? {
            self.periods.lazy.map(\.next).filter { $0.status == .active && $0.currentPeriodEnd <= date }
                .map(\.currentPeriodEnd).min()
        }
    }

    /// Up to `batchSize` periods that ended by `date`, leaving out `excluded`'s, read and priced from one snapshot:
    /// nothing is held and nothing waits for the writer. `nil` when none is due.
    func priceBatch(dueBy date: CalendarDate, excluding excluded: Set<SubscriptionID>) async throws -> PricedBatch? {
        let (timeZone, now, batchSize) = (self.invoices.clock.timeZone, self.invoices.clock.now, self.batchSize)
        return try await self.invoices.database.readSnapshot { store in
            let due = try await store.subscriptions.due(on: date, limit: batchSize, excluding: excluded)
            guard !due.isEmpty else { return nil }
            guard let position = try await store.usage.storedPosition() else {
                throw EngineError(.invalidState, "the database keeps no order of stored usage to price beside")
            }
            let supplier = try await Self.supplier(in: store)
            let periods = try await Self.price(due, in: store, supplier: supplier, timeZone: timeZone, now: now)
            return PricedBatch(
                supplier: supplier, periods: periods, rows: try InvoiceRows(periods.compactMap(\.invoice)),
                usagePosition: position)
        }
    }

    /// Issues a batch priced from a snapshot, in one transaction.
    ///
    /// A period is issued as priced only if everything it was priced from is unchanged: the subscription's row,
    /// its workspace's row, the period's changes of plan or seats, the supplier, and its workspace's usage (no
    /// record stored after the snapshot). Plans and meters never change. Any other period is priced again here,
    /// and one no longer due (another run closed it) is left out, so the invoices are those that pricing inside
    /// the transaction would have made.
    func issue(_ batch: PricedBatch, asOf date: CalendarDate, actor: String) async throws -> [Closing] {
        let numberSeries = self.invoices.numberSeries
        let (timeZone, now) = (self.invoices.clock.timeZone, self.invoices.clock.now)
        return try await self.invoices.database.inTransaction { store in
            let supplier = try await Self.supplier(in: store)
            let claimed = try await store.subscriptions.claim(batch.periods.map(\.subscription.id), dueOn: date)
            let workspaces = try await store.workspaces.find(claimed.values.map(\.workspaceID))
            let changes = try await store.subscriptions.currentChanges(of: Array(claimed.values))
            let newUsage = try await store.usage.workspaces(storedAfter: batch.usagePosition)
            var kept: [SubscriptionID: PricedPeriod] = [:]
            var stale: [Subscription] = []
            for period in batch.periods {
                guard let current = claimed[period.subscription.id] else { continue }
                if supplier == batch.supplier && current == period.subscription
                    && workspaces[current.workspaceID] == period.workspace
                    && changes[current.id] ?? [] == period.changes && !newUsage.contains(current.workspaceID)
                {
                    kept[current.id] = period
                } else {
                    stale.append(current)
                }
            }
            var rows = batch.rows.keeping(Set(kept.values.compactMap(\.invoice?.id)))
            var repriced: [PricedPeriod] = []
            if !stale.isEmpty {
                repriced = try await Self.price(stale, in: store, supplier: supplier, timeZone: timeZone, now: now)
                rows.append(try InvoiceRows(repriced.compactMap(\.invoice)))
            }
            let byID = kept.merging(repriced.map { ($0.subscription.id, $0) }) { priced, _ in priced }
            // In the order the batch was read, which numbers follow.
            let periods = batch.periods.compactMap { byID[$0.subscription.id] }
            return try await Self.issue(
                periods, rows: rows, in: store, numberSeries: numberSeries, actor: actor, now: now)
        }
    }

    /// Inside a transaction that holds the subscriptions' rows: issues each one's invoice for its current period,
    /// numbered and (for a prepaid workspace) paid from the wallet, and moves each to its next period or ends it.
    ///
    /// The work is done set-wise, a few statements for the whole batch, so that a billing run is bound by the
    /// database's write speed rather than by round trips.
    static func close(
        _ due: [Subscription], in store: Store, numberSeries: [DocumentKind: InvoiceNumberSeries],
        timeZone: TimeZone, actor: String, now: Date
    ) async throws -> [Closing] {
        let supplier = try await Self.supplier(in: store)
        let periods = try await Self.price(due, in: store, supplier: supplier, timeZone: timeZone, now: now)
        return try await Self.issue(
            periods, rows: try InvoiceRows(periods.compactMap(\.invoice)), in: store, numberSeries: numberSeries,
            actor: actor, now: now)
    }

    static func supplier(in store: Store) async throws -> Supplier {
        guard let supplier = try await store.supplier.find() else {
            throw EngineError(.missingSupplier, "configure the supplier before billing")
        }
        return supplier
    }

    /// A period priced: what it was priced from, and what closing it makes.
    struct PricedPeriod: Sendable {
        let subscription: Subscription
        let workspace: Workspace
        /// The period's changes of plan or seats.
        let changes: [SubscriptionChange]
        /// Taxed and finalized, waiting for its number; `nil` when the period has nothing to charge.
        let invoice: Invoice?
        /// The subscription moved to its next period, or ended.
        let next: Subscription
    }

    /// Prices each subscription's current period, reading nothing but what pricing needs and writing nothing.
    static func price(
        _ due: [Subscription], in store: Store, supplier: Supplier, timeZone: TimeZone, now: Date
    ) async throws -> [PricedPeriod] {
        var catalog = Catalog()
        let workspaces = try await store.workspaces.find(due.map(\.workspaceID))
        let usage = try await store.usage.totals(
            for: due.map { subscription in
                UsagePeriod(
                    workspaceID: subscription.workspaceID, from: subscription.currentPeriodStart.start(in: timeZone),
                    to: subscription.currentPeriodEnd.start(in: timeZone))
            })
        let changes = try await store.subscriptions.currentChanges(of: due)
        var periods: [PricedPeriod] = []
        periods.reserveCapacity(due.count)
        for (index, subscription) in due.enumerated() {
            guard let workspace = workspaces[subscription.workspaceID] else {
                throw EngineError(.notFound, "the workspace of \(subscription.id) is missing")
            }
            let plan = try await catalog.plan(subscription.planID, in: store)
            let periodChanges = changes[subscription.id] ?? []
            let lines = try await Self.charges(
                for: subscription, plan: plan, usage: usage[index] ?? [], changes: periodChanges, in: store,
                catalog: &catalog
            ).lines
            // Nothing to charge, or changes that cancel out: the period closes without an invoice.
            var invoice: Invoice?
            if !lines.map(\.amount).sum(in: plan.currency).isZero {
                var draft = Invoice.draft(
                    kind: .invoice, workspace: workspace, supplier: supplier, subscriptionID: subscription.id,
                    periodStart: subscription.currentPeriodStart,
                    periodEnd: subscription.currentPeriodEnd.adding(days: -1), description: Self.description(of: plan),
                    lines: lines, createdAt: now)
                try InvoiceService.finalizeAwaitingNumber(
                    &draft, issueDate: subscription.currentPeriodEnd, supplier: supplier, workspace: workspace)
                invoice = draft
            }
            var next = subscription
            if subscription.cancelAtPeriodEnd {
                next.status = .cancelled
            } else {
                let period = BillingSchedule(anchor: subscription.billingAnchor, interval: plan.interval)
                    .period(after: subscription.currentPeriodStart)
                next.currentPeriodStart = period.start
                next.currentPeriodEnd = period.end
            }
            periods.append(
                PricedPeriod(
                    subscription: subscription, workspace: workspace, changes: periodChanges, invoice: invoice,
                    next: next))
        }
        return periods
    }

    /// Inside a transaction that holds the subscriptions' rows: stores the priced periods' invoices from `rows`,
    /// numbered and (for a prepaid workspace) paid from the wallet, and moves each subscription to its next period
    /// or ends it.
    static func issue(
        _ periods: [PricedPeriod], rows: InvoiceRows, in store: Store,
        numberSeries: [DocumentKind: InvoiceNumberSeries], actor: String, now: Date
    ) async throws -> [Closing] {
        guard let series = numberSeries[.invoice] else {
            throw EngineError(.invalidState, "no number series for invoices")
        }
        var invoices = periods.compactMap { period in
            period.invoice.map {
                (invoice: $0, workspace: period.workspace, issueDate: period.subscription.currentPeriodEnd)
            }
        }
        assert(Set(rows.invoiceIDs) == Set(invoices.map(\.invoice.id)), "rows for other invoices than the periods'")
        // The rows of the workspaces whose balances move below (the credit balance credit notes left, a prepaid
        // wallet) are taken first, in one order, before the number counter: finalizing by hand takes a workspace's
        // row before the counter too, so the two never wait on each other in a circle.
        let credited = try await store.creditBalance.workspacesWithBalance(
            among: Array(Set(invoices.map(\.workspace.id))))
        let paying = Set(
            invoices.filter { credited.contains($0.workspace.id) || $0.workspace.billingMode == .prepaid }
                .map(\.workspace.id))
        var held: Set<WorkspaceID> = []
        for id in paying.sorted(by: { $0.rawValue < $1.rawValue }) where try await store.workspaces.lock(id) {
            held.insert(id)
        }
        // Stored, and the periods moved on, before any number is taken: the counter's row, which every
        // finalization waits for, is then held only for the few statements that carry the numbers, and billing
        // runs in several processes overlap the rest.
        try await store.invoices.create(rows)
        try await store.subscriptions.savePeriods(periods.map(\.next))
        // Numbers in the order the periods ended, one block per financial year, each from the locked counter.
        let byYear = Dictionary(grouping: invoices.indices) { FinancialYear(containing: invoices[$0].issueDate) }
        for year in byYear.keys.sorted(by: { $0.startYear < $1.startYear }) {
            let indices = byYear[year] ?? []
            let sequences = try await store.numberSeries.nextSequences(
                kind: .invoice, prefix: series.prefix, in: year, count: indices.count)
            for (index, sequence) in zip(indices, sequences) {
                try invoices[index].invoice.assignNumber(try series.number(sequence: sequence, in: year))
            }
        }
        try await store.invoices.recordNumbers(invoices.map(\.invoice))
        try await store.events.record(invoices.map { BillingEvent.invoiceFinalized($0.invoice, at: now) })
        try await store.auditLog.record(
            invoices.map { InvoiceService.finalizationEntry(of: $0.invoice, actor: actor, now: now) })
        // The credit balance pays first, then a prepaid workspace's wallet pays what it can.
        for index in invoices.indices
        where credited.contains(invoices[index].workspace.id) && held.contains(invoices[index].workspace.id) {
            try await CorrectionService.applyCreditBalance(
                to: &invoices[index].invoice, in: store, actor: actor, now: now)
        }
        for (invoice, workspace, _) in invoices
        where workspace.billingMode == .prepaid && invoice.amountDue.isPositive && held.contains(workspace.id) {
            if try await store.wallet.balance(of: workspace.id, in: invoice.currency).isPositive {
                _ = try await WalletService.pay(invoice.id, in: store, actor: actor, now: now)
            }
        }
        return periods.map { .closed($0.invoice?.id) }
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
        for subscription: Subscription, plan: Plan, usage totals: [UsageTotal], changes: [SubscriptionChange],
        in store: Store, catalog: inout Catalog
    ) async throws -> (lines: [InvoiceLine], creditsUsed: FixedDecimal) {
        // The period's allowance, twelve months of credits on an annual plan, must fit in a quantity.
        guard plan.monthlyCredits <= Int64.max / FixedDecimal.scale / Int64(plan.interval.months) else {
            throw MoneyError.overflow
        }
        var credits = FixedDecimal.zero
        var usage: [ServiceUsage] = []
        for total in totals {
            let meter = try await catalog.meter(total.meterCode, in: store)
            if meter.resourceType == Self.creditsResourceType {
                let (sum, overflow) = credits.scaledValue.addingReportingOverflow(total.quantity.scaledValue)
                guard !overflow else { throw MoneyError.overflow }
                credits = FixedDecimal(scaledValue: sum)
            } else {
                usage.append(ServiceUsage(meter: meter, resourceName: total.resourceName, quantity: total.quantity))
            }
        }
        var priced: [PricedChange] = []
        for change in changes {
            priced.append(
                PricedChange(
                    effectiveDate: change.effectiveDate,
                    from: PlanTerms(
                        plan: try await catalog.plan(change.fromPlanID, in: store), seats: change.fromSeats),
                    to: PlanTerms(plan: try await catalog.plan(change.toPlanID, in: store), seats: change.toSeats)))
        }
        let lines = try SubscriptionCharges.lines(
            plan: plan, seats: subscription.seats, start: subscription.currentPeriodStart,
            end: subscription.currentPeriodEnd, creditsUsed: credits, usage: usage, changes: priced)
        try Self.checkTotals(of: lines)
        return (lines, credits)
    }

    /// Throws `MoneyError.overflow` unless an invoice of `lines` can be added up: its subtotal, its tax by head
    /// and rate, its total and every part of them must stay within an amount, or adding them up would trap.
    static func checkTotals(of lines: [InvoiceLine]) throws {
        var bound: Int128 = 0
        for line in lines {
            let magnitude = Int128(line.amount.minorUnits.magnitude)
            // The line, its tax at its rate, and a minor unit for each of the two heads' roundings.
            bound += magnitude + magnitude * Int128(line.gstRateBasisPoints.magnitude) / 10_000 + 2
        }
        guard bound <= Int128(Int64.max) else { throw MoneyError.overflow }
    }

    /// What the workspace's next invoice holds so far: a dry run of its current period, nothing stored.
    package struct Preview: Sendable {
        package let subscription: Subscription
        package let plan: Plan
        /// The draft as it would be issued on `subscription.currentPeriodEnd` with the usage recorded so far.
        package let invoice: Invoice
        package let creditsUsed: FixedDecimal
    }

    /// The preview of the workspace's active subscription, or `nil` when it has none.
    package func preview(for workspaceID: WorkspaceID) async throws -> Preview? {
        let store = self.invoices.database.store
        guard let subscription = try await store.subscriptions.active(for: workspaceID).first else { return nil }
        guard let plan = try await store.plans.find(subscription.planID),
            let workspace = try await store.workspaces.find(workspaceID),
            let supplier = try await store.supplier.find()
        else { throw EngineError(.missingSupplier, "the plan, workspace or supplier of \(subscription.id) is missing") }
        var catalog = Catalog()
        let timeZone = self.invoices.clock.timeZone
        let usage = try await store.usage.totals(
            for: workspaceID, from: subscription.currentPeriodStart.start(in: timeZone),
            to: subscription.currentPeriodEnd.start(in: timeZone))
        let changes = try await store.subscriptions.changes(
            of: subscription.id, periodStart: subscription.currentPeriodStart)
        let (lines, credits) = try await Self.charges(
            for: subscription, plan: plan, usage: usage, changes: changes, in: store, catalog: &catalog)
        let invoice = Invoice.draft(
            kind: .invoice, workspace: workspace, supplier: supplier, subscriptionID: subscription.id,
            periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd.adding(days: -1),
            description: Self.description(of: plan), lines: lines, createdAt: self.invoices.clock.now)
        return Preview(subscription: subscription, plan: plan, invoice: invoice, creditsUsed: credits)
    }
}
