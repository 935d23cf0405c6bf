import BillfoldCore
import Foundation
import SQLKit

/// Which messages a list shows; `nil` matches any.
package struct OutboxFilter: Hashable, Sendable {
    package var workspaceID: WorkspaceID?
    package var invoiceID: InvoiceID?
    package var status: OutboxMessage.Status?
    package var template: String?

    package init(
        workspaceID: WorkspaceID? = nil, invoiceID: InvoiceID? = nil, status: OutboxMessage.Status? = nil,
        template: String? = nil
    ) {
        self.workspaceID = workspaceID
        self.invoiceID = invoiceID
        self.status = status
        self.template = template
    }
}

/// The mail queue: messages written in the transaction that made them owed, claimed and delivered by the delivery
/// job.
package protocol OutboxRepository: Sendable {
    /// Adds a message; `false` when the same cause already owes this recipient this template.
    func enqueue(_ message: OutboxMessage) async throws -> Bool
    /// Claims up to `limit` messages for `claimant` until `leaseExpiresAt`: those queued and due at `time`, and
    /// those whose claim lapsed (a job that died while sending). Each claim counts as an attempt. On PostgreSQL rows
    /// another job is claiming are skipped, so several processes share the work.
    func claim(due time: Date, claimant: String, leaseExpiresAt: Date, limit: Int) async throws -> [OutboxMessage]
    /// Marks a message `claimant` holds as sent; `false` when its claim has passed to another job.
    func markSent(_ id: OutboxMessageID, claimant: String, at time: Date) async throws -> Bool
    /// Records a failed attempt by `claimant`: queued again for `retryAt`, or failed for good when that is `nil`.
    func markAttemptFailed(
        _ id: OutboxMessageID, claimant: String, error: String, retryAt: Date?, at time: Date
    ) async throws -> Bool
    func find(_ id: OutboxMessageID) async throws -> OutboxMessage?
    /// Messages matching `filter`, newest first, after the message `startingAfter` when given.
    func list(_ filter: OutboxFilter, limit: Int, startingAfter: OutboxMessageID?) async throws -> [OutboxMessage]
    /// The messages owed for `cause`, oldest first.
    func messages(cause: String) async throws -> [OutboxMessage]
    /// How many messages are in each status.
    func countByStatus() async throws -> [OutboxMessage.Status: Int]
}

struct SQLOutboxRepository: OutboxRepository {
    let sql: any SQLDatabase

