import Foundation

/// A mail Billfold owes one person, queued in the transaction that made it owed and delivered by the mail delivery
/// job: an invoice issued, a payment received, a reminder, a pre-debit notice, …
///
/// One message exists per cause, recipient and template, so a job that runs twice never mails twice. The subject and
/// both bodies are rendered when the message is queued; attachments are named here and rendered when it is sent.
package struct OutboxMessage: Hashable, Sendable, Identifiable {
    package typealias ID = OutboxMessageID

    /// Where a message is on its way out.
    package enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for `nextAttemptAt`.
        case queued
        /// Claimed by a delivery job until its lease ends; a job that died leaves it to be claimed again.
        case sending
        /// Accepted by the mail server (or written to a file).
        case sent
        /// Refused for good, or still undelivered after the last attempt.
        case failed
    }

    /// A document sent beside the message, rendered when it is sent.
    package enum Attachment: Hashable, Sendable {
        /// The PDF of a finalized invoice, credit note or receipt.
        case documentPDF(InvoiceID)
    }

    package let id: ID
    /// The template it was rendered from: `invoice_issued`, `reminder_overdue`, …
    package var template: String
    /// Why it was owed, unique with the recipient and template: an event's id, `reminder:…`, `pre_debit:…`.
    package var cause: String
    package var workspaceID: WorkspaceID?
    /// The invoice it is mainly about, for the operator's filter.
    package var invoiceID: InvoiceID?
    package var recipient: String
    package var subject: String
    package var text: String
    package var html: String
    package var attachments: [Attachment]
    package var status: Status
    /// Delivery attempts made so far.
    package var attempts: Int
    package var nextAttemptAt: Date
    /// While `sending`: when the claim lapses.
    package var leaseExpiresAt: Date?
    /// The RFC 5322 `Message-ID`, without angle brackets; the same on every attempt.
    package var messageID: String
    package var lastError: String?
    package var createdAt: Date
    package var sentAt: Date?

    package init(
        id: ID = .generate(), template: String, cause: String, workspaceID: WorkspaceID?, invoiceID: InvoiceID?,
        recipient: String, subject: String, text: String, html: String, attachments: [Attachment] = [],
        messageID: String, createdAt: Date
    ) {
        self.id = id
        self.template = template
        self.cause = cause
        self.workspaceID = workspaceID
        self.invoiceID = invoiceID
        self.recipient = recipient
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.status = .queued
        self.attempts = 0
        self.nextAttemptAt = createdAt
        self.leaseExpiresAt = nil
        self.messageID = messageID
        self.lastError = nil
        self.createdAt = createdAt
        self.sentAt = nil
    }
}

/// How long the delivery job waits before trying a message again: minutes at first, then hours, and after
/// `maximumAttempts` it gives up and marks the message failed.
package struct MailRetrySchedule: Hashable, Sendable {
    /// The wait after each failed attempt, by attempt number (1-based); the last applies to any later attempt.
    package let delays: [TimeInterval]
    package let maximumAttempts: Int

    package init(delays: [TimeInterval], maximumAttempts: Int) {
        precondition(!delays.isEmpty && maximumAttempts > 0)
        self.delays = delays
        self.maximumAttempts = maximumAttempts
    }

    /// 1, 5 and 30 minutes, then 2, 6 and 12 hours: eight attempts over about a day.
    package static let standard = MailRetrySchedule(
        delays: [60, 300, 1_800, 7_200, 21_600, 43_200, 43_200], maximumAttempts: 8)

    /// When to try again after attempt number `attempts` failed; `nil` when that was the last.
    package func nextAttempt(after attempts: Int, failedAt time: Date) -> Date? {
        guard attempts < self.maximumAttempts else { return nil }
        let delay = self.delays[min(max(attempts, 1), self.delays.count) - 1]
        return time.addingTimeInterval(delay)
    }
}
