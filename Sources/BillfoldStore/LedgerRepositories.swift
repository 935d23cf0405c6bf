import BillfoldCore
import Foundation
import SQLKit

/// Payment attempts on invoices.
package protocol PaymentRepository: Sendable {
    /// Stores a new attempt.
    func create(_ payment: Payment) async throws
    /// The attempts on an invoice, in the order they were made.
    func list(for invoice: InvoiceID) async throws -> [Payment]
    /// The attempt with this id.
    func find(_ id: PaymentID) async throws -> Payment?
    /// The attempt that pays gateway order `orderID`.
    func find(gatewayOrderID orderID: String) async throws -> Payment?
    /// Saves an attempt's status, method, references, failure and paid time.
    func update(_ payment: Payment, gatewayPaymentID: String?) async throws
    /// Attempts still processing that were started before `time`, oldest first.
    func processing(startedBefore time: Date, limit: Int) async throws -> [Payment]
}

/// The prepaid wallet: a balance that is the sum of its entries.
package protocol WalletRepository: Sendable {
    /// Appends an entry; entries are never changed or removed.
    func append(_ entry: WalletEntry) async throws
    /// The sum of the workspace's entries in `currency`.
    func balance(of workspace: WorkspaceID, in currency: Currency) async throws -> Money
    /// The workspace's entries, newest first.
    func entries(of workspace: WorkspaceID, limit: Int) async throws -> [WalletEntry]
}

/// The audit log.
package protocol AuditLogRepository: Sendable {
    /// Appends an entry.
    func record(_ entry: AuditEntry) async throws
    /// Appends entries in their order, in as few statements as the database allows.
    func record(_ entries: [AuditEntry]) async throws
    /// The entries about `subjectID`, oldest first.
    func entries(about subjectID: String) async throws -> [AuditEntry]
}

/// Counters that hand out gapless document numbers, one series a kind of document (and one for commercial credit
/// notes, which are not GST documents and must leave no gap in the `CN` series).
package protocol NumberSeriesRepository: Sendable {
    /// The next `count` sequence numbers of the series `series` in `year`, taken at once. Call it inside the
    /// transaction that uses the numbers: the counter's row stays locked until that transaction ends, and a rollback
    /// returns them.
    func nextSequences(series: String, prefix: String, in year: FinancialYear, count: Int) async throws
        -> ClosedRange<Int>
}

extension NumberSeriesRepository {
    /// The next sequence number of `kind`'s series in `year`.
    package func nextSequence(kind: DocumentKind, prefix: String, in year: FinancialYear) async throws -> Int {
        try await self.nextSequences(series: kind.rawValue, prefix: prefix, in: year, count: 1).lowerBound
    }

    /// The next sequence number of the series `series` in `year`.
    package func nextSequence(series: String, prefix: String, in year: FinancialYear) async throws -> Int {
        try await self.nextSequences(series: series, prefix: prefix, in: year, count: 1).lowerBound
    }

    /// The next `count` sequence numbers of `kind`'s series in `year`.
    package func nextSequences(kind: DocumentKind, prefix: String, in year: FinancialYear, count: Int) async throws
        -> ClosedRange<Int>
    {
        try await self.nextSequences(series: kind.rawValue, prefix: prefix, in: year, count: count)
    }
}

struct SQLPaymentRepository: PaymentRepository {
    let sql: any SQLDatabase

    func create(_ payment: Payment) async throws {
        try await self.sql.raw(
            """
            INSERT INTO payments (id, invoice_id, method, provider, status, amount, currency, reference,
                failure_reason, gateway_order_id, created_at, paid_at)
            VALUES (\(bind: payment.id.rawValue), \(bind: payment.invoiceID.rawValue),
                \(bind: payment.method.rawValue), \(bind: payment.provider), \(bind: payment.status.rawValue),
                \(bind: payment.amount.minorUnits), \(bind: payment.amount.currency.code), \(bind: payment.reference),
                \(bind: payment.failureReason), \(bind: payment.gatewayOrderID),
                \(bind: payment.createdAt.storedMilliseconds), \(bind: payment.paidAt?.storedMilliseconds))
            """
        ).run()
    }

    func list(for invoice: InvoiceID) async throws -> [Payment] {
        try await self.sql.raw(
            "SELECT * FROM payments WHERE invoice_id = \(plain: invoice.rawValue) ORDER BY sequence"
        ).all().map(Self.payment(from:))
    }

    func find(_ id: PaymentID) async throws -> Payment? {
        try await self.sql.raw("SELECT * FROM payments WHERE id = \(plain: id.rawValue)").first().map(
            Self.payment(from:))
    }

    func find(gatewayOrderID orderID: String) async throws -> Payment? {
        try await self.sql.raw("SELECT * FROM payments WHERE gateway_order_id = \(bind: orderID)").first()
            .map(Self.payment(from:))
    }

    func update(_ payment: Payment, gatewayPaymentID: String?) async throws {
        try await self.sql.raw(
            """
            UPDATE payments SET status = \(bind: payment.status.rawValue), method = \(bind: payment.method.rawValue),
                amount = \(bind: payment.amount.minorUnits), reference = \(bind: payment.reference),
                failure_reason = \(bind: payment.failureReason), gateway_order_id = \(bind: payment.gatewayOrderID),
                gateway_payment_id = COALESCE(\(bind: gatewayPaymentID), gateway_payment_id),
                paid_at = \(bind: payment.paidAt?.storedMilliseconds)
            WHERE id = \(bind: payment.id.rawValue)
            """
        ).run()
    }

