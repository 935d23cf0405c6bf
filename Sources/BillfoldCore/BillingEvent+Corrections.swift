import Foundation

extension BillingEvent {
    /// `debit_note.created`: a debit note charges what `invoice` undercharged: its `debit_note_id`, `number`,
    /// `currency`, `total`, `amount_due`, `due_date`, the `invoice_number` it corrects and the `reason`.
    package static func debitNoteCreated(_ debitNote: Invoice, for invoice: Invoice, reason: String, at time: Date)
        -> BillingEvent
    {
        BillingEvent(
            type: .debitNoteCreated, workspaceID: debitNote.workspaceID, invoiceID: invoice.id,
            data: [
                "debit_note_id": .string(debitNote.id.rawValue), "number": .optional(debitNote.number),
                "currency": .string(debitNote.currency.code), "total": .money(debitNote.total),
                "amount_due": .money(debitNote.amountDue), "due_date": .optional(debitNote.dueDate?.description),
                "invoice_number": .optional(invoice.number), "reason": .string(reason),
            ], at: time)
    }

    /// `credit_balance.applied`: the workspace's credit balance paid `amount` of `invoice` as it was issued; the
    /// `balance` left.
    package static func creditBalanceApplied(_ payment: Payment, on invoice: Invoice, balance: Money, at time: Date)
        -> BillingEvent
    {
        BillingEvent(
            type: .creditBalanceApplied, workspaceID: invoice.workspaceID, invoiceID: invoice.id,
            paymentID: payment.id,
            data: [
                "invoice_number": .optional(invoice.number), "currency": .string(invoice.currency.code),
                "amount": .money(payment.amount), "amount_due": .money(invoice.amountDue),
                "balance": .money(balance),
            ], at: time)
    }

    /// The event of a dispute's change: `dispute.opened`, `dispute.updated` (taken up, withdrawn, a comment),
    /// `dispute.resolved` or `dispute.rejected`. Its data: `dispute_id`, `status`, `reason`, the `invoice_number`,
    /// `currency`, `disputed_amount` and `expected_total`, what `change` happened, the `comment_id` of a comment
    /// added, and the credit note of a resolution.
    package static func dispute(
        _ type: BillingEventType, _ dispute: Dispute, change: String, creditNote: Invoice? = nil,
        comment: DisputeComment? = nil, at time: Date
    ) -> BillingEvent {
        BillingEvent(
            type: type, workspaceID: dispute.workspaceID, invoiceID: dispute.invoiceID, creditNoteID: creditNote?.id,
            data: [
                "dispute_id": .string(dispute.id.rawValue), "status": .string(dispute.state.rawValue),
                "reason": .string(dispute.reason.rawValue), "invoice_number": .string(dispute.invoiceNumber),
                "currency": .string(dispute.disputedAmount.currency.code),
                "disputed_amount": .money(dispute.disputedAmount), "expected_total": .money(dispute.expectedTotal),
                "change": .string(change), "credit_note_number": .optional(creditNote?.number),
                "resolution": .optional(dispute.resolution), "comment_id": .optional(comment?.id.rawValue),
            ], at: time)
    }
}
