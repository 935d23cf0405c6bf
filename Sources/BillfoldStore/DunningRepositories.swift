import BillfoldCore
import Foundation
import SQLKit

/// What became of one reminder of one invoice.
package enum DunningNoticeOutcome: String, Sendable, Codable {
    /// Mailed.
    case sent
    /// Passed unsent (the clock moved past it while a later one was due) and never to be sent.
    case skipped
}

/// An unpaid invoice as dunning sees it: what is owed and by when.
package struct UnpaidInvoice: Hashable, Sendable {
    package let id: InvoiceID
    package let workspaceID: WorkspaceID
    package let number: String
    package let issueDate: CalendarDate
    package let dueDate: CalendarDate
    package let total: Money
    package let amountDue: Money
    /// What an open dispute contests of it; zero when none is open. Dunning leaves it out.
    package let disputedAmount: Money

    /// What dunning counts: the amount due less what is disputed.
    package var undisputedAmountDue: Money {
        self.amountDue - Money.minimum(self.disputedAmount, self.amountDue)
    }
}

/// What dunning reads and records: the unpaid invoices of a workspace, and the reminders each invoice has had, so
/// each goes out once.
package protocol DunningRepository: Sendable {
    /// The supplier's policy; `nil` until one is set, when the standard one applies.
    func policy() async throws -> DunningPolicy?
    func savePolicy(_ policy: DunningPolicy, at time: Date) async throws
    /// Workspaces dunning must look at: those with an unpaid invoice, and those not in service.
    func workspacesToAssess() async throws -> [WorkspaceID]
    /// The open invoices and debit notes (not receipts or credit notes) of `workspace` that have a due date, earliest due first.
    func unpaidInvoices(of workspace: WorkspaceID) async throws -> [UnpaidInvoice]
    /// The reminders recorded for `invoices`, by invoice.
    func recorded(for invoices: [InvoiceID]) async throws -> [InvoiceID: Set<String>]
    /// Records `reminder` of `invoiceID`; `false` when it was already recorded.
    func record(
        _ reminder: String, of invoiceID: InvoiceID, workspaceID: WorkspaceID, outcome: DunningNoticeOutcome,
        at time: Date
    ) async throws -> Bool
}

struct SQLDunningRepository: DunningRepository {
    let sql: any SQLDatabase

    func policy() async throws -> DunningPolicy? {
        guard let row = try await self.sql.raw("SELECT * FROM dunning_policy WHERE id = 1").first() else { return nil }
        let offsets = try row.string("reminder_offsets").split(separator: " ").map { text in
            guard let offset = Int(text) else {
                throw StoreError.corrupt("stored reminder offset \(text) is not a number")
            }
            return offset
        }
        let graceDays = try row.int("grace_days")
        let minimum = Money(minorUnits: try row.int64("minimum_overdue"), currency: .inr)
        do {
            return try DunningPolicy(reminderOffsets: offsets, graceDays: graceDays, minimumOverdue: minimum)
        } catch {
            throw StoreError.corrupt("the stored dunning policy is invalid: \(error.message)")
        }
    }

    func savePolicy(_ policy: DunningPolicy, at time: Date) async throws {
        let offsets = policy.reminderOffsets.map(String.init).joined(separator: " ")
        try await self.sql.raw(
            """
            INSERT INTO dunning_policy (id, reminder_offsets, grace_days, minimum_overdue, updated_at)
            VALUES (1, \(bind: offsets), \(bind: policy.graceDays), \(bind: policy.minimumOverdue.minorUnits),
                \(bind: time.storedMilliseconds))
            ON CONFLICT (id) DO UPDATE SET reminder_offsets = excluded.reminder_offsets,
                grace_days = excluded.grace_days, minimum_overdue = excluded.minimum_overdue,
                updated_at = excluded.updated_at
            """
        ).run()
    }

    func workspacesToAssess() async throws -> [WorkspaceID] {
        try await self.sql.raw(
            """
            SELECT DISTINCT workspace_id AS id FROM invoices
            WHERE state = 'open' AND kind IN ('invoice', 'debit_note') AND due_date IS NOT NULL
            UNION SELECT id FROM workspaces WHERE service_state <> 'active'
            ORDER BY id
            """
        ).all().map { WorkspaceID(rawValue: try $0.string("id")) }
    }

    func unpaidInvoices(of workspace: WorkspaceID) async throws -> [UnpaidInvoice] {
        try await self.sql.raw(
            """
            SELECT id, workspace_id, number, issue_date, due_date, total, amount_paid, amount_credited,
                disputed_amount, open_dispute_id, currency FROM invoices
            WHERE workspace_id = \(bind: workspace.rawValue) AND state = 'open' AND kind IN ('invoice', 'debit_note')
                AND due_date IS NOT NULL AND number IS NOT NULL
            ORDER BY due_date, sort_date, id
            """
        ).all().map { row in
            let currency = try row.currency("currency")
            let total = try row.money("total", in: currency)
            return UnpaidInvoice(
                id: InvoiceID(rawValue: try row.string("id")),
                workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")), number: try row.string("number"),
                issueDate: try row.calendarDate("issue_date"), dueDate: try row.calendarDate("due_date"),
                total: total,
                amountDue: total - (try row.money("amount_paid", in: currency))
                    - (try row.money("amount_credited", in: currency)),
                disputedAmount: try row.optionalString("open_dispute_id") == nil
                    ? .zero(currency) : try row.money("disputed_amount", in: currency))
        }
    }

    func recorded(for invoices: [InvoiceID]) async throws -> [InvoiceID: Set<String>] {
        var recorded: [InvoiceID: Set<String>] = [:]
        for chunk in Array(Set(invoices)).chunked(into: 1_000) {
            let list = chunk.map { SQLQueryString("\(bind: $0.rawValue)") }.joined(separator: ", ")
            let rows = try await self.sql.raw(
                "SELECT invoice_id, reminder FROM dunning_notices WHERE invoice_id IN (\(list))"
            ).all()
            for row in rows {
                recorded[InvoiceID(rawValue: try row.string("invoice_id")), default: []].insert(
                    try row.string("reminder"))
            }
        }
        return recorded
    }

    func record(
        _ reminder: String, of invoiceID: InvoiceID, workspaceID: WorkspaceID, outcome: DunningNoticeOutcome,
        at time: Date
    ) async throws -> Bool {
        try await self.sql.raw(
            """
            INSERT INTO dunning_notices (invoice_id, reminder, workspace_id, outcome, recorded_at)
            VALUES (\(bind: invoiceID.rawValue), \(bind: reminder), \(bind: workspaceID.rawValue),
                \(bind: outcome.rawValue), \(bind: time.storedMilliseconds))
            ON CONFLICT (invoice_id, reminder) DO NOTHING
            RETURNING invoice_id
            """
        ).first() != nil
    }
}
