import Foundation

/// A message waiting to be sent: what Billfold owes a person to hear (a pre-debit notice, …).
public struct OutboxMessage: Hashable, Sendable, Identifiable {
    public typealias ID = OutboxMessageID

    public let id: ID
    /// `pre_debit_notice`, …
    public var kind: String
    public var workspaceID: WorkspaceID?
    /// What the message is about; one message of a kind per subject.
    public var subjectID: String
    public var recipient: String
    public var subject: String
    public var body: String
    public var createdAt: Date
    public var sentAt: Date?

    public init(
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
