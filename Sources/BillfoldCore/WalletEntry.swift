import Foundation

/// Why a wallet's balance changed.
public enum WalletEntryReason: String, Sendable, Codable, CaseIterable {
    case topUp = "top_up"
    case invoicePayment = "invoice_payment"
    case refund
    case adjustment
}

/// One append-only movement of a prepaid wallet's balance.
public struct WalletEntry: Hashable, Sendable, Identifiable {
    public typealias ID = WalletEntryID

    public let id: ID
    public var workspaceID: WorkspaceID
    /// Positive adds to the balance, negative takes from it.
    public var amount: Money
    public var reason: WalletEntryReason
    public var invoiceID: InvoiceID?
    public var description: String
    public let createdAt: Date

    public init(
        id: ID = .generate(), workspaceID: WorkspaceID, amount: Money, reason: WalletEntryReason,
        invoiceID: InvoiceID?, description: String, createdAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.amount = amount
        self.reason = reason
        self.invoiceID = invoiceID
        self.description = description
        self.createdAt = createdAt
    }
}
