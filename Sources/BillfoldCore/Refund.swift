import Foundation

/// Money going back to a payer: through the gateway, or into the workspace's wallet.
package struct Refund: Hashable, Sendable, Identifiable {
    package typealias ID = RefundID

    package enum Destination: String, Hashable, Sendable, Codable, CaseIterable {
        case gateway
        case wallet
    }

    package enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// Recorded; the gateway has not confirmed it yet.
        case pending
        case processed
        case failed
    }

    package let id: ID
    package var workspaceID: WorkspaceID
    package var invoiceID: InvoiceID?
    package var creditNoteID: InvoiceID?
    /// The attempt whose money goes back.
    package var paymentID: PaymentID?
    package var destination: Destination
    package var amount: Money
    package var status: Status
    /// Why: `credit_note`, `overpayment`, `mandate_authorisation`.
    package var reason: String
    package var gatewayPaymentID: String?
    package var gatewayRefundID: String?
    package var failureReason: String?
    package let createdAt: Date
    package var updatedAt: Date

    package init(
        id: ID = .generate(), workspaceID: WorkspaceID, invoiceID: InvoiceID?, creditNoteID: InvoiceID?,
        paymentID: PaymentID?, destination: Destination, amount: Money, status: Status, reason: String,
        gatewayPaymentID: String?, gatewayRefundID: String? = nil, failureReason: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.invoiceID = invoiceID
        self.creditNoteID = creditNoteID
        self.paymentID = paymentID
        self.destination = destination
        self.amount = amount
        self.status = status
        self.reason = reason
        self.gatewayPaymentID = gatewayPaymentID
        self.gatewayRefundID = gatewayRefundID
        self.failureReason = failureReason
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}
