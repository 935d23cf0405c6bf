import BillfoldCore
import BillfoldStore
import Foundation

/// Chases what is owed: reminders before, on and after the due date, grace, suspension, and restoration the
/// moment the overdue balance is cleared.
///
/// Each pass assesses every workspace with an unpaid invoice (or out of service) under its lock: the assessment is a
/// pure function of its unpaid invoices, its policy and the reminders already recorded (`DunningAssessment`), and
/// what it decides is written in one transaction: the reminders recorded, their mail queued, the new service state,
/// the audit log and the events. A pass repeated the same day changes nothing.
///
/// A state an operator set by hand (`PATCH /workspaces/{id}` with `service_state`) stands: dunning does not move a
/// workspace out of a grace or suspension it did not put it in. Reminders still go.
package struct DunningService: Sendable {
    package let database: Database
    package let clock: BillingClock
    package let mail: MailComposer

    package init(database: Database, clock: BillingClock, mail: MailComposer) {
        self.database = database
        self.clock = clock
        self.mail = mail
    }

    /// Replaces the supplier's policy; workspaces with their own policy or excluded keep theirs.
    package func setPolicy(_ policy: DunningPolicy, actor: String) async throws -> DunningPolicy {
        let now = self.clock.now
        try await self.database.inTransaction { store in
            let before = try await store.dunning.policy() ?? .standard
            try await store.dunning.savePolicy(policy, at: now)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "dunning_policy.updated", subjectID: "dunning_policy",
                    workspaceID: nil, amount: nil,
                    details: [
                        "from": Self.describe(before), "to": Self.describe(policy),
                    ]))
        }
        return policy
    }

    static func describe(_ policy: DunningPolicy) -> String {
        "reminders \(policy.reminderOffsets.map(String.init).joined(separator: ",")); grace \(policy.graceDays) days; "
            + "minimum \(policy.minimumOverdue.minorUnits)"
    }

    /// A workspace's unpaid invoices, earliest due first, and what dunning makes of them today.
    package struct Standing: Sendable {
        package let unpaid: [UnpaidInvoice]
        package let assessment: DunningAssessment
    }

    /// Where `workspace` stands today, read without changing anything: what it owes overdue and, in grace, the day
    /// its service is suspended.
    package func standing(of workspace: Workspace) async throws -> Standing {
        let store = self.database.store
        let unpaid = try await store.dunning.unpaidInvoices(of: workspace.id)
        return Standing(
            unpaid: unpaid,
            assessment: try await Self.assessment(
                of: workspace, unpaid: unpaid, sent: [], today: self.clock.today, in: store))
    }

    /// When a workspace in grace will be suspended unless it pays: the start of its suspension day; `nil` for a
    /// workspace not in grace, or in a grace an operator set.
    package func suspension(of workspace: Workspace) async throws -> Date? {
        // A grace an operator set is not dunning's to end: no suspension is coming.
        guard workspace.serviceState == .grace, workspace.serviceStateSetBy == .dunning else { return nil }
        return try await self.standing(of: workspace).assessment.suspendsOn.map { $0.start(in: self.clock.timeZone) }
    }

    /// The assessment of `workspace` under its policy, given its unpaid invoices and the reminders already `sent`.
    private static func assessment(
        of workspace: Workspace, unpaid: [UnpaidInvoice], sent: Set<DunningReminderKey>, today: CalendarDate,
        in store: Store
    ) async throws -> DunningAssessment {
        let policy = workspace.dunning.effectivePolicy(supplierDefault: try await store.dunning.policy() ?? .standard)
        return DunningAssessment(
            policy: policy, today: today, currency: workspace.currency, invoices: unpaid.map(Self.dunningInvoice),
            currentState: workspace.serviceState, sentReminders: sent)
    }

    /// The invoice as dunning counts it: what an open dispute contests is set aside, so a wholly disputed invoice
    /// gets no reminders and counts towards no suspension.
    static func dunningInvoice(_ invoice: UnpaidInvoice) -> DunningInvoice {
        DunningInvoice(
            id: invoice.id, number: invoice.number, issueDate: invoice.issueDate, dueDate: invoice.dueDate,
            amountDue: invoice.undisputedAmountDue)
    }

    /// What one pass did.
    package struct Report: Hashable, Sendable {
        package var workspaces = 0
        package var reminders = 0
        package var stateChanges = 0

        package init() {}
    }

    /// Assesses every workspace that owes something or is out of service.
    @discardableResult
    package func run() async throws -> Report {
        var report = Report()
        for id in try await self.database.store.dunning.workspacesToAssess() {
            let outcome = try await self.assess(id)
            report.workspaces += 1
            report.reminders += outcome.reminders
            report.stateChanges += outcome.transition == nil ? 0 : 1
        }
        return report
    }

    /// What assessing one workspace did.
    package struct Outcome: Hashable, Sendable {
        /// Reminder mails queued (each to every billing contact).
        package var reminders = 0
        package var transition: ServiceTransition?
    }

    /// Assesses one workspace now and carries out what the assessment decides.
    @discardableResult
    package func assess(_ id: WorkspaceID) async throws -> Outcome {
        let now = self.clock.now
        let today = self.clock.today
        return try await self.database.inTransaction { store in
            guard try await store.workspaces.lock(id), let workspace = try await store.workspaces.find(id) else {
                return Outcome()
            }
            return try await self.assess(workspace, today: today, now: now, in: store)
        }
    }

    private func assess(_ workspace: Workspace, today: CalendarDate, now: Date, in store: Store) async throws
        -> Outcome
    {
        let unpaid = try await store.dunning.unpaidInvoices(of: workspace.id)
        let recorded = try await store.dunning.recorded(for: unpaid.map(\.id))
        let sent = Set(
            recorded.flatMap { invoiceID, codes in
                codes.compactMap { DunningReminderKey(invoiceID: invoiceID, noticeCode: $0) }
            })
        let assessment = try await Self.assessment(
            of: workspace, unpaid: unpaid, sent: sent, today: today, in: store)
        let overdue = unpaid.filter { $0.dueDate < today }
        try await self.recordOverdue(overdue, recorded: recorded, now: now, in: store)

        var outcome = Outcome()
        let supplier = try await store.supplier.find()
        let lines = Dictionary(uniqueKeysWithValues: unpaid.map { ($0.id, $0) })
        for reminder in assessment.reminders {
            try await self.send(
                reminder, of: workspace, supplier: supplier, lines: lines, assessment: assessment, today: today,
                now: now, in: store)
            outcome.reminders += 1
        }
        for key in assessment.skipped {
            _ = try await store.dunning.record(
                key.noticeCode, of: key.invoiceID, workspaceID: workspace.id, outcome: .skipped, at: now)
        }
        let heldByOperator = workspace.serviceStateSetBy == .operator && workspace.serviceState != .active
        if let transition = assessment.transition, !heldByOperator {
            try await self.apply(
                transition, to: workspace, supplier: supplier, assessment: assessment, overdue: overdue, today: today,
                now: now, in: store)
            outcome.transition = transition
        }
        return outcome
    }

    /// `invoice.overdue`, once per invoice, the first day after its due date that dunning sees it unpaid.
    private func recordOverdue(
        _ overdue: [UnpaidInvoice], recorded: [InvoiceID: Set<String>], now: Date, in store: Store
    ) async throws {
        for invoice in overdue where !(recorded[invoice.id]?.contains(Self.overdueNotice) ?? false) {
            guard
                try await store.dunning.record(
                    Self.overdueNotice, of: invoice.id, workspaceID: invoice.workspaceID, outcome: .sent, at: now)
            else { continue }
            // Once in an invoice's life: its whole record, for the same data as every `invoice.*` event.
            guard let whole = try await store.invoices.find(invoice.id) else { continue }
            try await store.events.record(.invoiceOverdue(whole, at: now))
        }
    }

    /// The notice recorded when an invoice is first seen overdue.
    static let overdueNotice = "overdue"

    private func send(
        _ reminder: DunningReminder, of workspace: Workspace, supplier: Supplier?,
        lines: [InvoiceID: UnpaidInvoice], assessment: DunningAssessment, today: CalendarDate, now: Date,
        in store: Store
    ) async throws {
        let event = BillingEvent(
            type: .reminderSent, workspaceID: workspace.id, invoiceID: reminder.invoices.first?.id,
            data: [
                "kind": .string(reminder.kind.rawValue),
                "invoices": .string(reminder.invoices.map(\.number).joined(separator: " ")),
                "total": .money(reminder.total), "currency": .string(reminder.total.currency.code),
                "suspends_on": .optional(assessment.suspendsOn?.description),
            ],
            at: now)
        if let supplier {
            var context = self.mail.context(supplier: supplier, workspace: workspace)
            context.invoices = reminder.invoices.compactMap { lines[$0.id] }.map(self.mail.line)
            context.overdueBalance = assessment.overdueBalance.isPositive ? assessment.overdueBalance : nil
            context.suspendsOn = assessment.suspendsOn
            context.daysOverdue = assessment.overdueSince.map { $0.days(until: today) + 1 }
            try await self.mail.enqueue(
                Self.template(for: reminder.kind),
                MailComposer.Cause(event.id.rawValue, invoiceID: reminder.invoices.first?.id), to: workspace,
                context: context, in: store, at: now)
        }
        for key in reminder.keys {
            _ = try await store.dunning.record(
                key.noticeCode, of: key.invoiceID, workspaceID: workspace.id, outcome: .sent, at: now)
        }
        try await store.events.record(event)
    }

    static func template(for kind: DunningReminder.Kind) -> MailTemplate {
        switch kind {
        case .beforeDue: .reminderBeforeDue
        case .onDue: .reminderOnDue
        case .overdue: .reminderOverdue
        case .finalWarning: .finalWarning
        }
    }

    private func apply(
        _ transition: ServiceTransition, to original: Workspace, supplier: Supplier?, assessment: DunningAssessment,
        overdue: [UnpaidInvoice], today: CalendarDate, now: Date, in store: Store
    ) async throws {
        var workspace = original
        workspace.serviceState = transition.to
        workspace.serviceStateSince = now
        workspace.serviceStateSetBy = .dunning
        try await store.workspaces.update(workspace, at: now)
        try await store.auditLog.record(
            AuditEntry(
                occurredAt: now, actor: "dunning", action: "workspace.service_state_changed",
                subjectID: workspace.id.rawValue, workspaceID: workspace.id, amount: assessment.overdueBalance,
                details: [
                    "from_service_state": transition.from.rawValue, "to_service_state": transition.to.rawValue,
                    "suspends_on": assessment.suspendsOn?.description ?? "none",
                ]))
        let event = BillingEvent.serviceStateChanged(
            workspace, from: transition.from, by: "dunning", overdueBalance: assessment.overdueBalance,
            suspendsOn: assessment.suspendsOn, at: now)
        try await store.events.record(event)
        guard let supplier else { return }
        var context = self.mail.context(supplier: supplier, workspace: workspace)
        for action in transition.actions {
            switch action {
            case .suspendService:
                context.invoices = overdue.map(self.mail.line)
                context.overdueBalance = assessment.overdueBalance
                context.suspendsOn = today
                try await self.mail.enqueue(
                    .serviceSuspended, MailComposer.Cause(event.id.rawValue), to: workspace, context: context,
                    in: store, at: now)
            case .restoreService:
                try await self.mail.enqueue(
                    .serviceRestored, MailComposer.Cause(event.id.rawValue), to: workspace, context: context,
                    in: store, at: now)
            case .startGrace, .endGrace:
                break
            }
        }
    }
}
