import Foundation

/// Why a wallet's balance changed.
package enum WalletEntryReason: String, Sendable, Codable, CaseIterable {
    case topUp = "top_up"
    case invoicePayment = "invoice_payment"
    case refund
    case adjustment
}

/// One append-only movement of a prepaid wallet's balance.
package struct WalletEntry: Hashable, Sendable, Identifiable {
    package typealias ID = WalletEntryID

    package let id: ID
    package var workspaceID: WorkspaceID
    /// Positive adds to the balance, negative takes from it.
    package var amount: Money
    package var reason: WalletEntryReason
    package var invoiceID: InvoiceID?
    package var description: String
    package let createdAt: Date

    package init(
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
