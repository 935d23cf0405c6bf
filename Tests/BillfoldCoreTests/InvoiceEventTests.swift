import BillfoldCore
import Foundation
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

private let issued = CalendarDate(year: 2026, month: 12, day: 1)!
private let createdAt = Date(timeIntervalSince1970: 1_795_000_000)

/// A ₹1,000.00 document (one line, no tax) in `state` with `paid` of it paid; numbered and dated unless a draft.
private func document(_ state: InvoiceLifecycle.State, paid: Int64 = 0, total: Int64 = 100_000) -> Invoice {
    let party = PartySnapshot(
        name: "Chai Labs", legalName: "Chai Labs Private Limited", email: "accounts@chailabs.example", gstin: nil,
        address: Address(line1: "12, 3rd Cross", city: "Bengaluru", stateCode: "29", pin: "560038", country: "IN"))
    let line = InvoiceLine(
        category: .platformFee, resourceType: "platform", resourceName: "Growth", description: "Platform fee",
        periodStart: issued, periodEnd: issued, quantity: FixedDecimal(1), unit: "month",
        unitPrice: FixedDecimal(scaledValue: total * 10_000), amount: rupees(total), sac: "998315",
        gstRateBasisPoints: 0)
    let isNumbered = state != .draft
    return Invoice(
        id: InvoiceID(rawValue: "inv_table"), kind: .invoice, number: isNumbered ? "INV/26-27/000001" : nil,
        workspaceID: WorkspaceID(rawValue: "ws_table"), subscriptionID: nil, originalInvoiceID: nil,
        lifecycle: InvoiceLifecycle(state: state), issueDate: isNumbered ? issued : nil,
        dueDate: isNumbered ? issued.adding(days: 15) : nil, periodStart: issued, periodEnd: issued,
        description: "Growth - Monthly", currency: .inr, supplier: party, customer: party, placeOfSupply: nil,
        lines: [line], tax: TaxBreakdown(supplyType: .intraState, taxableAmount: rupees(total), heads: []),
        amountPaid: rupees(paid), payments: [], createdAt: createdAt)
}

extension InvoiceEvent {
    /// Applies the event to a document: full payment pays what is due, partial payment ₹400.00.
    func apply(to invoice: inout Invoice) throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        switch self {
        case .finalize: return try invoice.finalize(issueDate: issued, paymentTermsDays: 15)
        case .payInFull: return try invoice.recordPayment(invoice.amountDue)
        case .payInPart: return try invoice.recordPayment(rupees(40_000))
        case .settleInFull: return try invoice.settleInFull()
        case .cancel: return try invoice.cancel()
        case .creditPaid: return try invoice.creditPaid()
        case .creditInPart: return try invoice.applyCredit(rupees(25_000))
        }
    }
}

/// Where a document stands before an event: its state and what was paid of its ₹1,000.00.
struct Standing: Hashable, Sendable, CustomTestStringConvertible {
    var state: InvoiceLifecycle.State
    var paid: Int64

    static let draft = Standing(state: .draft, paid: 0)
    static let open = Standing(state: .open, paid: 0)
    static let partlyPaid = Standing(state: .open, paid: 40_000)
    static let paid = Standing(state: .paid, paid: 100_000)
    static let cancelled = Standing(state: .cancelled, paid: 0)
    static let all: [Standing] = [.draft, .open, .partlyPaid, .paid, .cancelled]

    var testDescription: String { "\(self.state.rawValue), \(self.paid) paid" }
}

/// What an event does to a document: its state, amount paid and amount due after it and the action, or a refusal.
enum DocumentOutcome: Sendable, Equatable {
    case moves(to: InvoiceLifecycle.State, paid: Int64, due: Int64, action: InvoiceLifecycle.Action)
    case refused
}

