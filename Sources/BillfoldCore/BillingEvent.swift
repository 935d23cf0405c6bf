import Foundation

/// What happened, as a platform polling the event log (and, later, an outgoing webhook) is told.
package enum BillingEventType: String, Hashable, Sendable, Codable, CaseIterable {
    case invoiceFinalized = "invoice.finalized"
    case invoicePaid = "invoice.paid"
    case invoicePaymentFailed = "invoice.payment_failed"
    case invoiceOverdue = "invoice.overdue"
    case invoiceVoided = "invoice.voided"
    case creditNoteCreated = "credit_note.created"
    case debitNoteCreated = "debit_note.created"
    case creditBalanceApplied = "credit_balance.applied"
    case disputeOpened = "dispute.opened"
    case disputeUpdated = "dispute.updated"
    case disputeResolved = "dispute.resolved"
    case disputeRejected = "dispute.rejected"
    case paymentSucceeded = "payment.succeeded"
    case paymentFailed = "payment.failed"
    case refundProcessed = "refund.processed"
    case walletToppedUp = "wallet.topped_up"
    case workspaceServiceStateChanged = "workspace.service_state_changed"
    case reminderSent = "reminder.sent"
}

/// One value of an event's `data`: JSON's scalars, and money.
///
/// Money is written as the API writes amounts, an integer of minor units; the currency travels beside it, under the
/// data's `currency` key. So JSON read back never holds `.money`, only `.integer`: the store keeps its own lossless
/// form.
package enum EventValue: Hashable, Sendable, Codable {
    case string(String)
    case integer(Int64)
    case money(Money)
    case bool(Bool)
    case null

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .money(let value): try container.encode(value.minorUnits)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

extension EventValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int64) { self = .integer(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension EventValue {
    /// `.string(value)`, or `.null` when there is none.
    package static func optional(_ value: String?) -> EventValue { value.map(EventValue.string) ?? .null }
}

/// A change of money or state a platform cares about, recorded in the same transaction as the change.
///
/// Events are append-only and ordered by the store's sequence, which is the order they were written in.
package struct BillingEvent: Hashable, Sendable, Identifiable {
    package typealias ID = EventID

    package let id: ID
    package var type: BillingEventType
    package var workspaceID: WorkspaceID?
    /// The invoice (or receipt) the event is about; for a credit note, the invoice it corrects.
    package var invoiceID: InvoiceID?
    package var paymentID: PaymentID?
    /// The credit note, which is an `Invoice` of kind `credit_note`.
    package var creditNoteID: InvoiceID?
    package var refundID: RefundID?
    /// What a platform needs without a second request: numbers, amounts (with `currency`), methods, reasons.
    package var data: [String: EventValue]
    package var createdAt: Date

    package init(
        id: ID = .generate(), type: BillingEventType, workspaceID: WorkspaceID?, invoiceID: InvoiceID? = nil,
        paymentID: PaymentID? = nil, creditNoteID: InvoiceID? = nil, refundID: RefundID? = nil,
        data: [String: EventValue] = [:], at createdAt: Date
    ) {
        self.id = id
        self.type = type
        self.workspaceID = workspaceID
        self.invoiceID = invoiceID
        self.paymentID = paymentID
        self.creditNoteID = creditNoteID
        self.refundID = refundID
        self.data = data
        self.createdAt = createdAt
    }
}
