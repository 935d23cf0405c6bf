import Foundation

/// One automatic debit of a finalized invoice under a mandate, with its retries.
public struct AutoPayCharge: Hashable, Sendable, Identifiable {
    public typealias ID = AutoPayChargeID

    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// The pre-debit notice went out; the debit waits for `nextAttemptAt`.
        case scheduled
        /// A debit is with the gateway; its attempt settles it.
        case charging
        case succeeded
        /// Retries ran out, the mandate went away, or the invoice was settled another way.
        case stopped
    }

    public let id: ID
    public var invoiceID: InvoiceID
    public var workspaceID: WorkspaceID
    public var mandateID: MandateID
    public var amount: Money
    public var status: Status
    public var notifiedAt: Date
    public var nextAttemptAt: Date
    /// Debits tried so far.
    public var attempts: Int
    public var lastError: String?
    public let createdAt: Date

    public init(
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
