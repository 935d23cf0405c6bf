import Foundation

/// A workspace's standing instruction to debit its payment method: a gateway token with its limits.
package struct Mandate: Hashable, Sendable, Identifiable {
    package typealias ID = MandateID

    package enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// The authorisation order waits for the payer.
        case pending
        case confirmed
        case rejected
        case cancelled
    }

    package let id: ID
    package var workspaceID: WorkspaceID
    package var provider: String
    package var status: Status
    package var customerID: String
    package var authorisationOrderID: String
    package var tokenID: String?
    /// The most one debit may take.
    package var maxAmount: Money
    package var expiresAt: Date
    package let createdAt: Date
    package var updatedAt: Date

    package init(
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