private let documentTransitions: [(Standing, InvoiceEvent, DocumentOutcome)] = [
    (.draft, .finalize, .moves(to: .open, paid: 0, due: 100_000, action: .assignNumber)),
    (.draft, .payInFull, .refused),
    (.draft, .payInPart, .refused),
    (.draft, .settleInFull, .refused),
    (.draft, .cancel, .moves(to: .cancelled, paid: 0, due: 0, action: .discardDraft)),
    (.draft, .creditPaid, .refused),
    (.draft, .creditInPart, .refused),
    (
        .open, .creditInPart,
        .moves(to: .open, paid: 0, due: 75_000, action: .recordCredit(remainingDue: rupees(75_000)))
    ),
    (
        .partlyPaid, .creditInPart,
        .moves(to: .open, paid: 40_000, due: 35_000, action: .recordCredit(remainingDue: rupees(35_000)))
    ),
    (.paid, .creditInPart, .refused),
    (.cancelled, .creditInPart, .refused),
    (.open, .finalize, .refused),
    (.open, .payInFull, .moves(to: .paid, paid: 100_000, due: 0, action: .markPaid)),
    (
        .open, .payInPart,
        .moves(to: .open, paid: 40_000, due: 60_000, action: .recordPartialPayment(remainingDue: rupees(60_000)))
    ),
    (.open, .settleInFull, .moves(to: .paid, paid: 100_000, due: 0, action: .markPaid)),
    (.open, .cancel, .moves(to: .cancelled, paid: 0, due: 0, action: .issueCreditNote)),
    (.open, .creditPaid, .refused),
    (.partlyPaid, .finalize, .refused),
    (.partlyPaid, .payInFull, .moves(to: .paid, paid: 100_000, due: 0, action: .markPaid)),
    (
        .partlyPaid, .payInPart,
        .moves(to: .open, paid: 80_000, due: 20_000, action: .recordPartialPayment(remainingDue: rupees(20_000)))
    ),
    (.partlyPaid, .settleInFull, .moves(to: .paid, paid: 100_000, due: 0, action: .markPaid)),
    (.partlyPaid, .cancel, .moves(to: .cancelled, paid: 40_000, due: 0, action: .issueCreditNote)),
    (.partlyPaid, .creditPaid, .refused),
    (.paid, .finalize, .refused),
    (.paid, .payInFull, .refused),
    (.paid, .payInPart, .refused),
    (.paid, .settleInFull, .refused),
    (.paid, .cancel, .refused),
    (.paid, .creditPaid, .moves(to: .cancelled, paid: 100_000, due: 0, action: .issueCreditNote)),
    (.cancelled, .finalize, .refused),
    (.cancelled, .payInFull, .refused),
    (.cancelled, .payInPart, .refused),
    (.cancelled, .settleInFull, .refused),
    (.cancelled, .cancel, .refused),
    (.cancelled, .creditPaid, .refused),
]

@Suite("Invoice events: the lifecycle run and its bookkeeping applied")
struct InvoiceEventTests {
    @Test("The table covers every standing and event")
    func tableIsComplete() {
        let covered = Set(documentTransitions.map { "\($0.0.testDescription)/\($0.1.rawValue)" })
        #expect(covered.count == Standing.all.count * InvoiceEvent.allCases.count)
        #expect(documentTransitions.count == covered.count)
    }

    @Test("Every standing and event", arguments: documentTransitions)
    func transition(standing: Standing, event: InvoiceEvent, outcome: DocumentOutcome) throws {
        var invoice = document(standing.state, paid: standing.paid)
        let before = invoice
        switch outcome {
        case .moves(let state, let paid, let due, let action):
            #expect(try event.apply(to: &invoice) == action)
            #expect(invoice.state == state)
            #expect(invoice.amountPaid == rupees(paid))
            #expect(invoice.amountDue == rupees(due))
        case .refused:
            let error = #expect(throws: InvoiceTransitionError.self) { try event.apply(to: &invoice) }
            #expect(error?.code == .invalidTransition)
            #expect(invoice == before, "a refused event leaves the document as it was")
        }
    }

    @Test("A refused payment leaves the amounts alone")
    func paymentRefused() {
        var invoice = document(.open, paid: 40_000)
        let before = invoice
        for amount in [rupees(60_001), rupees(0), Money(minorUnits: 100, currency: .usd)] {
            #expect(throws: InvoiceTransitionError.self) { try invoice.recordPayment(amount) }
            #expect(invoice == before)
        }
    }

    @Test("Finalizing dates a draft and leaves the number to the caller; a number is given once")
    func finalizeAndNumber() throws {
        var invoice = document(.draft)
        #expect(try invoice.finalize(issueDate: issued, paymentTermsDays: 15) == .assignNumber)
        #expect(invoice.issueDate == issued && invoice.dueDate == issued.adding(days: 15))
        #expect(invoice.number == nil)
        try invoice.assignNumber("INV/26-27/000007")
        #expect(invoice.number == "INV/26-27/000007")
        let again = #expect(throws: InvoiceTransitionError.self) { try invoice.assignNumber("INV/26-27/000008") }
        checkRefusal(again, code: .invalidTransition, message: "inv_table is already numbered INV/26-27/000007")
        #expect(invoice.number == "INV/26-27/000007")

        var draft = document(.draft)
        let unfinalized = #expect(throws: InvoiceTransitionError.self) { try draft.assignNumber("INV/26-27/000009") }
        checkRefusal(
            unfinalized, code: .invalidTransition,
            message: "a draft document takes no number; only one just finalized does")
        #expect(draft.number == nil)
    }

