import Foundation

extension BillingEvent {
    /// The event as the API lists it and as a webhook's `data` carries it: its type, whom and what it is about, and
    /// its data, with amounts as integers of minor units next to `currency`.
    package struct Representation: Encodable, Sendable {
        let object = "event"
        let id: String
        let type: String
        let workspaceID: String?
        let invoiceID: String?
        let paymentID: String?
        let creditNoteID: String?
        let refundID: String?
        let data: [String: EventValue]
        let createdAt: String

        package init(_ event: BillingEvent) {
            self.id = event.id.rawValue
            self.type = event.type.rawValue
            self.workspaceID = event.workspaceID?.rawValue
            self.invoiceID = event.invoiceID?.rawValue
            self.paymentID = event.paymentID?.rawValue
            self.creditNoteID = event.creditNoteID?.rawValue
            self.refundID = event.refundID?.rawValue
            self.data = event.data
            self.createdAt = ISO8601Instant.format(event.createdAt)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, type, data
            case workspaceID = "workspace_id"
            case invoiceID = "invoice_id"
            case paymentID = "payment_id"
            case creditNoteID = "credit_note_id"
            case refundID = "refund_id"
            case createdAt = "created_at"
        }
    }
}