    func processing(startedBefore time: Date, limit: Int) async throws -> [Payment] {
        try await self.sql.raw(
            """
            SELECT * FROM payments WHERE status = 'processing' AND created_at < \(bind: time.storedMilliseconds)
            ORDER BY created_at LIMIT \(bind: limit)
            """
        ).all().map(Self.payment(from:))
    }

    private static func payment(from row: any SQLRow) throws -> Payment {
        Payment(
            id: PaymentID(rawValue: try row.string("id")), invoiceID: InvoiceID(rawValue: try row.string("invoice_id")),
            method: try row.enumeration("method", as: PaymentMethod.self), provider: try row.string("provider"),
            status: try row.enumeration("status", as: PaymentAttemptLifecycle.State.self),
            amount: try row.money("amount", in: try row.currency("currency")),
            reference: try row.optionalString("reference"), failureReason: try row.optionalString("failure_reason"),
            gatewayOrderID: try row.optionalString("gateway_order_id"), createdAt: try row.date("created_at"),
            paidAt: try row.optionalDate("paid_at"))
    }
}

struct SQLWalletRepository: WalletRepository {
    let sql: any SQLDatabase

    func append(_ entry: WalletEntry) async throws {
        try await self.sql.raw(
            """
            INSERT INTO wallet_entries (id, workspace_id, amount, currency, reason, invoice_id, description,
                created_at)
            VALUES (\(bind: entry.id.rawValue), \(bind: entry.workspaceID.rawValue), \(bind: entry.amount.minorUnits),
                \(bind: entry.amount.currency.code), \(bind: entry.reason.rawValue), \(bind: entry.invoiceID?.rawValue),
                \(bind: entry.description), \(bind: entry.createdAt.storedMilliseconds))
            """
        ).run()
    }

    func balance(of workspace: WorkspaceID, in currency: Currency) async throws -> Money {
        let row = try await self.sql.raw(
            """
            SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS balance FROM wallet_entries
            WHERE workspace_id = \(bind: workspace.rawValue) AND currency = \(bind: currency.code)
            """
        ).first()
        return Money(minorUnits: try row?.int64("balance") ?? 0, currency: currency)
    }

    func entries(of workspace: WorkspaceID, limit: Int) async throws -> [WalletEntry] {
        try await self.sql.raw(
            """
            SELECT * FROM wallet_entries WHERE workspace_id = \(bind: workspace.rawValue)
            ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
            """
        ).all().map { row in
            WalletEntry(
                id: WalletEntryID(rawValue: try row.string("id")), workspaceID: workspace,
                amount: try row.money("amount", in: try row.currency("currency")),
                reason: try row.enumeration("reason", as: WalletEntryReason.self),
                invoiceID: try row.optionalString("invoice_id").map(InvoiceID.init(rawValue:)),
                description: try row.string("description"), createdAt: try row.date("created_at"))
        }
    }
}

struct SQLAuditLogRepository: AuditLogRepository {
    let sql: any SQLDatabase

    func record(_ entry: AuditEntry) async throws {
        try await self.record([entry])
    }

    func record(_ entries: [AuditEntry]) async throws {
        let rows = entries.map { entry -> [BulkValue] in
            [
                .text("aud_" + UUID().uuidString.lowercased()), .integer(entry.occurredAt.storedMilliseconds),
                .text(entry.actor), .text(entry.action), .text(entry.subjectID), .text(entry.workspaceID?.rawValue),
                .integer(entry.amount?.minorUnits), .text(entry.amount?.currency.code),
                .text(SnapshotCoding.json(of: entry.details)),
            ]
        }
        try await BulkInsert.run(
            rows, into: "audit_log",
            columns: [
                "id", "occurred_at", "actor", "action", "subject_id", "workspace_id", "amount", "currency", "details",
            ], rowsPerStatement: 1_000, on: self.sql)
    }

    func entries(about subjectID: String) async throws -> [AuditEntry] {
        try await self.sql.raw(
            "SELECT * FROM audit_log WHERE subject_id = \(bind: subjectID) ORDER BY sequence"
        ).all().map { row in
            let amount = try row.optionalInt64("amount").map { minorUnits in
                Money(minorUnits: minorUnits, currency: try row.currency("currency"))
            }
            return AuditEntry(
                occurredAt: try row.date("occurred_at"), actor: try row.string("actor"),
                action: try row.string("action"), subjectID: try row.string("subject_id"),
                workspaceID: try row.optionalString("workspace_id").map(WorkspaceID.init(rawValue:)), amount: amount,
                details: try SnapshotCoding.decode([String: String].self, from: try row.string("details")))
        }
    }
}

struct SQLNumberSeriesRepository: NumberSeriesRepository {
    let sql: any SQLDatabase

    func nextSequences(series: String, prefix: String, in year: FinancialYear, count: Int) async throws
        -> ClosedRange<Int>
    {
        precondition(count > 0, "take at least one number")
        try await self.sql.raw(
            """
            INSERT INTO number_series (kind, financial_year, prefix, last_sequence)
            VALUES (\(bind: series), \(bind: year.startYear), \(bind: prefix), 0)
            ON CONFLICT (kind, financial_year) DO NOTHING
            """
        ).run()
        // The UPDATE takes the row lock: concurrent finalizations queue here until the holder commits.
        guard
            let row = try await self.sql.raw(
                """
                UPDATE number_series SET last_sequence = last_sequence + \(bind: count)
                WHERE kind = \(bind: series) AND financial_year = \(bind: year.startYear)
                RETURNING last_sequence
                """
            ).first()
        else { throw StoreError.corrupt("the \(series) number series for \(year) vanished") }
        let last = try row.int("last_sequence")
        return (last - count + 1)...last
    }
}
