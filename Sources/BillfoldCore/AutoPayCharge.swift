import Foundation

/// One automatic debit of a finalized invoice under a mandate, with its retries.
package struct AutoPayCharge: Hashable, Sendable, Identifiable {
    package typealias ID = AutoPayChargeID

    package enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// The pre-debit notice went out; the debit waits for `nextAttemptAt`.
        case scheduled
        /// A debit is with the gateway; its attempt settles it.
        case charging
        case succeeded
        /// Retries ran out, the mandate went away, or the invoice was settled another way.
        case stopped
    }

    package let id: ID
    package var invoiceID: InvoiceID
    package var workspaceID: WorkspaceID
    package var mandateID: MandateID
    package var amount: Money
    package var status: Status
    package var notifiedAt: Date
    package var nextAttemptAt: Date
    /// Debits tried so far.
    package var attempts: Int
    package var lastError: String?
    package let createdAt: Date

    package init(
        id: ID = .generate(), invoiceID: InvoiceID, workspaceID: WorkspaceID, mandateID: MandateID,
        amount: Money, status: Status, notifiedAt: Date, nextAttemptAt: Date, attempts: Int = 0,
        lastError: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.invoiceID = invoiceID
        self.workspaceID = workspaceID
        self.mandateID = mandateID
        self.amount = amount
        self.status = status
        self.notifiedAt = notifiedAt
        self.nextAttemptAt = nextAttemptAt
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
    }
}
