import Foundation

/// Money going back to a payer: through the gateway, or into the workspace's wallet.
public struct Refund: Hashable, Sendable, Identifiable {
    public typealias ID = RefundID

    public enum Destination: String, Hashable, Sendable, Codable, CaseIterable {
        case gateway
        case wallet
    }

    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// Recorded; the gateway has not confirmed it yet.
        case pending
        case processed
        case failed
    }

    public let id: ID
    public var workspaceID: WorkspaceID
    public var invoiceID: InvoiceID?
    public var creditNoteID: InvoiceID?
    /// The attempt whose money goes back.
    public var paymentID: PaymentID?
    public var destination: Destination
    public var amount: Money
    public var status: Status
    /// Why: `credit_note`, `overpayment`, `mandate_authorisation`.
    public var reason: String
    public var gatewayPaymentID: String?
    public var gatewayRefundID: String?
    public var failureReason: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
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
