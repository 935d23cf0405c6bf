import Foundation

/// A workspace's standing instruction to debit its payment method: a gateway token with its limits.
public struct Mandate: Hashable, Sendable, Identifiable {
    public typealias ID = MandateID

    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// The authorisation order waits for the payer.
        case pending
        case confirmed
        case rejected
        case cancelled
    }

    public let id: ID
    public var workspaceID: WorkspaceID
    public var provider: String
    public var status: Status
    public var customerID: String
    public var authorisationOrderID: String
    public var tokenID: String?
    /// The most one debit may take.
    public var maxAmount: Money
    public var expiresAt: Date
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID = .generate(), workspaceID: WorkspaceID, provider: String, status: Status, customerID: String,
        authorisationOrderID: String, tokenID: String?, maxAmount: Money, expiresAt: Date, createdAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.provider = provider
        self.status = status
        self.customerID = customerID
        self.authorisationOrderID = authorisationOrderID
        self.tokenID = tokenID
        self.maxAmount = maxAmount
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}
