import Foundation

/// The events of the billing changes, each with the same keys wherever it is recorded. Amounts are money values
/// (integers of minor units in JSON) next to a `currency`; dates are `YYYY-MM-DD`; a missing value is `null`.
extension BillingEvent {
    /// What every `invoice.*` event carries: `number`, `kind`, `currency`, `total`, `amount_paid`, `amount_due`,
    /// `issue_date`, `due_date`.
    package static func invoiceData(_ invoice: Invoice) -> [String: EventValue] {
        [
            "number": .optional(invoice.number), "kind": .string(invoice.kind.rawValue),
            "currency": .string(invoice.currency.code), "total": .money(invoice.total),
            "amount_paid": .money(invoice.amountPaid), "amount_due": .money(invoice.amountDue),
            "issue_date": .optional(invoice.issueDate?.description),
            "due_date": .optional(invoice.dueDate?.description),
        ]
    }

    /// What every `payment.*` event carries: `amount`, `currency`, `method`, `provider`, `status`, and the document
    /// paid: `invoice_number`, `invoice_kind`.
    package static func paymentData(_ payment: Payment, on invoice: Invoice) -> [String: EventValue] {
        [
            "amount": .money(payment.amount), "currency": .string(payment.amount.currency.code),
            "method": .string(payment.method.rawValue), "provider": .string(payment.provider),
            "status": .string(payment.status.rawValue), "invoice_number": .optional(invoice.number),
            "invoice_kind": .string(invoice.kind.rawValue),
        ]
    }

    /// `invoice.finalized`: an invoice was numbered and issued; the invoice's data.
    package static func invoiceFinalized(_ invoice: Invoice, at time: Date) -> BillingEvent {
        BillingEvent(
            type: .invoiceFinalized, workspaceID: invoice.workspaceID, invoiceID: invoice.id,
            data: Self.invoiceData(invoice), at: time)
    }

    /// `invoice.paid`: nothing is left due; the invoice's data and the `payment_method` of the payment that settled
    /// it, whose id is the event's payment id.
    package static func invoicePaid(_ invoice: Invoice, by payment: Payment, at time: Date) -> BillingEvent {
        var data = Self.invoiceData(invoice)
        data["payment_method"] = .string(payment.method.rawValue)
        return BillingEvent(
            type: .invoicePaid, workspaceID: invoice.workspaceID, invoiceID: invoice.id, paymentID: payment.id,
            data: data, at: time)
    }

    /// `invoice.payment_failed`: an attempt to pay the invoice failed; the invoice's data and the attempt's `amount`,
    /// `payment_method` and `failure_reason`.
    package static func invoicePaymentFailed(_ invoice: Invoice, attempt payment: Payment, at time: Date)
        -> BillingEvent
    {
        var data = Self.invoiceData(invoice)
        data["amount"] = .money(payment.amount)
        data["payment_method"] = .string(payment.method.rawValue)
        data["failure_reason"] = .optional(payment.failureReason)
        return BillingEvent(
            type: .invoicePaymentFailed, workspaceID: invoice.workspaceID, invoiceID: invoice.id,
            paymentID: payment.id, data: data, at: time)
    }

    /// `invoice.overdue`: the invoice's data, the day it went past its due date.
    package static func invoiceOverdue(_ invoice: Invoice, at time: Date) -> BillingEvent {
        BillingEvent(
            type: .invoiceOverdue, workspaceID: invoice.workspaceID, invoiceID: invoice.id,
            data: Self.invoiceData(invoice), at: time)
    }

    /// `invoice.voided`: a finalized invoice was cancelled, open (with a credit note for its full value) or paid
    /// (credited and refunded); the invoice's data, the `reason` and the `credit_note_number`.
    package static func invoiceVoided(_ invoice: Invoice, creditNote: Invoice?, reason: String, at time: Date)
        -> BillingEvent
    {
        var data = Self.invoiceData(invoice)
        data["reason"] = .string(reason)
        data["credit_note_number"] = .optional(creditNote?.number)
        return BillingEvent(
            type: .invoiceVoided, workspaceID: invoice.workspaceID, invoiceID: invoice.id, creditNoteID: creditNote?.id,
            data: data, at: time)
    }

