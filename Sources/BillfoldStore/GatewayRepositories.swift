import BillfoldCore
import Foundation
import SQLKit

/// Inbound gateway events already taken, keyed by the gateway's event id.
package protocol GatewayEventRepository: Sendable {
    /// Records the event; `false` when it was recorded before, so the caller does nothing a second time.
    func record(provider: String, eventID: String, name: String, at time: Date) async throws -> Bool
    /// Whether the event was recorded before.
    func isRecorded(provider: String, eventID: String) async throws -> Bool
}

/// Refunds.
package protocol RefundRepository: Sendable {
    /// Stores a new refund.
    func create(_ refund: Refund) async throws
    /// Saves a refund's status, gateway id and failure.
    func update(_ refund: Refund) async throws
    /// The refund with this id.
    func find(_ id: RefundID) async throws -> Refund?
    /// The refund the gateway knows as `gatewayRefundID`.
    func find(gatewayRefundID: String) async throws -> Refund?
    /// The refunds of an invoice's payments, oldest first.
    func list(for invoice: InvoiceID) async throws -> [Refund]
    /// Gateway refunds still pending that were recorded before `time`, oldest first.
    func pending(recordedBefore time: Date, limit: Int) async throws -> [Refund]
}

/// Mandates.
package protocol MandateRepository: Sendable {
    /// Stores a new mandate.
    func create(_ mandate: Mandate) async throws
    /// Saves a mandate's status and token.
    func update(_ mandate: Mandate) async throws
    /// The mandate with this id.
    func find(_ id: MandateID) async throws -> Mandate?
    /// The mandate registered by authorisation order `orderID`.
    func find(authorisationOrderID orderID: String) async throws -> Mandate?
    /// The mandate holding gateway token `tokenID`.
    func find(tokenID: String) async throws -> Mandate?
    /// The workspace's mandates, newest first.
    func list(for workspace: WorkspaceID) async throws -> [Mandate]
}

/// Automatic debits.
package protocol AutoPayChargeRepository: Sendable {
    /// Stores a new charge; `false` when the invoice already has one.
    func create(_ charge: AutoPayCharge) async throws -> Bool
    /// Saves a charge's status, schedule, attempts and error.
    func update(_ charge: AutoPayCharge, at time: Date) async throws
    /// The charge of an invoice.
    func find(invoiceID: InvoiceID) async throws -> AutoPayCharge?
    /// Scheduled charges whose time has come, oldest first, locked for this transaction on PostgreSQL and
    /// skipped by other processes while locked.
    func claimDue(at time: Date, limit: Int) async throws -> [AutoPayCharge]
    /// Open invoices of workspaces with auto-pay on and a confirmed mandate that have no charge yet, with the
    /// newest such mandate.
    func awaitingSchedule(limit: Int) async throws -> [(invoiceID: InvoiceID, mandateID: MandateID)]
}

struct SQLGatewayEventRepository: GatewayEventRepository {
    let sql: any SQLDatabase

    func record(provider: String, eventID: String, name: String, at time: Date) async throws -> Bool {
        try await self.sql.raw(
            """
            INSERT INTO gateway_events (provider, event_id, name, received_at)
            VALUES (\(bind: provider), \(bind: eventID), \(bind: name), \(bind: time.storedMilliseconds))
            ON CONFLICT (provider, event_id) DO NOTHING
            RETURNING event_id
            """
        ).first() != nil
    }

    func isRecorded(provider: String, eventID: String) async throws -> Bool {
        try await self.sql.raw(
            "SELECT 1 AS seen FROM gateway_events WHERE provider = \(bind: provider) AND event_id = \(bind: eventID)"
        ).first() != nil
    }
}

struct SQLRefundRepository: RefundRepository {
    let sql: any SQLDatabase

    func create(_ refund: Refund) async throws {
        try await self.sql.raw(
            """
            INSERT INTO refunds (id, workspace_id, invoice_id, credit_note_id, payment_id, destination, amount,
                currency, status, reason, gateway_payment_id, gateway_refund_id, failure_reason, created_at,
                updated_at)
            VALUES (\(bind: refund.id.rawValue), \(bind: refund.workspaceID.rawValue),
                \(bind: refund.invoiceID?.rawValue), \(bind: refund.creditNoteID?.rawValue),
                \(bind: refund.paymentID?.rawValue), \(bind: refund.destination.rawValue),
                \(bind: refund.amount.minorUnits), \(bind: refund.amount.currency.code),
                \(bind: refund.status.rawValue), \(bind: refund.reason), \(bind: refund.gatewayPaymentID),
                \(bind: refund.gatewayRefundID), \(bind: refund.failureReason),
                \(bind: refund.createdAt.storedMilliseconds), \(bind: refund.updatedAt.storedMilliseconds))
            """
        ).run()
    }

