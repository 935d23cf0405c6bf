import BillfoldCore
import Foundation
import SQLKit

/// Which disputes a list covers.
package struct DisputeFilter: Hashable, Sendable {
    package var workspaceID: WorkspaceID?
    package var invoiceID: InvoiceID?
    /// States to keep; empty keeps all.
    package var states: Set<DisputeLifecycle.State>

    package init(
        workspaceID: WorkspaceID? = nil, invoiceID: InvoiceID? = nil, states: Set<DisputeLifecycle.State> = []
    ) {
        self.workspaceID = workspaceID
        self.invoiceID = invoiceID
        self.states = states
    }
}

/// Disputes, their threads and their attachments.
package protocol DisputeRepository: Sendable {
    /// Stores a new dispute; `StoreError.duplicate` when the invoice already has one open.
    func create(_ dispute: Dispute) async throws
    func find(_ id: DisputeID) async throws -> Dispute?
    /// Inside a transaction: holds the dispute's row until the transaction ends; `false` when there is none.
    func lock(_ id: DisputeID) async throws -> Bool
    /// Records the state, resolution, credit note and times of a dispute that moved.
    func save(_ dispute: Dispute) async throws
    /// Newest first, at most `limit`, after `startingAfter` when given.
    func list(_ filter: DisputeFilter, limit: Int, startingAfter: DisputeID?) async throws -> [Dispute]
    func addComment(_ comment: DisputeComment) async throws
    /// The thread, oldest first.
    func comments(of id: DisputeID) async throws -> [DisputeComment]
    func addAttachment(_ attachment: DisputeAttachment, content: [UInt8]) async throws
    /// The attachments' descriptions, without their content, in the order they were added.
    func attachments(of id: DisputeID) async throws -> [DisputeAttachment]
    /// One attachment of dispute `disputeID` with its bytes; `nil` when the dispute has no such attachment.
    func attachment(_ id: AttachmentID, of disputeID: DisputeID) async throws -> (DisputeAttachment, [UInt8])?
}

/// The workspaces' credit balances: an append-only ledger.
package protocol CreditBalanceRepository: Sendable {
    func append(_ entry: CreditBalanceEntry) async throws
    /// The sum of the workspace's entries in `currency`.
    func balance(of workspace: WorkspaceID, in currency: Currency) async throws -> Money
    /// The workspace's entries, newest first.
    func entries(of workspace: WorkspaceID, limit: Int) async throws -> [CreditBalanceEntry]
    /// Which of `workspaces` have a credit balance above zero in any currency.
    func workspacesWithBalance(among workspaces: [WorkspaceID]) async throws -> Set<WorkspaceID>
}

struct SQLDisputeRepository: DisputeRepository {
    let sql: any SQLDatabase

    func create(_ dispute: Dispute) async throws {
        do {
            try await self.sql.raw(
                """
                INSERT INTO disputes (id, workspace_id, invoice_id, invoice_number, reason, line_positions,
                    expected_total, disputed_amount, currency, opened_by, state, resolution, credit_note_id,
                    created_at, updated_at, closed_at)
                VALUES (\(bind: dispute.id.rawValue), \(bind: dispute.workspaceID.rawValue),
                    \(bind: dispute.invoiceID.rawValue), \(bind: dispute.invoiceNumber),
                    \(bind: dispute.reason.rawValue),
                    \(bind: dispute.linePositions.map(String.init).joined(separator: " ")),
                    \(bind: dispute.expectedTotal.minorUnits), \(bind: dispute.disputedAmount.minorUnits),
                    \(bind: dispute.disputedAmount.currency.code), \(bind: dispute.openedBy),
                    \(bind: dispute.state.rawValue), \(bind: dispute.resolution), \(bind: dispute.creditNoteID?.rawValue),
                    \(bind: dispute.createdAt.storedMilliseconds), \(bind: dispute.updatedAt.storedMilliseconds),
                    \(bind: dispute.closedAt?.storedMilliseconds))
                """
            ).run()
        } catch  where error.isUniqueViolation {
            throw StoreError.duplicate("invoice \(dispute.invoiceID) already has an open dispute")
        }
    }

    func find(_ id: DisputeID) async throws -> Dispute? {
        try await self.sql.raw("SELECT * FROM disputes WHERE id = \(bind: id.rawValue)").first().map(Self.dispute)
    }