    /// `credit_note.created`: a credit note was issued against `invoice`: its `number`, `currency`, `total`, the
    /// `invoice_number` it corrects and the `reason`.
    package static func creditNoteCreated(_ creditNote: Invoice, for invoice: Invoice, reason: String, at time: Date)
        -> BillingEvent
    {
        BillingEvent(
            type: .creditNoteCreated, workspaceID: creditNote.workspaceID, invoiceID: invoice.id,
            creditNoteID: creditNote.id,
            data: [
                "number": .optional(creditNote.number), "currency": .string(creditNote.currency.code),
                "total": .money(creditNote.total), "invoice_number": .optional(invoice.number),
                "reason": .string(reason),
            ], at: time)
    }

    /// `payment.succeeded`: money was received, through the gateway, from the wallet, or by a recorded transfer
    /// (also for a wallet top-up, whose document is a receipt); the payment's data.
    package static func paymentSucceeded(_ payment: Payment, on invoice: Invoice, at time: Date) -> BillingEvent {
        BillingEvent(
            type: .paymentSucceeded, workspaceID: invoice.workspaceID, invoiceID: invoice.id, paymentID: payment.id,
            data: Self.paymentData(payment, on: invoice), at: time)
    }

    /// `payment.failed`: the payment's data and its `failure_reason`.
    package static func paymentFailed(_ payment: Payment, on invoice: Invoice, at time: Date) -> BillingEvent {
        var data = Self.paymentData(payment, on: invoice)
        data["failure_reason"] = .optional(payment.failureReason)
        return BillingEvent(
            type: .paymentFailed, workspaceID: invoice.workspaceID, invoiceID: invoice.id, paymentID: payment.id,
            data: data, at: time)
    }

    /// `refund.processed`: money went back, through the gateway or into the wallet: `amount`, `currency`,
    /// `destination`, `reason` (`credit_note`, `overpayment`, `mandate_authorisation`), `status`.
    package static func refundProcessed(_ refund: Refund, at time: Date) -> BillingEvent {
        BillingEvent(
            type: .refundProcessed, workspaceID: refund.workspaceID, invoiceID: refund.invoiceID,
            paymentID: refund.paymentID, creditNoteID: refund.creditNoteID, refundID: refund.id,
            data: [
                "amount": .money(refund.amount), "currency": .string(refund.amount.currency.code),
                "destination": .string(refund.destination.rawValue), "reason": .string(refund.reason),
                "status": .string(refund.status.rawValue),
            ], at: time)
    }

    /// `wallet.topped_up`: the wallet was credited by `payment`, with a paid receipt: `amount`, `currency`,
    /// `method`, the receipt's `number`, and the wallet's `balance` after it.
    package static func walletToppedUp(receipt: Invoice, payment: Payment, balance: Money, at time: Date)
        -> BillingEvent
    {
        BillingEvent(
            type: .walletToppedUp, workspaceID: receipt.workspaceID, invoiceID: receipt.id, paymentID: payment.id,
            data: [
                "amount": .money(payment.amount), "currency": .string(payment.amount.currency.code),
                "method": .string(payment.method.rawValue), "number": .optional(receipt.number),
                "balance": .money(balance),
            ], at: time)
    }

    /// `workspace.service_state_changed`: where the workspace went, from where, who moved it, and what it owes.
    package static func serviceStateChanged(
        _ workspace: Workspace, from: ServiceState, by actor: String, overdueBalance: Money?, suspendsOn: CalendarDate?,
        at time: Date
    ) -> BillingEvent {
        BillingEvent(
            type: .workspaceServiceStateChanged, workspaceID: workspace.id,
            data: [
                "from": .string(from.rawValue), "to": .string(workspace.serviceState.rawValue),
                "set_by": .string(actor),
                "overdue_balance": overdueBalance.map(EventValue.money) ?? .null,
                "currency": .string(workspace.currency.code),
                "suspends_on": .optional(suspendsOn?.description),
            ],
            at: time)
    }
}