    func update(_ refund: Refund) async throws {
        try await self.sql.raw(
            """
            UPDATE refunds SET status = \(bind: refund.status.rawValue),
                gateway_refund_id = \(bind: refund.gatewayRefundID), failure_reason = \(bind: refund.failureReason),
                updated_at = \(bind: refund.updatedAt.storedMilliseconds)
            WHERE id = \(bind: refund.id.rawValue)
            """
        ).run()
    }

    func find(_ id: RefundID) async throws -> Refund? {
        try await self.sql.raw("SELECT * FROM refunds WHERE id = \(bind: id.rawValue)").first()
            .map(Self.refund(from:))
    }

    func find(gatewayRefundID: String) async throws -> Refund? {
        try await self.sql.raw("SELECT * FROM refunds WHERE gateway_refund_id = \(bind: gatewayRefundID)").first()
            .map(Self.refund(from:))
    }

    func list(for invoice: InvoiceID) async throws -> [Refund] {
        try await self.sql.raw(
            "SELECT * FROM refunds WHERE invoice_id = \(bind: invoice.rawValue) ORDER BY sequence"
        ).all().map(Self.refund(from:))
    }

    func pending(recordedBefore time: Date, limit: Int) async throws -> [Refund] {
        try await self.sql.raw(
            """
            SELECT * FROM refunds WHERE status = 'pending' AND destination = 'gateway'
                AND created_at < \(bind: time.storedMilliseconds)
            ORDER BY sequence LIMIT \(bind: limit)
            """
        ).all().map(Self.refund(from:))
    }

    private static func refund(from row: any SQLRow) throws -> Refund {
        var refund = Refund(
            id: RefundID(rawValue: try row.string("id")),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
            invoiceID: try row.optionalString("invoice_id").map(InvoiceID.init(rawValue:)),
            creditNoteID: try row.optionalString("credit_note_id").map(InvoiceID.init(rawValue:)),
            paymentID: try row.optionalString("payment_id").map(PaymentID.init(rawValue:)),
            destination: try row.enumeration("destination", as: Refund.Destination.self),
            amount: try row.money("amount", in: try row.currency("currency")),
            status: try row.enumeration("status", as: Refund.Status.self), reason: try row.string("reason"),
            gatewayPaymentID: try row.optionalString("gateway_payment_id"),
            gatewayRefundID: try row.optionalString("gateway_refund_id"),
            failureReason: try row.optionalString("failure_reason"), createdAt: try row.date("created_at"))
        refund.updatedAt = try row.date("updated_at")
        return refund
    }
}

struct SQLMandateRepository: MandateRepository {
    let sql: any SQLDatabase

    func create(_ mandate: Mandate) async throws {
        try await self.sql.raw(
            """
            INSERT INTO mandates (id, workspace_id, provider, status, customer_id, authorisation_order_id, token_id,
                max_amount, currency, expires_at, created_at, updated_at)
            VALUES (\(bind: mandate.id.rawValue), \(bind: mandate.workspaceID.rawValue), \(bind: mandate.provider),
                \(bind: mandate.status.rawValue), \(bind: mandate.customerID), \(bind: mandate.authorisationOrderID),
                \(bind: mandate.tokenID), \(bind: mandate.maxAmount.minorUnits),
                \(bind: mandate.maxAmount.currency.code), \(bind: mandate.expiresAt.storedMilliseconds),
                \(bind: mandate.createdAt.storedMilliseconds), \(bind: mandate.updatedAt.storedMilliseconds))
            """
        ).run()
    }

    func update(_ mandate: Mandate) async throws {
        try await self.sql.raw(
            """
            UPDATE mandates SET status = \(bind: mandate.status.rawValue), token_id = \(bind: mandate.tokenID),
                updated_at = \(bind: mandate.updatedAt.storedMilliseconds)
            WHERE id = \(bind: mandate.id.rawValue)
            """
        ).run()
    }

    func find(_ id: MandateID) async throws -> Mandate? {
        try await self.sql.raw("SELECT * FROM mandates WHERE id = \(bind: id.rawValue)").first()
            .map(Self.mandate(from:))
    }

    func find(authorisationOrderID orderID: String) async throws -> Mandate? {
        try await self.sql.raw("SELECT * FROM mandates WHERE authorisation_order_id = \(bind: orderID)").first()
            .map(Self.mandate(from:))
    }

    func find(tokenID: String) async throws -> Mandate? {
        try await self.sql.raw("SELECT * FROM mandates WHERE token_id = \(bind: tokenID)").first()
            .map(Self.mandate(from:))
    }

    func list(for workspace: WorkspaceID) async throws -> [Mandate] {
        try await self.sql.raw(
            "SELECT * FROM mandates WHERE workspace_id = \(bind: workspace.rawValue) ORDER BY created_at DESC, id DESC"
        ).all().map(Self.mandate(from:))
    }

