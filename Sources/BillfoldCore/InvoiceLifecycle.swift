/// Where an invoice is between draft and settlement; each event returns what the caller must then do.
package struct InvoiceLifecycle: Hashable, Sendable {
    /// A stored invoice status.
    package enum State: String, Sendable, Codable, CaseIterable {
        /// Editable and unnumbered.
        case draft
        /// Numbered and issued, with an amount still due.
        case open
        /// Settled in full.
        case paid
        /// Discarded as a draft, or reversed by a credit note.
        case cancelled
    }

    /// The work an event leaves to the caller, to be done in the same transaction as the state change.
    package enum Action: Hashable, Sendable {
        /// The draft became open: take the next number of its series.
        case assignNumber
        /// Record the payment; the invoice stays open with this still due.
        case recordPartialPayment(remainingDue: Money)
        /// Record the credit; the invoice stays open with this still due.
        case recordCredit(remainingDue: Money)
        /// Record the payment that settles the invoice.
        case markPaid
        /// Drop the draft: it has no number and nothing to credit.
        case discardDraft
        /// The invoice was numbered, so cancelling it needs a credit note for its value.
        case issueCreditNote
    }

    /// Where the invoice is now; changed only by the events below.
    package private(set) var state: State

    /// An invoice in `state`, as stored.
    package init(state: State) {
        self.state = state
    }

    /// Issues a draft: it becomes open and needs a number.
    package mutating func finalize() throws(InvoiceTransitionError) -> Action {
        guard self.state == .draft else {
            throw .invalidTransition("finalize", from: self.state, hint: "only a draft can be finalized")
        }
        self.state = .open
        return .assignNumber
    }

    /// Applies a payment of `amount` to an open invoice with `amountDue` outstanding; overpayment is refused.
    package mutating func recordPayment(_ amount: Money, amountDue: Money) throws(InvoiceTransitionError) -> Action {
        guard self.state == .open else {
            throw .invalidTransition(
                "record a payment on", from: self.state, hint: "only an open invoice takes payments")
        }
        guard amount.currency == amountDue.currency else {
            throw InvoiceTransitionError(
                code: .currencyMismatch,
                message: "A payment in \(amount.currency.code) cannot settle an invoice due in "
                    + "\(amountDue.currency.code); pay in \(amountDue.currency.code)")
        }
        guard amount.isPositive else {
            throw InvoiceTransitionError(
                code: .nonPositiveAmount,
                message: "A payment must be more than zero; \(amount.formatted()) was given")
        }
        guard amount.minorUnits <= amountDue.minorUnits else {
            throw InvoiceTransitionError(
                code: .overpayment,
                message: "A payment of \(amount.formatted()) is more than the \(amountDue.formatted()) due; "
                    + "pay at most the amount due")
        }
        if amount == amountDue {
            self.state = .paid
            return .markPaid
        }
        return .recordPartialPayment(remainingDue: amountDue - amount)
    }

    /// Takes a credit note's `amount` off an open invoice with `amountDue` outstanding; more than is due is refused.
    package mutating func applyCredit(_ amount: Money, amountDue: Money) throws(InvoiceTransitionError) -> Action {
        guard self.state == .open else {
            throw .invalidTransition(
                "credit the amount due of", from: self.state,
                hint: "only an open invoice has an amount due; send the credit elsewhere")
        }
        guard amount.currency == amountDue.currency, amount.isPositive else {
            throw InvoiceTransitionError(
                code: .nonPositiveAmount,
                message:
                    "A credit must be more than zero in \(amountDue.currency.code); \(amount.formatted()) was given")
        }
        guard amount.minorUnits <= amountDue.minorUnits else {
            throw InvoiceTransitionError(
                code: .overpayment,
                message: "A credit of \(amount.formatted()) is more than the \(amountDue.formatted()) due; credit at "
                    + "most the amount due, or send the rest to a refund, the wallet or the credit balance")
        }
        if amount == amountDue {
            self.state = .paid
            return .markPaid
        }
        return .recordCredit(remainingDue: amountDue - amount)
    }

    /// Cancels a draft (discarded) or an open invoice (reversed by a credit note); paid or cancelled ones stay.
    package mutating func cancel() throws(InvoiceTransitionError) -> Action {
        switch self.state {
        case .draft:
            self.state = .cancelled
            return .discardDraft
        case .open:
            self.state = .cancelled
            return .issueCreditNote
        case .paid:
            throw .invalidTransition("cancel", from: self.state, hint: "issue a credit note against it instead")
        case .cancelled:
            throw .invalidTransition("cancel", from: self.state, hint: "it is already cancelled")
        }
    }
}

extension InvoiceLifecycle {
    /// Reverses a paid invoice in full: a credit note is issued and its payments go back.
    package mutating func creditPaid() throws(InvoiceTransitionError) -> Action {
        guard self.state == .paid else {
            throw .invalidTransition(
                "credit and refund", from: self.state,
                hint: self.state == .open ? "void it instead, or pay it first" : "only a paid invoice is refunded")
        }
        self.state = .cancelled
        return .issueCreditNote
    }

    /// Settles an open document as it is issued, whatever is due, nothing included: a receipt for money already
    /// received, a credit note applied at once.
    package mutating func settleInFull() throws(InvoiceTransitionError) -> Action {
        guard self.state == .open else {
            throw .invalidTransition(
                "settle", from: self.state,
                hint: self.state == .draft ? "finalize it first" : "it is already \(self.state.rawValue)")
        }
        self.state = .paid
        return .markPaid
    }
}

/// Why an invoice event was refused.
package struct InvoiceTransitionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of refusal it is, stable for API clients.
    package enum Code: String, Sendable {
        case invalidTransition = "invalid_transition"
        case nonPositiveAmount = "non_positive_amount"
        case overpayment
        case currencyMismatch = "currency_mismatch"
    }

    /// The kind of refusal.
    package let code: Code
    /// What was refused and what to do instead.
    package let message: String

    package var description: String { self.message }

    /// An event answered with an action it never gives; what asked for it refuses rather than guess.
    package static func unexpected(_ action: InvoiceLifecycle.Action, after event: String) -> InvoiceTransitionError {
        InvoiceTransitionError(
            code: .invalidTransition,
            message: "The invoice lifecycle answered \(event) with \(action), which that event never gives")
    }

    fileprivate static func invalidTransition(
        _ event: String,
        from state: InvoiceLifecycle.State,
        hint: String
    ) -> InvoiceTransitionError {
        let article = state == .open ? "an" : "a"
        return InvoiceTransitionError(
            code: .invalidTransition, message: "Cannot \(event) \(article) \(state.rawValue) invoice; \(hint)")
    }
}