    func lock(_ id: DisputeID) async throws -> Bool {
        try await self.sql.raw("UPDATE disputes SET state = state WHERE id = \(bind: id.rawValue) RETURNING id")
            .first() != nil
    }

    func save(_ dispute: Dispute) async throws {
        try await self.sql.raw(
            """
            UPDATE disputes SET state = \(bind: dispute.state.rawValue), resolution = \(bind: dispute.resolution),
                credit_note_id = \(bind: dispute.creditNoteID?.rawValue),
                updated_at = \(bind: dispute.updatedAt.storedMilliseconds),
                closed_at = \(bind: dispute.closedAt?.storedMilliseconds)
            WHERE id = \(bind: dispute.id.rawValue)
            """
        ).run()
    }

    func list(_ filter: DisputeFilter, limit: Int, startingAfter: DisputeID?) async throws -> [Dispute] {
        var conditions: [SQLQueryString] = []
        if let workspaceID = filter.workspaceID {
            conditions.append("workspace_id = \(bind: workspaceID.rawValue)")
        }
        if let invoiceID = filter.invoiceID {
            conditions.append("invoice_id = \(bind: invoiceID.rawValue)")
        }
        if !filter.states.isEmpty {
            conditions.append("state IN (\(binds: filter.states.map(\.rawValue).sorted()))")
        }
        if let startingAfter {
            // Newest first by (created_at, id): the rows after the cursor are the older ones.
            conditions.append(
                """
                (created_at, id) < (SELECT created_at, id FROM disputes WHERE id = \(bind: startingAfter.rawValue))
                """)
        }
        var query: SQLQueryString = "SELECT * FROM disputes"
        query += SQLInvoiceRepository.whereClause(conditions)
        query.appendLiteral(" ORDER BY created_at DESC, id DESC LIMIT ")
        query.appendInterpolation(bind: limit)
        return try await self.sql.raw(query).all().map(Self.dispute)
    }

    func addComment(_ comment: DisputeComment) async throws {
        try await self.sql.raw(
            """
            INSERT INTO dispute_comments (id, dispute_id, role, author, body, created_at)
            VALUES (\(bind: comment.id.rawValue), \(bind: comment.disputeID.rawValue), \(bind: comment.role.rawValue),
                \(bind: comment.author), \(bind: comment.body), \(bind: comment.createdAt.storedMilliseconds))
            """
        ).run()
    }

    func comments(of id: DisputeID) async throws -> [DisputeComment] {
        try await self.sql.raw(
            "SELECT * FROM dispute_comments WHERE dispute_id = \(bind: id.rawValue) ORDER BY sequence"
        ).all().map { row in
            DisputeComment(
                id: DisputeCommentID(rawValue: try row.string("id")), disputeID: id,
                role: try row.enumeration("role", as: DisputeAuthorRole.self), author: try row.string("author"),
                body: try row.string("body"), createdAt: try row.date("created_at"))
        }
    }

    func addAttachment(_ attachment: DisputeAttachment, content: [UInt8]) async throws {
        try await self.sql.raw(
            """
            INSERT INTO dispute_attachments (id, dispute_id, filename, content_type, byte_count, content, created_at)
            VALUES (\(bind: attachment.id.rawValue), \(bind: attachment.disputeID.rawValue),
                \(bind: attachment.filename), \(bind: attachment.contentType.rawValue),
                \(bind: attachment.byteCount), \(bind: Data(content)), \(bind: attachment.createdAt.storedMilliseconds))
            """
        ).run()
    }

    func attachments(of id: DisputeID) async throws -> [DisputeAttachment] {
        try await self.sql.raw(
            """
            SELECT id, dispute_id, filename, content_type, byte_count, created_at FROM dispute_attachments
            WHERE dispute_id = \(bind: id.rawValue) ORDER BY id
            """
        ).all().map(Self.attachment)
    }

    func attachment(_ id: AttachmentID, of disputeID: DisputeID) async throws -> (DisputeAttachment, [UInt8])? {
        guard
            let row = try await self.sql.raw(
                """
                SELECT * FROM dispute_attachments
                WHERE id = \(bind: id.rawValue) AND dispute_id = \(bind: disputeID.rawValue)
                """
            ).first()
        else { return nil }
        let content = try row.decode(column: "content", as: Data.self)
        return (try Self.attachment(from: row), [UInt8](content))
    }