    private static func mandate(from row: any SQLRow) throws -> Mandate {
        var mandate = Mandate(
            id: MandateID(rawValue: try row.string("id")),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")), provider: try row.string("provider"),
            status: try row.enumeration("status", as: Mandate.Status.self), customerID: try row.string("customer_id"),
            authorisationOrderID: try row.string("authorisation_order_id"),
            tokenID: try row.optionalString("token_id"),
            maxAmount: try row.money("max_amount", in: try row.currency("currency")),
            expiresAt: try row.date("expires_at"), createdAt: try row.date("created_at"))
        mandate.updatedAt = try row.date("updated_at")
        return mandate
    }
}

struct SQLAutoPayChargeRepository: AutoPayChargeRepository {
    let sql: any SQLDatabase

    func create(_ charge: AutoPayCharge) async throws -> Bool {
        try await self.sql.raw(
            """
            INSERT INTO auto_pay_charges (id, invoice_id, workspace_id, mandate_id, amount, currency, status,
                notified_at, next_attempt_at, attempts, last_error, created_at, updated_at)
            VALUES (\(bind: charge.id.rawValue), \(bind: charge.invoiceID.rawValue),
                \(bind: charge.workspaceID.rawValue), \(bind: charge.mandateID.rawValue),
                \(bind: charge.amount.minorUnits), \(bind: charge.amount.currency.code), \(bind: charge.status.rawValue),
                \(bind: charge.notifiedAt.storedMilliseconds), \(bind: charge.nextAttemptAt.storedMilliseconds),
                \(bind: charge.attempts), \(bind: charge.lastError), \(bind: charge.createdAt.storedMilliseconds),
                \(bind: charge.createdAt.storedMilliseconds))
            ON CONFLICT (invoice_id) DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }

    func update(_ charge: AutoPayCharge, at time: Date) async throws {
        try await self.sql.raw(
            """
            UPDATE auto_pay_charges SET status = \(bind: charge.status.rawValue),
                next_attempt_at = \(bind: charge.nextAttemptAt.storedMilliseconds), attempts = \(bind: charge.attempts),
                last_error = \(bind: charge.lastError), updated_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: charge.id.rawValue)
            """
        ).run()
    }

    func find(invoiceID: InvoiceID) async throws -> AutoPayCharge? {
        try await self.sql.raw("SELECT * FROM auto_pay_charges WHERE invoice_id = \(bind: invoiceID.rawValue)")
            .first().map(Self.charge(from:))
    }

    func claimDue(at time: Date, limit: Int) async throws -> [AutoPayCharge] {
        let lock: SQLQueryString = self.sql.isPostgreSQL ? " FOR UPDATE SKIP LOCKED" : ""
        return try await self.sql.raw(
            """
            SELECT * FROM auto_pay_charges
            WHERE status = 'scheduled' AND next_attempt_at <= \(bind: time.storedMilliseconds)
            ORDER BY next_attempt_at LIMIT \(bind: limit)\(lock)
            """
        ).all().map(Self.charge(from:))
    }

    func awaitingSchedule(limit: Int) async throws -> [(invoiceID: InvoiceID, mandateID: MandateID)] {
        let rows = try await self.sql.raw(
            """
            SELECT i.id AS invoice_id, m.id AS mandate_id FROM invoices i
            JOIN workspaces w ON w.id = i.workspace_id
            JOIN mandates m ON m.workspace_id = i.workspace_id AND m.status = 'confirmed'
            WHERE i.state = 'open' AND i.kind = 'invoice' AND i.open_dispute_id IS NULL AND w.auto_pay = \(bind: true)
                AND NOT EXISTS (SELECT 1 FROM auto_pay_charges c WHERE c.invoice_id = i.id)
            ORDER BY i.id, m.created_at DESC LIMIT \(bind: limit)
            """
        ).all()
        var seen: Set<String> = []
        return try rows.compactMap { row in
            let invoice = try row.string("invoice_id")
            guard seen.insert(invoice).inserted else { return nil }
            return (InvoiceID(rawValue: invoice), MandateID(rawValue: try row.string("mandate_id")))
        }
    }

    private static func charge(from row: any SQLRow) throws -> AutoPayCharge {
        AutoPayCharge(
            id: AutoPayChargeID(rawValue: try row.string("id")),
            invoiceID: InvoiceID(rawValue: try row.string("invoice_id")),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
            mandateID: MandateID(rawValue: try row.string("mandate_id")),
            amount: try row.money("amount", in: try row.currency("currency")),
            status: try row.enumeration("status", as: AutoPayCharge.Status.self),
            notifiedAt: try row.date("notified_at"), nextAttemptAt: try row.date("next_attempt_at"),
            attempts: try row.int("attempts"), lastError: try row.optionalString("last_error"),
            createdAt: try row.date("created_at"))
    }
}
