/// An open invoice as dunning sees it.
package struct DunningInvoice: Hashable, Sendable, Identifiable {
    package var id: InvoiceID
    package var number: String
    package var issueDate: CalendarDate?
    package var dueDate: CalendarDate
    /// What is still to be paid; an invoice with nothing due is neither counted nor reminded of.
    package var amountDue: Money
    /// Set aside from dunning (under dispute): it counts neither toward the overdue balance nor for reminders.
    package var excludedFromDunning: Bool

    package init(
        id: InvoiceID, number: String, issueDate: CalendarDate?, dueDate: CalendarDate, amountDue: Money,
        excludedFromDunning: Bool = false
    ) {
        self.id = id
        self.number = number
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.amountDue = amountDue
        self.excludedFromDunning = excludedFromDunning
    }

    /// `invoice` when it is an open, numbered tax invoice with a due date; `nil` for anything dunning ignores.
    package init?(_ invoice: Invoice, excludedFromDunning: Bool = false) {
        guard invoice.kind == .invoice, invoice.state == .open, let number = invoice.number,
            let dueDate = invoice.dueDate
        else { return nil }
        self.init(
            id: invoice.id, number: number, issueDate: invoice.issueDate, dueDate: dueDate,
            amountDue: invoice.amountDue, excludedFromDunning: excludedFromDunning)
    }
}

/// One notice about one invoice, recorded once it is sent or skipped so that it never goes again.
package struct DunningReminderKey: Hashable, Sendable, CustomStringConvertible {
    /// Which notice about the invoice.
    package enum Notice: Hashable, Sendable {
        /// The reminder at this many days from the due date.
        case reminder(offset: Int)
        /// The warning the day before suspension, keyed on the invoice whose due date starts the clock.
        case finalWarning
    }

    package var invoiceID: InvoiceID
    package var notice: Notice

    package init(invoiceID: InvoiceID, notice: Notice) {
        self.invoiceID = invoiceID
        self.notice = notice
    }

    package static func reminder(_ invoiceID: InvoiceID, offset: Int) -> DunningReminderKey {
        DunningReminderKey(invoiceID: invoiceID, notice: .reminder(offset: offset))
    }

    package static func finalWarning(_ invoiceID: InvoiceID) -> DunningReminderKey {
        DunningReminderKey(invoiceID: invoiceID, notice: .finalWarning)
    }

    /// The notice as stored beside the invoice id: `-3`, `0`, `+7` or `final_warning`.
    package var noticeCode: String {
        switch self.notice {
        case .reminder(let offset): offset > 0 ? "+\(offset)" : "\(offset)"
        case .finalWarning: "final_warning"
        }
    }

    /// The key stored as `invoiceID` and `noticeCode`; `nil` when the code is not one `noticeCode` gives.
    package init?(invoiceID: InvoiceID, noticeCode: String) {
        if noticeCode == "final_warning" {
            self.init(invoiceID: invoiceID, notice: .finalWarning)
            return
        }
        guard let offset = Int(noticeCode), Self.reminder(invoiceID, offset: offset).noticeCode == noticeCode else {
            return nil
        }
        self.init(invoiceID: invoiceID, notice: .reminder(offset: offset))
    }

    /// `inv_…/+3`.
    package var description: String { "\(self.invoiceID)/\(self.noticeCode)" }
}

/// One mail a dunning run sends a workspace, and the keys to record once it is queued.
package struct DunningReminder: Hashable, Sendable {
    /// What the mail says; a run sends at most one mail of each kind.
    package enum Kind: String, Sendable, Codable, CaseIterable {
        /// Invoices due soon.
        case beforeDue = "before_due"
        /// Invoices due today.
        case onDue = "on_due"
        /// The overdue balance: every overdue invoice that counts, not only those whose reminder fell today.
        case overdue
        /// The service will be suspended tomorrow unless the invoices listed, due today or earlier, are paid.
        case finalWarning = "final_warning"
    }

    package let kind: Kind
    /// What the mail lists, earliest due date first.
    package let invoices: [DunningInvoice]
    /// What sending it consumes: the reminders that fell due (and the final warning), to record as sent.
    package let keys: [DunningReminderKey]
    /// What the listed invoices leave due.
    package let total: Money

    package init(kind: Kind, invoices: [DunningInvoice], keys: [DunningReminderKey], currency: Currency) {
        self.kind = kind
        self.invoices = invoices
        self.keys = keys
        self.total = invoices.map(\.amountDue).sum(in: currency)
    }
}
