import BillfoldCore

/// A workspace's account over a date range, as the consolidated statement prints it.
///
/// A plain value: the Engine fills it from the ledger, and the statement layout only prints it.
package struct AccountStatement: Hashable, Sendable {
    /// What an entry on the statement records.
    package enum EntryKind: String, Hashable, Sendable, CaseIterable {
        case invoice
        case payment
        case creditNote = "credit_note"
        case debitNote = "debit_note"
        case receipt
        /// Money sent back to the customer through the gateway.
        case refund

        /// The word the statement prints: `Invoice`, `Credit note`.
        var label: String {
            switch self {
            case .invoice: return "Invoice"
            case .payment: return "Payment"
            case .creditNote: return "Credit note"
            case .debitNote: return "Debit note"
            case .receipt: return "Receipt"
            case .refund: return "Refund"
            }
        }
    }

    /// One line of the statement: what raised the balance (a debit) or lowered it (a credit).
    package struct Entry: Hashable, Sendable {
        package var date: CalendarDate
        package var kind: EntryKind
        /// The document number or the payment's reference.
        package var reference: String
        package var description: String
        package var debit: Money
        package var credit: Money

        package init(
            date: CalendarDate, kind: EntryKind, reference: String, description: String, debit: Money, credit: Money
        ) {
            self.date = date
            self.kind = kind
            self.reference = reference
            self.description = description
            self.debit = debit
            self.credit = credit
        }
    }

    package var supplier: PartySnapshot
    package var customer: PartySnapshot
    package var currency: Currency
    /// The first day covered.
    package var from: CalendarDate
    /// The last day covered, inclusive.
    package var to: CalendarDate
    /// What the customer owed at the start of `from`; negative when it was in credit.
    package var openingBalance: Money
    /// In date order.
    package var entries: [Entry]
    /// The credit balance the workspace held at the end of `to`, which its next invoices use before any payment;
    /// the closing balance already counts it.
    package var creditBalance: Money

    package init(
        supplier: PartySnapshot, customer: PartySnapshot, currency: Currency, from: CalendarDate, to: CalendarDate,
        openingBalance: Money, entries: [Entry], creditBalance: Money? = nil
    ) {
        self.supplier = supplier
        self.customer = customer
        self.currency = currency
        self.from = from
        self.to = to
        self.openingBalance = openingBalance
        self.entries = entries
        self.creditBalance = creditBalance ?? .zero(currency)
    }

    /// The opening balance plus every debit less every credit: what the customer owes at the end of `to`.
    package var closingBalance: Money {
        self.entries.reduce(self.openingBalance) { $0 + $1.debit - $1.credit }
    }
}
