import Foundation

/// Who did what to money, append-only, in the order it happened.
package struct AuditEntry: Hashable, Sendable {
    package var occurredAt: Date
    /// `api_key:key_…`, `member:mem_…`, `system`, `demo`, `cli`.
    package var actor: String
    /// `invoice.finalized`, `payment.recorded`, `wallet.topped_up`, …
    package var action: String
    package var subjectID: String
    package var workspaceID: WorkspaceID?
    package var amount: Money?
    package var details: [String: String]

    package init(
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
