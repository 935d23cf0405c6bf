import Foundation

/// A message waiting to be sent: what Billfold owes a person to hear (a pre-debit notice, …).
package struct OutboxMessage: Hashable, Sendable, Identifiable {
    package typealias ID = OutboxMessageID

    package let id: ID
    /// `pre_debit_notice`, …
    package var kind: String
    package var workspaceID: WorkspaceID?
    /// What the message is about; one message of a kind per subject.
    package var subjectID: String
    package var recipient: String
    package var subject: String
    package var body: String
    package var createdAt: Date
    package var sentAt: Date?

    package init(
        id: ID = .random(), kind: String, workspaceID: WorkspaceID?,
        subjectID: String, recipient: String, subject: String, body: String, createdAt: Date, sentAt: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        self.workspaceID = workspaceID
        self.subjectID = subjectID
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}
