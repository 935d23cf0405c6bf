import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import BillfoldTestSupport
import Foundation
import SQLKit
import Testing

/// The event log as the engine writes it: each change a platform cares about is one event, written in the
/// transaction of the change, with the change's ids and data.
@Suite("Events recorded with their changes")
struct EventLogTests {
    /// The events about `invoice` (or about it as a credit note), oldest first.
    static func events(about invoice: InvoiceID, in database: Database) async throws -> [BillingEvent] {
        try await database.store.events.list(EventFilter(invoiceID: invoice), limit: 100, startingAfter: nil)
    }

    /// Every event of the workspace, oldest first.
    static func events(of workspace: WorkspaceID, in database: Database) async throws -> [BillingEvent] {
        try await database.store.events.list(EventFilter(workspaceID: workspace), limit: 100, startingAfter: nil)
    }

    static func inr(_ minorUnits: Int64) -> EventValue { .money(Money(minorUnits: minorUnits, currency: .inr)) }

    /// From now on every audit entry fails, as a step that breaks after the event was written would: the changes
    /// that write one roll back.
    static func refuseAuditEntries(in database: Database) async throws {
        switch database.kind {
        case .sqlite:
            try await database.sql.raw(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ).run()
        case .postgres:
            try await database.sql.raw(
                """
                CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql
                AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$
                """
            ).run()
            try await database.sql.raw(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
            ).run()
        }
    }

    // MARK: Invoices

    @Test(
        "Finalizing is invoice.finalized with the invoice's number and amounts; a partial payment and the rest are two payment.succeeded and one invoice.paid",
        arguments: TestDatabase.kinds)
    func finalizeAndPay(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let finalized = try await Self.events(about: invoice.id, in: bench.database)
            #expect(finalized.map(\.type) == [.invoiceFinalized])
            let event = try #require(finalized.first)
            #expect(event.workspaceID == bench.workspace.id && event.invoiceID == invoice.id)
            #expect(event.paymentID == nil && event.createdAt == Fixtures.now)
            #expect(
                event.data == [
                    "number": "INV/26-27/000001", "kind": "invoice", "currency": "INR", "total": Self.inr(121_540),
                    "amount_paid": Self.inr(0), "amount_due": Self.inr(121_540), "issue_date": "2026-09-21",
                    "due_date": "2026-10-06",
                ])