    func enqueue(_ message: OutboxMessage) async throws -> Bool {
        try await self.sql.raw(
            """
            INSERT INTO outbox (id, template, cause, workspace_id, invoice_id, recipient, subject, text_body,
                html_body, attachments, status, attempts, next_attempt_at, message_id, created_at, updated_at)
            VALUES (\(bind: message.id.rawValue), \(bind: message.template), \(bind: message.cause),
                \(bind: message.workspaceID?.rawValue), \(bind: message.invoiceID?.rawValue),
                \(bind: message.recipient), \(bind: message.subject), \(bind: message.text), \(bind: message.html),
                \(bind: Self.stored(message.attachments)), \(bind: message.status.rawValue), \(bind: message.attempts),
                \(bind: message.nextAttemptAt.storedMilliseconds), \(bind: message.messageID),
                \(bind: message.createdAt.storedMilliseconds), \(bind: message.createdAt.storedMilliseconds))
            ON CONFLICT (cause, recipient, template) DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }

    func claim(due time: Date, claimant: String, leaseExpiresAt: Date, limit: Int) async throws -> [OutboxMessage] {
        let now = time.storedMilliseconds
        let lock: SQLQueryString = self.sql.isPostgreSQL ? " FOR UPDATE SKIP LOCKED" : ""
        return try await self.sql.raw(
            """
            UPDATE outbox SET status = 'sending', claimed_by = \(bind: claimant), attempts = attempts + 1,
                lease_expires_at = \(bind: leaseExpiresAt.storedMilliseconds), updated_at = \(bind: now)
            WHERE sequence IN (
                SELECT sequence FROM outbox
                WHERE (status = 'queued' AND next_attempt_at <= \(bind: now))
                    OR (status = 'sending' AND lease_expires_at <= \(bind: now))
                ORDER BY next_attempt_at, sequence LIMIT \(bind: limit)\(lock)
            )
            RETURNING *
            """
        ).all().map(Self.message(from:)).sorted { ($0.nextAttemptAt, $0.createdAt) < ($1.nextAttemptAt, $1.createdAt) }
    }

    func markSent(_ id: OutboxMessageID, claimant: String, at time: Date) async throws -> Bool {
        try await self.sql.raw(
            """
            UPDATE outbox SET status = 'sent', sent_at = \(bind: time.storedMilliseconds), lease_expires_at = NULL,
                last_error = NULL, updated_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: id.rawValue) AND status = 'sending' AND claimed_by = \(bind: claimant)
            RETURNING id
            """
        ).first() != nil
    }

    func markAttemptFailed(
        _ id: OutboxMessageID, claimant: String, error: String, retryAt: Date?, at time: Date
    ) async throws -> Bool {
        let status: OutboxMessage.Status = retryAt == nil ? .failed : .queued
        let next = (retryAt ?? time).storedMilliseconds
        return try await self.sql.raw(
            """
            UPDATE outbox SET status = \(bind: status.rawValue), next_attempt_at = \(bind: next),
                lease_expires_at = NULL, last_error = \(bind: String(error.prefix(2_000))),
                updated_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: id.rawValue) AND status = 'sending' AND claimed_by = \(bind: claimant)
            RETURNING id
            """
        ).first() != nil
    }

    func find(_ id: OutboxMessageID) async throws -> OutboxMessage? {
        try await self.sql.raw("SELECT * FROM outbox WHERE id = \(bind: id.rawValue)").first().map(Self.message(from:))
    }

    func list(_ filter: OutboxFilter, limit: Int, startingAfter: OutboxMessageID?) async throws -> [OutboxMessage] {
        var conditions: [SQLQueryString] = []
        if let workspaceID = filter.workspaceID { conditions.append("workspace_id = \(bind: workspaceID.rawValue)") }
        if let invoiceID = filter.invoiceID { conditions.append("invoice_id = \(bind: invoiceID.rawValue)") }
        if let status = filter.status { conditions.append("status = \(bind: status.rawValue)") }
        if let template = filter.template { conditions.append("template = \(bind: template)") }
        if let startingAfter {
            conditions.append(
                "sequence < (SELECT sequence FROM outbox WHERE id = \(bind: startingAfter.rawValue))")
        }
        let clause: SQLQueryString =
            conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try await self.sql.raw(
            "SELECT * FROM outbox \(clause) ORDER BY sequence DESC LIMIT \(bind: limit)"
        ).all().map(Self.message(from:))
    }

    func messages(cause: String) async throws -> [OutboxMessage] {
        try await self.sql.raw("SELECT * FROM outbox WHERE cause = \(bind: cause) ORDER BY sequence").all()
            .map(Self.message(from:))
    }

    func countByStatus() async throws -> [OutboxMessage.Status: Int] {
        var counts: [OutboxMessage.Status: Int] = [:]
        for row in try await self.sql.raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").all() {
            counts[try row.enumeration("status", as: OutboxMessage.Status.self)] = try row.int("n")
        }
        return counts
    }

    /// Attachments as stored: `document:inv_…` entries separated by spaces.
    static func stored(_ attachments: [OutboxMessage.Attachment]) -> String {
        attachments.map { attachment in
            switch attachment {
            case .documentPDF(let id): "document:" + id.rawValue
            }
        }.joined(separator: " ")
    }

    static func attachments(from text: String) throws -> [OutboxMessage.Attachment] {
        try text.split(separator: " ").map { entry in
            guard entry.hasPrefix("document:") else { throw StoreError.corrupt("unknown attachment \(entry)") }
            return .documentPDF(InvoiceID(rawValue: String(entry.dropFirst("document:".count))))
        }
    }

    static func message(from row: any SQLRow) throws -> OutboxMessage {
        var message = OutboxMessage(
            id: OutboxMessageID(rawValue: try row.string("id")), template: try row.string("template"),
            cause: try row.string("cause"),
            workspaceID: try row.optionalString("workspace_id").map(WorkspaceID.init(rawValue:)),
            invoiceID: try row.optionalString("invoice_id").map(InvoiceID.init(rawValue:)),
            recipient: try row.string("recipient"), subject: try row.string("subject"),
            text: try row.string("text_body"), html: try row.string("html_body"),
            attachments: try Self.attachments(from: try row.string("attachments")),
            messageID: try row.string("message_id"), createdAt: try row.date("created_at"))
        message.status = try row.enumeration("status", as: OutboxMessage.Status.self)
        message.attempts = try row.int("attempts")
        message.nextAttemptAt = try row.date("next_attempt_at")
        message.leaseExpiresAt = try row.optionalDate("lease_expires_at")
        message.lastError = try row.optionalString("last_error")
        message.sentAt = try row.optionalDate("sent_at")
        return message
    }
}
