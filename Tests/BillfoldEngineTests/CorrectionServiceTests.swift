import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

/// One line by amount.
private func credit(_ position: Int, _ paise: Int64) -> LineAdjustment {
    LineAdjustment(position: position, measure: .amount(rupees(paise)))
}

extension PaymentBench {
    var corrections: CorrectionService { CorrectionService(payments: self.payments) }
    var disputes: DisputeService { DisputeService(corrections: self.corrections) }

    /// `invoice` paid in full by a recorded bank transfer.
    func payByTransfer(_ invoice: Invoice) async throws -> Invoice {
        try await self.invoices.recordPayment(
            on: invoice.id, amount: invoice.amountDue, method: .bankTransfer, provider: "manual", reference: "UTR9",
            actor: "test")
    }
}

/// Credit notes in part and debit notes through the Engine, and where a credit's value goes: the amount due, a
/// gateway refund (never more than the gateway took), the wallet, or the credit balance the next invoice uses.
@Suite("Corrections: partial credit notes, debit notes and the credit balance")
struct CorrectionServiceTests {
    @Test(
        "A partial credit on an unpaid invoice lowers what is due, in one transaction with its event and audit",
        arguments: TestDatabase.kinds)
    func creditAmountDue(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            // ₹100 off the platform fee: ₹100 + 9% CGST + 9% SGST = ₹118.
            let outcome = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(adjustments: [credit(0, 10_000)], reason: "Goodwill for an outage"), actor: "ops")
            #expect(outcome.creditNote.number?.hasPrefix("CN/") == true)
            #expect(outcome.creditNote.total == rupees(11_800))
            #expect(outcome.creditNote.tax.heads.map(\.head) == [.cgst, .sgst])
            #expect(outcome.creditNote.correction?.originalNumber == invoice.number)
            #expect(outcome.creditNote.correction?.destination == .amountDue)
            let stored = try await bench.invoice(invoice.id)
            #expect(stored.amountCredited == rupees(11_800))
            #expect(stored.amountDue == invoice.amountDue - rupees(11_800))
            #expect(stored.state == .open)
            #expect(try await bench.auditCount("credit_note.issued", about: invoice.id.rawValue) == 1)
            let events = try await bench.database.store.events.list(
                EventFilter(invoiceID: invoice.id), limit: 50, startingAfter: nil)
            #expect(events.map(\.type).contains(.creditNoteCreated))
            // Crediting the rest settles it; a paisa more is refused.
            let rest = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(
                    adjustments: [
                        credit(0, 90_000), LineAdjustment(position: 1, measure: .quantity(FixedDecimal("12.5")!)),
                    ],
                    reason: "Not used"), actor: "ops")
            #expect(rest.invoice.state == .paid)
            #expect(rest.invoice.amountDue.isZero)
            #expect(rest.creditNote.total + outcome.creditNote.total == invoice.total)
            let more = await #expect(throws: EngineError.self) {
                try await bench.corrections.issueCreditNote(
                    against: invoice.id, .init(adjustments: [credit(0, 1)], reason: "again"), actor: "ops")
            }
            #expect(more?.code == .invalidState || more?.code == .invalidField)
        }
    }

    @Test(
        "A refund goes through the gateway only up to what the gateway took and has not refunded",
        arguments: TestDatabase.kinds)
    func refundCap(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            // ₹500 through the gateway, the other ₹715.40 by bank transfer.
            let checkout = try await bench.startPaying(invoice, amount: rupees(50_000))
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            let captured = PaymentBench.payment(on: checkout.orderID, amount: 50_000)
            #expect(try await bench.report(captured) == .applied)
            _ = try await bench.invoices.recordPayment(
                on: invoice.id, amount: rupees(71_540), method: .bankTransfer, provider: "manual", reference: "UTR2",
                actor: "test")
            bench.gateway.answers.refund = { request in
                GatewayRefund(
                    id: "rfnd_\(request.idempotencyKey.filter { $0.isLetter || $0.isNumber })",
                    paymentID: captured.id, amount: request.amount ?? 0, currency: "INR", status: .processed,
                    receipt: request.receipt, createdAt: 1_790_000_000)
            }
            let first = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(adjustments: [credit(0, 30_000)], reason: "Part of the month", destination: .refund),
                actor: "ops")
            #expect(first.refunds.map(\.amount) == [rupees(35_400)])
            #expect(first.refunds.map(\.status) == [.processed])
            #expect(bench.gateway.refundRequests.map(\.amount) == [35_400 as Int64?])
            // ₹354 of the gateway's ₹500 went back: ₹236 more is too much for the gateway.
            let tooMuch = await #expect(throws: EngineError.self) {
                try await bench.corrections.issueCreditNote(
                    against: invoice.id,
                    .init(adjustments: [credit(0, 20_000)], reason: "More", destination: .refund), actor: "ops")
            }
            #expect(tooMuch?.code == .invalidAmount)
            #expect(tooMuch?.message.contains("₹146.00") == true)
            #expect(bench.gateway.refundRequests.count == 1, "a refused credit asks the gateway nothing")
            #expect(try await bench.database.store.invoices.corrections(of: invoice.id).count == 1)
            // ₹118 fits within the ₹146 left; the rest of a credit can go to the wallet.
            _ = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(adjustments: [credit(0, 10_000)], reason: "Some more", destination: .refund), actor: "ops")
            #expect(bench.gateway.refundRequests.map(\.amount) == [35_400, 11_800] as [Int64?])
            _ = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(adjustments: [credit(0, 20_000)], reason: "The wallet", destination: .wallet), actor: "ops")
            #expect(try await bench.database.store.wallet.balance(of: bench.workspace.id, in: .inr) == rupees(23_600))
        }
    }

    @Test(
        "After partial credits, a void or full reversal credits and returns only what is left",
        arguments: TestDatabase.kinds)
    func fullAfterPartial(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            // Void: ₹118 credited off the amount due, then the rest voided; the notes add up to the invoice.
            let open = try await bench.openInvoice()
            let partial = try await bench.corrections.issueCreditNote(
                against: open.id, .init(adjustments: [credit(0, 10_000)], reason: "Outage"), actor: "ops")
            let (voided, rest) = try await bench.invoices.cancel(open.id, reason: "Billed twice", actor: "ops")
            #expect(voided.state == .cancelled)
            #expect(partial.creditNote.total + (rest?.total ?? rupees(0)) == open.total)
            #expect(rest?.tax.total == open.tax.total - partial.creditNote.tax.total)
            #expect(rest?.correction?.originalNumber == open.number)

            // Reverse in full: ₹236 already went to the wallet, so only the other ₹979.40 goes back.
            let paid = try await bench.payByTransfer(try await bench.openInvoice())
            _ = try await bench.corrections.issueCreditNote(
                against: paid.id, .init(adjustments: [credit(0, 20_000)], reason: "Seats", destination: .wallet),
                actor: "ops")
            let (_, note, refunds) = try await bench.payments.creditAndRefund(
                paid.id, reason: "Cancelled contract", to: .wallet, actor: "ops")
            #expect(note.total == paid.total - rupees(23_600))
            #expect(refunds.filter { $0.creditNoteID == note.id }.map(\.amount) == [paid.total - rupees(23_600)])
            #expect(try await bench.database.store.wallet.balance(of: bench.workspace.id, in: .inr) == paid.total)
        }
    }

    @Test("A refund the gateway refused is not counted as gone back: the credit can go elsewhere")
    func failedRefund() async throws {
        try await PaymentBench.run(.sqlite) { bench in
            let invoice = try await bench.openInvoice()
            // ₹600 through the gateway; the rest stays due.
            let checkout = try await bench.startPaying(invoice, amount: rupees(60_000))
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            let captured = PaymentBench.payment(on: checkout.orderID, amount: 60_000)
            #expect(try await bench.report(captured) == .applied)
            bench.gateway.answers.refund = { request in
                GatewayRefund(
                    id: "rfnd_failed", paymentID: captured.id, amount: request.amount ?? 0, currency: "INR",
                    status: .failed, receipt: request.receipt, createdAt: 1_790_000_000)
            }
            let refused = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(adjustments: [credit(0, 50_000)], reason: "Half the fee", destination: .refund), actor: "ops")
            #expect(refused.refunds.map(\.status) == [.failed])
            // ₹590 did not go back, so ₹472 more can go to the wallet out of the ₹600 paid.
            _ = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(adjustments: [credit(0, 40_000)], reason: "To the wallet", destination: .wallet), actor: "ops")
            #expect(try await bench.database.store.wallet.balance(of: bench.workspace.id, in: .inr) == rupees(47_200))
        }
    }

    @Test(
        "A bank transfer cannot be refunded through the gateway; the wallet or the credit balance can take it",
        arguments: TestDatabase.kinds)
    func transferRefund(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.payByTransfer(try await bench.openInvoice())
            let refused = await #expect(throws: EngineError.self) {
                try await bench.corrections.issueCreditNote(
                    against: invoice.id, .init(adjustments: [credit(0, 10_000)], reason: "x", destination: .refund),
                    actor: "ops")
            }
            #expect(refused?.code == .invalidAmount)
            #expect(refused?.message.contains("gateway") == true)
            _ = try await bench.corrections.issueCreditNote(
                against: invoice.id, .init(adjustments: [credit(0, 10_000)], reason: "x", destination: .wallet),
                actor: "ops")
            #expect(try await bench.database.store.wallet.balance(of: bench.workspace.id, in: .inr) == rupees(11_800))
        }
    }

    @Test(
        "A credit kept as balance pays the next invoice first, before any other payment",
        arguments: TestDatabase.kinds)
    func creditBalanceUsedNext(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let paid = try await bench.payByTransfer(try await bench.openInvoice())
            let outcome = try await bench.corrections.issueCreditNote(
                against: paid.id, .init(adjustments: [credit(0, 20_000)], reason: "Overcharged seats"), actor: "ops")
            // Paid by transfer, nothing went through the gateway: kept as credit balance by default.
            #expect(outcome.creditNote.correction?.destination == .creditBalance)
            let store = bench.database.store
            #expect(try await store.creditBalance.balance(of: bench.workspace.id, in: .inr) == rupees(23_600))
            let next = try await bench.openInvoice()
            #expect(next.amountPaid == rupees(23_600))
            #expect(next.amountDue == next.total - rupees(23_600))
            #expect(next.payments.map(\.method) == [.creditBalance])
            #expect(try await store.creditBalance.balance(of: bench.workspace.id, in: .inr).isZero)
            let events = try await store.events.list(EventFilter(invoiceID: next.id), limit: 50, startingAfter: nil)
            #expect(events.map(\.type).contains(.creditBalanceApplied))
            // A third invoice finds nothing left.
            let third = try await bench.openInvoice()
            #expect(third.amountPaid.isZero)
        }
    }

    @Test("A commercial credit note adjusts no GST and runs in its own series")
    func commercial() async throws {
        try await PaymentBench.run(.sqlite) { bench in
            let invoice = try await bench.openInvoice()
            let outcome = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(adjustments: [credit(0, 10_000)], reason: "Goodwill", adjustsGST: false), actor: "ops")
            #expect(outcome.creditNote.number?.hasPrefix("CCN/") == true)
            #expect(outcome.creditNote.tax.heads.isEmpty)
            #expect(outcome.creditNote.total == rupees(10_000))
            #expect(outcome.creditNote.correction?.adjustsGST == false)
            // Its number leaves no gap in the GST credit notes' series.
            let gst = try await bench.corrections.issueCreditNote(
                against: invoice.id, .init(adjustments: [credit(0, 10_000)], reason: "Outage"), actor: "ops")
            #expect(gst.creditNote.number == "CN/26-27/000001")
            #expect(outcome.creditNote.number == "CCN/26-27/000001")
        }
    }

    @Test("A GST credit note past its deadline is refused with the reason and the way out")
    func deadline() async throws {
        try await PaymentBench.run(.sqlite) { bench in
            let invoice = try await bench.openInvoice()
            // The invoice is of 2026-27 (issued in September 2026); 1 December 2027 is past 30 November 2027.
            bench.clock.set(
                CalendarDate(year: 2027, month: 12, day: 1)!.start(in: .indiaStandardTime).addingTimeInterval(43_200))
            let late = await #expect(throws: EngineError.self) {
                try await bench.corrections.issueCreditNote(
                    against: invoice.id, .init(adjustments: [credit(0, 10_000)], reason: "late"), actor: "ops")
            }
            #expect(late?.code == .deadlinePassed)
            #expect(late?.message.contains("commercial credit note") == true)
            // Voiding would issue a GST credit note too: refused alike, and nothing changes.
            let void = await #expect(throws: EngineError.self) {
                try await bench.invoices.cancel(invoice.id, reason: "late", actor: "ops")
            }
            #expect(void?.code == .deadlinePassed)
            #expect(try await bench.invoice(invoice.id).state == .open)
            // A commercial credit note can still credit every line's value; the GST charged on it stays due.
            let commercial = try await bench.corrections.issueCreditNote(
                against: invoice.id,
                .init(
                    adjustments: CorrectionPlan.remainder(of: invoice, after: CreditedSoFar(notes: [])),
                    reason: "Written off", adjustsGST: false), actor: "ops")
            #expect(commercial.invoice.state == .open)
            #expect(commercial.invoice.amountDue == invoice.tax.total)
        }
    }

    @Test("A debit note charges the undercharge under the invoice's heads, due after the payment terms")
    func debitNote() async throws {
        try await PaymentBench.run(.sqlite) { bench in
            let invoice = try await bench.openInvoice()
            let (_, note) = try await bench.corrections.issueDebitNote(
                against: invoice.id, adjustments: [LineAdjustment(position: 1, measure: .quantity(FixedDecimal(10)))],
                reason: "Usage missed by the meter", actor: "ops")
            #expect(note.number?.hasPrefix("DN/") == true)
            #expect(note.kind == .debitNote && note.state == .open)
            #expect(note.subtotal == rupees(2_400))
            #expect(note.tax.heads.map(\.head) == [.cgst, .sgst])
            #expect(note.amountDue == rupees(2_832))
            #expect(note.dueDate == note.issueDate?.adding(days: bench.workspace.paymentTermsDays))
            #expect(note.isPayable(online: true, today: bench.clock.billingClock().today))
        }
    }

    // MARK: Disputes

    @Test(
        "An open dispute shows, sets its amount aside from dunning, and a resolution credits in part",
        arguments: TestDatabase.kinds)
    func disputeResolvedWithCredit(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let dispute = try await bench.disputes.open(
                on: invoice.id, of: bench.workspace.id,
                .init(
                    reason: .usageWrong, linePositions: [1], expectedTotal: invoice.total - rupees(3_540),
                    message: "We ran no pods in October",
                    uploads: [.init(filename: "usage.png", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1])]),
                author: "owner@acme.example")
            #expect(dispute.disputedAmount == rupees(3_540))
            let store = bench.database.store
            let held = try await bench.invoice(invoice.id)
            #expect(held.openDispute?.id == dispute.id)
            #expect(held.displayStatus(today: bench.clock.billingClock().today) == .disputed)
            // Long after the due date, only the undisputed part counts towards dunning.
            let unpaid = try await store.dunning.unpaidInvoices(of: bench.workspace.id)
            #expect(unpaid.map(\.undisputedAmountDue) == [invoice.total - rupees(3_540)])
            let again = await #expect(throws: EngineError.self) {
                try await bench.disputes.open(
                    on: invoice.id, of: bench.workspace.id,
                    .init(reason: .other, linePositions: [], expectedTotal: rupees(0), message: "again", uploads: []),
                    author: "owner@acme.example")
            }
            #expect(again?.code == .invalidState)

            _ = try await bench.disputes.review(dispute.id, actor: "ops")
            _ = try await bench.disputes.comment(
                on: dispute.id, of: nil, role: .platformOperator, author: "ops", body: "Looking at the meter")
            let (resolved, outcome) = try await bench.disputes.resolve(
                dispute.id, explanation: "The pods were a test; credited",
                credit: .init(
                    adjustments: [LineAdjustment(position: 1, measure: .quantity(FixedDecimal("12.5")!))],
                    reason: "Dispute"),
                actor: "ops")
            #expect(resolved.state == .resolved)
            #expect(resolved.creditNoteID == outcome?.creditNote.id)
            #expect(outcome?.creditNote.total == rupees(3_540))
            let after = try await bench.invoice(invoice.id)
            #expect(after.openDispute == nil)
            #expect(after.amountDue == invoice.total - rupees(3_540))
            #expect(
                try await store.disputes.comments(of: dispute.id).map(\.role) == [
                    .customer, .platformOperator, .platformOperator,
                ])
            #expect(try await store.disputes.attachments(of: dispute.id).map(\.contentType) == [.png])
            let types = try await store.events.list(EventFilter(invoiceID: invoice.id), limit: 50, startingAfter: nil)
                .map(\.type)
            #expect(
                types.filter { $0.rawValue.hasPrefix("dispute.") } == [
                    .disputeOpened, .disputeUpdated, .disputeUpdated, .disputeResolved,
                ])
        }
    }

    @Test("Disputes stay in their workspace: another workspace cannot raise, comment on or withdraw them")
    func disputeTenancy() async throws {
        try await PaymentBench.run(.sqlite) { bench in
            let invoice = try await bench.openInvoice()
            let other = Fixtures.workspace(name: "Other")
            try await bench.database.store.workspaces.create(other)
            let opening = DisputeService.Opening(
                reason: .rateWrong, linePositions: [0], expectedTotal: rupees(0), message: "Wrong", uploads: [])
            let foreign = await #expect(throws: EngineError.self) {
                try await bench.disputes.open(on: invoice.id, of: other.id, opening, author: "x@other.example")
            }
            #expect(foreign?.code == .notFound)
            let dispute = try await bench.disputes.open(
                on: invoice.id, of: bench.workspace.id, opening, author: "owner@acme.example")
            let comment = await #expect(throws: EngineError.self) {
                try await bench.disputes.comment(
                    on: dispute.id, of: other.id, role: .customer, author: "x@other.example", body: "hi")
            }
            #expect(comment?.code == .notFound)
            let withdraw = await #expect(throws: EngineError.self) {
                try await bench.disputes.withdraw(dispute.id, of: other.id, actor: "x@other.example")
            }
            #expect(withdraw?.code == .notFound)
            let withdrawn = try await bench.disputes.withdraw(dispute.id, of: bench.workspace.id, actor: "owner")
            #expect(withdrawn.state == .withdrawn)
            #expect(try await bench.invoice(invoice.id).openDispute == nil)
        }
    }

    @Test("Bad attachments are refused before anything is stored")
    func badAttachments() async throws {
        try await PaymentBench.run(.sqlite) { bench in
            let invoice = try await bench.openInvoice()
            let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]
            let cases: [[DisputeService.Upload]] = [
                [.init(filename: "bill.pdf", bytes: elf)],
                [
                    .init(
                        filename: "big.pdf", bytes: Array("%PDF-".utf8) + [UInt8](repeating: 32, count: 2 * 1024 * 1024)
                    )
                ],
                Array(repeating: .init(filename: "a.pdf", bytes: Array("%PDF-1.4".utf8)), count: 4),
            ]
            for uploads in cases {
                let error = await #expect(throws: EngineError.self) {
                    try await bench.disputes.open(
                        on: invoice.id, of: bench.workspace.id,
                        .init(
                            reason: .other, linePositions: [], expectedTotal: rupees(0), message: "m", uploads: uploads),
                        author: "owner")
                }
                #expect(error?.code == .invalidField)
                #expect(error?.param == "attachments")
            }
            #expect(
                try await bench.database.store.disputes.list(DisputeFilter(), limit: 10, startingAfter: nil).isEmpty)
        }
    }
}
