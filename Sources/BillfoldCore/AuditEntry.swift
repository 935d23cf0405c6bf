import Foundation

/// Who did what to money, append-only, in the order it happened.
public struct AuditEntry: Hashable, Sendable {
    public var occurredAt: Date
    /// `api_key:key_…`, `member:mem_…`, `system`, `demo`, `cli`.
    public var actor: String
    /// `invoice.finalized`, `payment.recorded`, `wallet.topped_up`, …
    public var action: String
    public var subjectID: String
    public var workspaceID: WorkspaceID?
    public var amount: Money?
    public var details: [String: String]

    public init(
        occurredAt: Date, actor: String, action: String, subjectID: String, workspaceID: WorkspaceID?,
        amount: Money?, details: [String: String] = [:]
    ) {
        self.occurredAt = occurredAt
        self.actor = actor
        self.action = action
        self.subjectID = subjectID
        self.workspaceID = workspaceID
        self.amount = amount
        self.details = details
    }
}
