import BillfoldCore
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

/// Every event an invoice can receive.
enum InvoiceEvent: String, Sendable, CaseIterable {
    case finalize
    case payInFull
    case payInPart
    case settleInFull
    case cancel
    case creditPaid
    case creditInPart

    /// Applies the event with 1,000.00 due; full payment pays it all, partial payment 400.00, a partial credit
    /// takes 250.00 off.
    func apply(to lifecycle: inout InvoiceLifecycle) throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        switch self {
        case .finalize: return try lifecycle.finalize()
        case .payInFull: return try lifecycle.recordPayment(rupees(100_000), amountDue: rupees(100_000))
        case .payInPart: return try lifecycle.recordPayment(rupees(40_000), amountDue: rupees(100_000))
        case .settleInFull: return try lifecycle.settleInFull()
        case .cancel: return try lifecycle.cancel()
        case .creditPaid: return try lifecycle.creditPaid()
        case .creditInPart: return try lifecycle.applyCredit(rupees(25_000), amountDue: rupees(100_000))
        }
    }
}

/// The expected outcome of an event: a new state and an action, or a refusal.
enum InvoiceOutcome: Sendable, Equatable {
    case moves(to: InvoiceLifecycle.State, action: InvoiceLifecycle.Action)
    case refused
}

/// Every state times every event.
private let transitions: [(InvoiceLifecycle.State, InvoiceEvent, InvoiceOutcome)] = [
    (.draft, .finalize, .moves(to: .open, action: .assignNumber)),
    (.draft, .payInFull, .refused),
    (.draft, .payInPart, .refused),
    (.draft, .settleInFull, .refused),
    (.draft, .cancel, .moves(to: .cancelled, action: .discardDraft)),
    (.draft, .creditPaid, .refused),
    (.draft, .creditInPart, .refused),
    (.open, .creditInPart, .moves(to: .open, action: .recordCredit(remainingDue: rupees(75_000)))),
    (.paid, .creditInPart, .refused),
    (.cancelled, .creditInPart, .refused),
    (.open, .finalize, .refused),
    (.open, .payInFull, .moves(to: .paid, action: .markPaid)),
    (.open, .payInPart, .moves(to: .open, action: .recordPartialPayment(remainingDue: rupees(60_000)))),
    (.open, .settleInFull, .moves(to: .paid, action: .markPaid)),
    (.open, .cancel, .moves(to: .cancelled, action: .issueCreditNote)),
    (.open, .creditPaid, .refused),
    (.paid, .finalize, .refused),
    (.paid, .payInFull, .refused),
    (.paid, .payInPart, .refused),
    (.paid, .settleInFull, .refused),
    (.paid, .cancel, .refused),
    (.paid, .creditPaid, .moves(to: .cancelled, action: .issueCreditNote)),
    (.cancelled, .finalize, .refused),
    (.cancelled, .payInFull, .refused),
    (.cancelled, .payInPart, .refused),
    (.cancelled, .settleInFull, .refused),
    (.cancelled, .cancel, .refused),
    (.cancelled, .creditPaid, .refused),
]

struct InvoiceLifecycleTests {
    @Test("The table covers every state and event")
    func tableIsComplete() {
        let covered = Set(transitions.map { "\($0.0.rawValue)/\($0.1.rawValue)" })
        #expect(covered.count == InvoiceLifecycle.State.allCases.count * InvoiceEvent.allCases.count)
        #expect(transitions.count == covered.count)
    }

    @Test("Every state and event", arguments: transitions)
    func transition(state: InvoiceLifecycle.State, event: InvoiceEvent, outcome: InvoiceOutcome) throws {
        var lifecycle = InvoiceLifecycle(state: state)
        switch outcome {
        case .moves(let newState, let action):
            #expect(try event.apply(to: &lifecycle) == action)
            #expect(lifecycle.state == newState)
        case .refused:
            let error = #expect(throws: InvoiceTransitionError.self) { try event.apply(to: &lifecycle) }
            #expect(error?.code == .invalidTransition)
            #expect(lifecycle.state == state, "a refused event leaves the state alone")
        }
    }

