/// The one rule for whether a document can be paid now: the portal's Pay buttons, the print view's payment
/// instructions and the payment service all ask it, so a button is shown exactly when the payment it starts is
/// taken.
extension Invoice {
    /// The smallest payment a gateway takes, in minor units: ₹1, Razorpay's minimum order.
    package static let minimumOnlinePayment: Int64 = 100

    /// What stops a document from being paid now.
    package enum PaymentRefusal: Hashable, Sendable {
        /// It is not an open tax invoice or debit note: a draft, a paid or cancelled invoice, a receipt (paid as it is
        /// issued) or a credit note.
        case notOpen
        /// A payment attempt on it is in flight; it settles or fails before another payment starts.
        case attemptInFlight
        /// Less is due than the way of paying takes: nothing at all, or online less than `minimumOnlinePayment`.
        case tooLittleDue
    }

    /// What stops a document of `kind`, showing `status`, with `amountDue` from being paid now, `online` (through a
    /// gateway) or another way (the wallet, a bank transfer); `nil` when nothing does.
    ///
    /// It reads only what a row of the billing history carries, so a row and the whole document agree. The due date
    /// does not matter: pending, overdue, disputed or after a failed attempt, an open invoice can be paid.
    package static func paymentRefusal(
        kind: DocumentKind, status: InvoiceDisplayStatus, amountDue: Money, online: Bool
    ) -> PaymentRefusal? {
        guard kind == .invoice || kind == .debitNote else { return .notOpen }
        switch status {
        case .pending, .overdue, .failed, .disputed: break
        case .processing: return .attemptInFlight
        case .draft, .paid, .cancelled: return .notOpen
        }
        let minimum: Int64 = online ? Self.minimumOnlinePayment : 1
        return amountDue.minorUnits >= minimum ? nil : .tooLittleDue
    }

    /// Whether a document of `kind`, showing `status`, with `amountDue` can be paid now, `online` or another way.
    package static func isPayable(kind: DocumentKind, status: InvoiceDisplayStatus, amountDue: Money, online: Bool)
        -> Bool
    {
        Self.paymentRefusal(kind: kind, status: status, amountDue: amountDue, online: online) == nil
    }

    /// What stops this document from being paid now, `online` or another way; `nil` when nothing does.
    package func paymentRefusal(online: Bool, today: CalendarDate) -> PaymentRefusal? {
        Self.paymentRefusal(
            kind: self.kind, status: self.displayStatus(today: today), amountDue: self.amountDue, online: online)
    }

    /// Whether this document can be paid now, `online` or another way.
    package func isPayable(online: Bool, today: CalendarDate) -> Bool {
        self.paymentRefusal(online: online, today: today) == nil
    }
}