    @Test("Finalizing under a number taken beforehand numbers, dates and opens the document")
    func finalizeUnderNumber() throws {
        var invoice = document(.draft)
        try invoice.finalize(number: "INV/26-27/000042", issueDate: issued, paymentTermsDays: 30)
        #expect(invoice.state == .open)
        #expect(invoice.number == "INV/26-27/000042")
        #expect(invoice.issueDate == issued && invoice.dueDate == issued.adding(days: 30))
        let error = #expect(throws: InvoiceTransitionError.self) {
            try invoice.finalize(number: "INV/26-27/000043", issueDate: issued, paymentTermsDays: 30)
        }
        #expect(error?.code == .invalidTransition)
        #expect(invoice.number == "INV/26-27/000042")
    }

    @Test("A document of no value is settled as it stands")
    func settleNothingDue() throws {
        var note = document(.open, total: 0)
        #expect(try note.settleInFull() == .markPaid)
        #expect(note.state == .paid && note.amountPaid == rupees(0) && note.amountDue == rupees(0))
    }
}

private func checkRefusal(
    _ error: InvoiceTransitionError?, code: InvoiceTransitionError.Code, message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(error?.code == code, sourceLocation: sourceLocation)
    #expect(error?.message == message, sourceLocation: sourceLocation)
}

/// A gateway attempt of ₹1,000.00 in `state`; a failed one says why.
private func attempt(_ state: PaymentAttemptLifecycle.State) -> Payment {
    Payment(
        id: PaymentID(rawValue: "pay_table"), invoiceID: InvoiceID(rawValue: "inv_table"), method: .gateway,
        provider: "razorpay", status: state, amount: rupees(100_000),
        reference: state == .succeeded ? "pay_gateway1" : nil,
        failureReason: state == .failed ? "card declined" : nil, gatewayOrderID: "order_table",
        createdAt: createdAt, paidAt: state == .succeeded ? createdAt : nil)
}

private let capturedAt = createdAt.addingTimeInterval(60)

/// The attempt after the gateway captured ₹999.00 by UPI as `pay_gateway2`.
private func captured() -> Payment {
    Payment(
        id: PaymentID(rawValue: "pay_table"), invoiceID: InvoiceID(rawValue: "inv_table"), method: .upi,
        provider: "razorpay", status: .succeeded, amount: rupees(99_900), reference: "pay_gateway2",
        failureReason: nil, gatewayOrderID: "order_table", createdAt: createdAt, paidAt: capturedAt)
}

/// The attempt after the gateway reported it expired, paid by card.
private func expired() -> Payment {
    Payment(
        id: PaymentID(rawValue: "pay_table"), invoiceID: InvoiceID(rawValue: "inv_table"), method: .card,
        provider: "razorpay", status: .failed, amount: rupees(100_000), reference: nil, failureReason: "expired",
        gatewayOrderID: "order_table", createdAt: createdAt, paidAt: nil)
}

@Suite("Payment events: the attempt's lifecycle run and what the gateway said recorded")
struct PaymentEventTests {
    @Test(
        "Every state and event",
        arguments: [
            (
                PaymentAttemptLifecycle.State.processing, PaymentAttemptEvent.succeed, captured(),
                PaymentAttemptLifecycle.Action.applyToInvoice
            ),
            (.processing, .fail, expired(), .recordFailure),
            (.succeeded, .succeed, attempt(.succeeded), .ignore),
            (.succeeded, .fail, attempt(.succeeded), .ignore),
            (.failed, .succeed, captured(), .applyToInvoice),
            (.failed, .fail, attempt(.failed), .ignore),
        ]
    )
    func transition(
        state: PaymentAttemptLifecycle.State, event: PaymentAttemptEvent, after: Payment,
        action: PaymentAttemptLifecycle.Action
    ) {
        var payment = attempt(state)
        switch event {
        case .succeed:
            #expect(
                payment.succeed(amount: rupees(99_900), method: .upi, reference: "pay_gateway2", at: capturedAt)
                    == action)
        case .fail:
            #expect(payment.fail(reason: "expired", method: .card) == action)
        }
        #expect(payment == after)
    }

    @Test("A failure that names no method keeps the one the attempt had")
    func failureWithoutMethod() {
        var payment = attempt(.processing)
        #expect(payment.fail(reason: "abandoned", method: nil) == .recordFailure)
        #expect(payment.status == .failed && payment.method == .gateway && payment.failureReason == "abandoned")
    }
}