            let part = try await bench.invoices.recordPayment(
                on: invoice.id, amount: Money(minorUnits: 21_540, currency: .inr), method: .bankTransfer,
                provider: "manual", reference: "UTR1", actor: "test")
            let paid = try await bench.invoices.recordPayment(
                on: invoice.id, amount: part.amountDue, method: .upi, provider: "manual", reference: nil, actor: "test")
            let events = try await Self.events(about: invoice.id, in: bench.database)
            #expect(events.map(\.type) == [.invoiceFinalized, .paymentSucceeded, .paymentSucceeded, .invoicePaid])
            #expect(events[1].paymentID == paid.payments[0].id && events[2].paymentID == paid.payments[1].id)
            #expect(
                events[1].data == [
                    "amount": Self.inr(21_540), "currency": "INR", "method": "bank_transfer", "provider": "manual",
                    "status": "succeeded", "invoice_number": "INV/26-27/000001", "invoice_kind": "invoice",
                ])
            #expect(events[3].paymentID == paid.payments[1].id)
            #expect(events[3].data["payment_method"] == "upi" && events[3].data["amount_due"] == Self.inr(0))
            #expect(events[3].data["amount_paid"] == Self.inr(121_540))
        }
    }

    @Test(
        "A change that rolls back leaves no event: finalizing, a payment and a billing run whose audit entry fails",
        arguments: TestDatabase.kinds)
    func rolledBack(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let open = try await bench.openInvoice()
            let draft = try await bench.invoices.createDraft(
                kind: .invoice, workspaceID: bench.workspace.id, subscriptionID: nil,
                periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
                periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: "Growth - Monthly",
                lines: Fixtures.lines())
            let plan = BillingRunTests.plan
            try await bench.database.store.plans.create(plan)
            try await bench.database.store.subscriptions.create(
                Subscription(
                    id: .generate(), workspaceID: bench.workspace.id, planID: plan.id, seats: 5, status: .active,
                    currentPeriodStart: CalendarDate(year: 2026, month: 8, day: 1)!,
                    currentPeriodEnd: CalendarDate(year: 2026, month: 9, day: 1)!, cancelAtPeriodEnd: false,
                    createdAt: Fixtures.now))
            let before = try await Self.events(of: bench.workspace.id, in: bench.database)
            #expect(before.map(\.type) == [.invoiceFinalized])

            try await Self.refuseAuditEntries(in: bench.database)
            await #expect(throws: (any Error).self) { try await bench.invoices.finalize(draft.id, actor: "test") }
            await #expect(throws: (any Error).self) {
                try await bench.invoices.recordPayment(
                    on: open.id, amount: open.amountDue, method: .bankTransfer, provider: "manual", reference: "UTR1",
                    actor: "test")
            }
            let report = try await BillingRun(invoices: bench.invoices).run(asOf: Fixtures.now, actor: "test")
            #expect(report.invoices.isEmpty && report.failures.count == 1)

            #expect(try await Self.events(of: bench.workspace.id, in: bench.database) == before)
            #expect(try await bench.invoice(draft.id).state == .draft)
            #expect(try await bench.invoice(open.id).state == .open)
        }
    }

    @Test(
        "Voiding an open invoice is credit_note.created and invoice.voided; discarding a draft is no event",
        arguments: TestDatabase.kinds)
    func void(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let (cancelled, creditNote) = try await bench.invoices.cancel(
                invoice.id, reason: "billed twice", actor: "test")
            let note = try #require(creditNote)
            let events = try await Self.events(about: invoice.id, in: bench.database)
            #expect(events.map(\.type) == [.invoiceFinalized, .creditNoteCreated, .invoiceVoided])
            let created = events[1]
            #expect(created.invoiceID == invoice.id && created.creditNoteID == note.id)
            #expect(
                created.data == [
                    "number": "CN/26-27/000001", "currency": "INR", "total": Self.inr(121_540),
                    "invoice_number": "INV/26-27/000001", "reason": "billed twice",
                ])
            let voided = events[2]
            #expect(voided.invoiceID == invoice.id && voided.creditNoteID == note.id)
            #expect(voided.data["reason"] == "billed twice" && voided.data["credit_note_number"] == "CN/26-27/000001")
            #expect(voided.data["amount_due"] == Self.inr(0) && cancelled.state == .cancelled)
            // The credit note's own finalization is no invoice.finalized; the note's events are those that name it.
            #expect(
                try await Self.events(about: note.id, in: bench.database).map(\.type) == [
                    .creditNoteCreated, .invoiceVoided,
                ])

            let draft = try await bench.invoices.createDraft(
                kind: .invoice, workspaceID: bench.workspace.id, subscriptionID: nil,
                periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
                periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: "Growth - Monthly",
                lines: Fixtures.lines())
            _ = try await bench.invoices.cancel(draft.id, reason: "mistake", actor: "test")
            #expect(try await Self.events(about: draft.id, in: bench.database).isEmpty)
        }
    }

    // MARK: The wallet

    @Test(
        "A top-up is payment.succeeded and wallet.topped_up with the balance; paying from the wallet is payment.succeeded and, once nothing is due, invoice.paid",
        arguments: TestDatabase.kinds)
    func wallet(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let workspace = Fixtures.workspace(billingMode: .prepaid)
            try await Fixtures.seed(database.store, workspace: workspace)
            let invoices = InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
            let wallet = WalletService(invoices: invoices)
            let receipt = try await wallet.topUp(
                workspace.id, amount: Money(minorUnits: 100_000, currency: .inr), method: .upi, reference: "UTR7",
                actor: "test")
            let topUp = try await Self.events(about: receipt.id, in: database)
            #expect(topUp.map(\.type) == [.paymentSucceeded, .walletToppedUp])
            let payment = try #require(receipt.payments.first)
            #expect(topUp.allSatisfy { $0.paymentID == payment.id && $0.workspaceID == workspace.id })
            #expect(topUp[0].data["invoice_kind"] == "receipt" && topUp[0].data["method"] == "upi")
            #expect(
                topUp[1].data == [
                    "amount": Self.inr(100_000), "currency": "INR", "method": "upi", "number": "RCT/26-27/000001",
                    "balance": Self.inr(100_000),
                ])

            let invoice = try await invoices.octoberInvoice(for: workspace.id)
            _ = try await wallet.pay(invoice.id, actor: "test")
            #expect(
                try await Self.events(about: invoice.id, in: database).map(\.type) == [
                    .invoiceFinalized, .paymentSucceeded,
                ])
            _ = try await wallet.topUp(
                workspace.id, amount: Money(minorUnits: 50_000, currency: .inr), method: .bankTransfer,
                reference: nil, actor: "test")
            let paid = try await wallet.pay(invoice.id, actor: "test")
            let events = try await Self.events(about: invoice.id, in: database)
            #expect(events.map(\.type) == [.invoiceFinalized, .paymentSucceeded, .paymentSucceeded, .invoicePaid])
            #expect(events[2].data["amount"] == Self.inr(21_540) && events[2].data["method"] == "wallet")
            #expect(events[3].paymentID == paid.payments.last?.id && events[3].data["payment_method"] == "wallet")
        }
    }

    // MARK: The gateway

    @Test(
        "A capture is payment.succeeded and invoice.paid once, however often it is reported",
        arguments: TestDatabase.kinds)
    func capture(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let captured = try await bench.payInFull(invoice)
            #expect(try await bench.report(captured) == .applied)
            #expect(try await bench.report(captured, as: "order.paid") == .applied)
            let events = try await Self.events(about: invoice.id, in: bench.database)
            #expect(events.map(\.type) == [.invoiceFinalized, .paymentSucceeded, .invoicePaid])
            let attempt = try #require(try await bench.invoice(invoice.id).payments.first)
            #expect(events.dropFirst().allSatisfy { $0.paymentID == attempt.id })
            #expect(events[1].data["method"] == "upi" && events[1].data["provider"] == .string(attempt.provider))
            #expect(events[1].data["amount"] == Self.inr(121_540))
        }
    }

    @Test(
        "An attempt abandoned at checkout is payment.failed and invoice.payment_failed once, with the reason",
        arguments: TestDatabase.kinds)
    func abandoned(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let checkout = try await bench.startPaying(invoice)
            bench.gateway.answers.fetchPayments = { _ in [] }
            bench.clock.advance(by: 31 * PaymentBench.minute)
            _ = try await bench.payments.refresh(invoice.id, actor: "test")
            _ = try await bench.payments.refresh(invoice.id, actor: "test")
            let events = try await Self.events(about: invoice.id, in: bench.database)
            #expect(events.map(\.type) == [.invoiceFinalized, .paymentFailed, .invoicePaymentFailed])
            #expect(events.dropFirst().allSatisfy { $0.paymentID == checkout.payment.id })
            let reason = EventValue.string("checkout was abandoned: no payment was made on the order")
            #expect(events[1].data["failure_reason"] == reason && events[1].data["status"] == "failed")
            #expect(events[2].data["failure_reason"] == reason && events[2].data["amount"] == Self.inr(121_540))
            #expect(events[2].data["amount_due"] == Self.inr(121_540))
        }
    }

    @Test("A refused auto-pay debit is payment.failed and invoice.payment_failed", arguments: TestDatabase.kinds)
    func refusedDebit(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind, autoPay: true) { bench in
            _ = try await AutoPayServiceTests.confirmedMandate(on: bench)
            let invoice = try await bench.openInvoice()
            #expect(try await bench.autoPay.scheduleDebits() == 1)
            bench.clock.advance(by: 25 * PaymentBench.hour)
            bench.gateway.answers.createOrder = { request in PaymentBench.order(for: request) }
            bench.gateway.answers.chargeRecurring = { _ in
                throw GatewayError.rejected(
                    status: 400, code: "BAD_REQUEST_ERROR", description: "insufficient funds", field: nil,
                    reason: "insufficient_funds")
            }
            #expect(try await bench.autoPay.chargeDue() == 1)
            let events = try await Self.events(about: invoice.id, in: bench.database)
            #expect(events.map(\.type) == [.invoiceFinalized, .paymentFailed, .invoicePaymentFailed])
            let attempt = try #require(try await bench.invoice(invoice.id).payments.first)
            #expect(events.dropFirst().allSatisfy { $0.paymentID == attempt.id })
            #expect(events[2].data["failure_reason"] == .optional(attempt.failureReason))
        }
    }

    // MARK: Credits and refunds

    @Test(
        "Crediting a paid invoice into the wallet is invoice.voided, credit_note.created and refund.processed at once",
        arguments: TestDatabase.kinds)
    func creditIntoWallet(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            _ = try await bench.payInFull(invoice)
            let (_, creditNote, refunds) = try await bench.payments.creditAndRefund(
                invoice.id, reason: "Goodwill", to: .wallet, actor: "test")
            let refund = try #require(refunds.first)
            let events = try await Self.events(about: invoice.id, in: bench.database)
            #expect(
                events.map(\.type) == [
                    .invoiceFinalized, .paymentSucceeded, .invoicePaid, .creditNoteCreated, .invoiceVoided,
                    .refundProcessed,
                ])
            let processed = events[5]
            #expect(processed.refundID == refund.id && processed.creditNoteID == creditNote.id)
            #expect(processed.paymentID == refund.paymentID && processed.invoiceID == invoice.id)
            #expect(
                processed.data == [
                    "amount": Self.inr(121_540), "currency": "INR", "destination": "wallet", "reason": "credit_note",
                    "status": "processed",
                ])
            #expect(events[4].data["amount_paid"] == Self.inr(121_540) && events[4].data["reason"] == "Goodwill")
        }
    }

    @Test(
        "A gateway refund is refund.processed once, when the gateway reports it, by webhook or when asked",
        arguments: TestDatabase.kinds)
    func gatewayRefund(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let captured = try await bench.payInFull(invoice)
            bench.gateway.answers.refund = { request in
                PaymentBench.refund(for: request, status: .pending, id: "rfnd_events000001")
            }
            let refund = try #require(
                try await bench.payments.creditAndRefund(invoice.id, reason: "Outage", to: .gateway, actor: "test")
                    .refunds.first)
            #expect(
                try await Self.events(about: invoice.id, in: bench.database).map(\.type).last == .invoiceVoided)

            let processed = try TestGateway.webhook(
                "refund.processed",
                refund: GatewayRefund(
                    id: "rfnd_events000001", paymentID: captured.id, amount: 121_540, currency: "INR",
                    status: .processed, receipt: refund.id.rawValue, createdAt: 1_790_000_000))
            #expect(try await bench.deliver(processed) == .applied)
            #expect(try await bench.deliver(processed) == .duplicate)
            // Reconciliation finds nothing pending any more.
            bench.clock.advance(by: 5 * PaymentBench.minute)
            try await bench.payments.reconcile()
            let refunds = try await Self.events(about: invoice.id, in: bench.database).filter {
                $0.type == .refundProcessed
            }
            #expect(refunds.map(\.refundID) == [refund.id])
            #expect(refunds.first?.data["destination"] == "gateway")
        }
    }

    // MARK: Billing runs

    @Test(
        "A billing run is one invoice.finalized per invoice, and a prepaid workspace's wallet payment",
        arguments: TestDatabase.kinds)
    func billingRun(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let runs = BillingRunTests()
            let (postpaid, _) = try await runs.subscribe(database.store, anchor: "2026-08-01")
            let (prepaid, _) = try await runs.subscribe(database.store, anchor: "2026-08-01", mode: .prepaid)
            let september = BillingRunTests.noon("2026-09-02")
            _ = try await WalletService(
                invoices: InvoiceService(database: database, clock: ManualClock(september).billingClock())
            ).topUp(
                prepaid.id, amount: Money(minorUnits: 10_000, currency: .inr), method: .upi, reference: nil,
                actor: "test")
            let report = try await runs.runner(database, now: BillingRunTests.noon("2026-10-02"))
                .run(asOf: BillingRunTests.noon("2026-10-02"), actor: "test")
            #expect(report.invoices.count == 4)
            let finalized = try await database.store.events.list(
                EventFilter(types: [.invoiceFinalized]), limit: 100, startingAfter: nil)
            #expect(Set(finalized.compactMap(\.invoiceID)) == Set(report.invoices) && finalized.count == 4)
            let postpaidEvents = try await Self.events(of: postpaid.id, in: database).map(\.type)
            #expect(postpaidEvents == [.invoiceFinalized, .invoiceFinalized])
            // The wallet pays what it can of August's invoice in the transaction that issues it; September's finds it
            // empty.
            let prepaidEvents = try await Self.events(of: prepaid.id, in: database).map(\.type)
            #expect(
                prepaidEvents == [
                    .paymentSucceeded, .walletToppedUp, .invoiceFinalized, .paymentSucceeded, .invoiceFinalized,
                ])
        }
    }
}