    @Test(
        "A payment must be positive, in the invoice's currency and no more than what is due",
        arguments: [
            (rupees(0), rupees(100_000), InvoiceTransitionError.Code.nonPositiveAmount),
            (rupees(-100), rupees(100_000), .nonPositiveAmount),
            (rupees(100_001), rupees(100_000), .overpayment),
            (rupees(1), rupees(0), .overpayment),
            (Money(minorUnits: 100, currency: .usd), rupees(100_000), .currencyMismatch),
            (Money(minorUnits: 100_000, currency: .eur), Money(minorUnits: 100_000, currency: .usd), .currencyMismatch),
        ]
    )
    func paymentRefused(amount: Money, amountDue: Money, code: InvoiceTransitionError.Code) {
        var lifecycle = InvoiceLifecycle(state: .open)
        let error = #expect(throws: InvoiceTransitionError.self) {
            try lifecycle.recordPayment(amount, amountDue: amountDue)
        }
        #expect(error?.code == code)
        #expect(lifecycle.state == .open)
    }

    @Test("A credit that takes all that is due settles the invoice; more than is due is refused")
    func creditSettles() throws {
        var lifecycle = InvoiceLifecycle(state: .open)
        let refused = #expect(throws: InvoiceTransitionError.self) {
            try lifecycle.applyCredit(rupees(60_001), amountDue: rupees(60_000))
        }
        #expect(refused?.code == .overpayment)
        #expect(try lifecycle.applyCredit(rupees(60_000), amountDue: rupees(60_000)) == .markPaid)
        #expect(lifecycle.state == .paid)
    }

    @Test(
        "Refusals explain themselves",
        arguments: [
            (
                InvoiceLifecycle.State.open, InvoiceEvent.finalize,
                "Cannot finalize an open invoice; only a draft can be finalized"
            ),
            (.paid, .cancel, "Cannot cancel a paid invoice; issue a credit note against it instead"),
            (.cancelled, .cancel, "Cannot cancel a cancelled invoice; it is already cancelled"),
            (.draft, .payInPart, "Cannot record a payment on a draft invoice; only an open invoice takes payments"),
            (.draft, .settleInFull, "Cannot settle a draft invoice; finalize it first"),
            (.paid, .settleInFull, "Cannot settle a paid invoice; it is already paid"),
            (.open, .creditPaid, "Cannot credit and refund an open invoice; void it instead, or pay it first"),
            (.cancelled, .creditPaid, "Cannot credit and refund a cancelled invoice; only a paid invoice is refunded"),
        ]
    )
    func messages(state: InvoiceLifecycle.State, event: InvoiceEvent, message: String) {
        var lifecycle = InvoiceLifecycle(state: state)
        let error = #expect(throws: InvoiceTransitionError.self) { try event.apply(to: &lifecycle) }
        #expect(error?.message == message)
        #expect(error?.description == message)
    }

    @Test("Payment refusals name the amounts")
    func paymentMessages() {
        var lifecycle = InvoiceLifecycle(state: .open)
        let overpayment = #expect(throws: InvoiceTransitionError.self) {
            try lifecycle.recordPayment(rupees(100_001), amountDue: rupees(100_000))
        }
        #expect(
            overpayment?.message == "A payment of ₹1,000.01 is more than the ₹1,000.00 due; pay at most the amount due")
        let mismatch = #expect(throws: InvoiceTransitionError.self) {
            try lifecycle.recordPayment(Money(minorUnits: 100, currency: .usd), amountDue: rupees(100_000))
        }
        #expect(mismatch?.message == "A payment in USD cannot settle an invoice due in INR; pay in INR")
        let zero = #expect(throws: InvoiceTransitionError.self) {
            try lifecycle.recordPayment(rupees(0), amountDue: rupees(100_000))
        }
        #expect(zero?.message == "A payment must be more than zero; ₹0.00 was given")
    }

    @Test("Partial payments keep an invoice open until the last one settles it")
    func paymentsInInstalments() throws {
        var lifecycle = InvoiceLifecycle(state: .draft)
        #expect(try lifecycle.finalize() == .assignNumber)
        #expect(
            try lifecycle.recordPayment(rupees(30_000), amountDue: rupees(100_000))
                == .recordPartialPayment(remainingDue: rupees(70_000)))
        #expect(
            try lifecycle.recordPayment(rupees(69_999), amountDue: rupees(70_000))
                == .recordPartialPayment(remainingDue: rupees(1)))
        #expect(lifecycle.state == .open)
        #expect(try lifecycle.recordPayment(rupees(1), amountDue: rupees(1)) == .markPaid)
        #expect(lifecycle.state == .paid)
    }
}