    private static func attachment(from row: any SQLRow) throws -> DisputeAttachment {
        DisputeAttachment(
            id: AttachmentID(rawValue: try row.string("id")),
            disputeID: DisputeID(rawValue: try row.string("dispute_id")), filename: try row.string("filename"),
            contentType: try row.enumeration("content_type", as: DisputeAttachment.ContentType.self),
            byteCount: try row.int("byte_count"), createdAt: try row.date("created_at"))
    }

    private static func dispute(from row: any SQLRow) throws -> Dispute {
        let currency = try row.currency("currency")
        let positions = try row.string("line_positions").split(separator: " ").map { text in
            guard let position = Int(text) else {
                throw StoreError.corrupt("a stored line position \(text) is not a number")
            }
            return position
        }
        return Dispute(
            id: DisputeID(rawValue: try row.string("id")),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
            invoiceID: InvoiceID(rawValue: try row.string("invoice_id")),
            invoiceNumber: try row.string("invoice_number"),
            reason: try row.enumeration("reason", as: DisputeReason.self), linePositions: positions,
            expectedTotal: try row.money("expected_total", in: currency),
            disputedAmount: try row.money("disputed_amount", in: currency), openedBy: try row.string("opened_by"),
            state: try row.enumeration("state", as: DisputeLifecycle.State.self),
            resolution: try row.optionalString("resolution"),
            creditNoteID: try row.optionalString("credit_note_id").map(InvoiceID.init(rawValue:)),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
            closedAt: try row.optionalDate("closed_at"))
    }
}

struct SQLCreditBalanceRepository: CreditBalanceRepository {
    let sql: any SQLDatabase

    func append(_ entry: CreditBalanceEntry) async throws {
        try await self.sql.raw(
            """
            INSERT INTO credit_balance_entries (id, workspace_id, amount, currency, reason, document_id, description,
                created_at)
            VALUES (\(bind: entry.id.rawValue), \(bind: entry.workspaceID.rawValue), \(bind: entry.amount.minorUnits),
                \(bind: entry.amount.currency.code), \(bind: entry.reason.rawValue), \(bind: entry.documentID?.rawValue),
                \(bind: entry.description), \(bind: entry.createdAt.storedMilliseconds))
            """
        ).run()
    }

    func balance(of workspace: WorkspaceID, in currency: Currency) async throws -> Money {
        let row = try await self.sql.raw(
            """
            SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS balance FROM credit_balance_entries
            WHERE workspace_id = \(bind: workspace.rawValue) AND currency = \(bind: currency.code)
            """
        ).first()
        return Money(minorUnits: try row?.int64("balance") ?? 0, currency: currency)
    }

    func workspacesWithBalance(among workspaces: [WorkspaceID]) async throws -> Set<WorkspaceID> {
        var found: Set<WorkspaceID> = []
        for chunk in workspaces.chunked(into: 500) {
            let rows = try await self.sql.raw(
                """
                SELECT workspace_id FROM credit_balance_entries WHERE workspace_id IN (\(binds: chunk.map(\.rawValue)))
                GROUP BY workspace_id, currency HAVING SUM(amount) > 0
                """
            ).all()
            for row in rows { found.insert(WorkspaceID(rawValue: try row.string("workspace_id"))) }
        }
        return found
    }

    func entries(of workspace: WorkspaceID, limit: Int) async throws -> [CreditBalanceEntry] {
        try await self.sql.raw(
            """
            SELECT * FROM credit_balance_entries WHERE workspace_id = \(bind: workspace.rawValue)
            ORDER BY sequence DESC LIMIT \(bind: limit)
            """
        ).all().map { row in
            let currency = try row.currency("currency")
            return CreditBalanceEntry(
                id: CreditBalanceEntryID(rawValue: try row.string("id")),
                workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
                amount: try row.money("amount", in: currency),
                reason: try row.enumeration("reason", as: CreditBalanceEntry.Reason.self),
                documentID: try row.optionalString("document_id").map(InvoiceID.init(rawValue:)),
                description: try row.string("description"), createdAt: try row.date("created_at"))
        }
    }
}
