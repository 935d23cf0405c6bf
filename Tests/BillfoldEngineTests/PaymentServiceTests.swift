import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

/// Paying invoices through the gateway, without HTTP: each test sets up only the gateway calls it expects, and the
/// test gateway fails any other.
@Suite("Payments through the gateway")
struct PaymentServiceTests {
    // MARK: Starting an attempt

    @Test(
        "Pay Now stores the attempt under the invoice's lock, then asks for one order; asking again returns it",
        arguments: TestDatabase.kinds)
    func payThroughGateway(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            bench.gateway.answers.createOrder = { [store = bench.database.store] request in
                // The attempt the order is for is already stored, so a crash now leaves it to reconciliation.
                let attempt = try? await store.payments.find(PaymentID(rawValue: request.receipt))
                #expect(attempt?.status == .processing)
                #expect(attempt != nil && attempt?.gatewayOrderID == nil)
                return PaymentBench.order(for: request)
            }
            let first = try await bench.payments.payThroughGateway(invoice.id, amount: nil, actor: "test")
            #expect(first.isNew)
            #expect(first.payment.amount == invoice.amountDue)
            #expect(first.keyID == "rzp_test_double")
            let request = try #require(bench.gateway.orderRequests.first)
            #expect(request.amount == 121_540 && request.currency == "INR")
            #expect(request.receipt == first.payment.id.rawValue)
            #expect(request.notes["invoice_id"] == invoice.id.rawValue)
            #expect(request.notes["invoice_number"] == invoice.number)
            #expect(request.customerID == nil && request.token == nil)

            let again = try await bench.payments.payThroughGateway(invoice.id, amount: nil, actor: "test")
            #expect(!again.isNew)
            #expect(again.payment.id == first.payment.id && again.orderID == first.orderID)
            #expect(bench.gateway.methodsCalled == [.createOrder])
            let stored = try await bench.invoice(invoice.id)
            #expect(stored.payments.map(\.status) == [.processing])
            #expect(stored.payments.first?.gatewayOrderID == first.orderID)
            #expect(stored.amountPaid.isZero)
            #expect(try await bench.auditCount("payment.started", about: invoice.id.rawValue) == 1)
        }
    }

    @Test(
        "What cannot be paid is refused before the gateway is asked anything", arguments: TestDatabase.kinds)
    func refusedBeforeTheGateway(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let refusals: [(amount: Money?, code: EngineError.Code)] = [
                (Money(minorUnits: 121_541, currency: .inr), .invalidAmount),
                (Money(minorUnits: 99, currency: .inr), .invalidAmount),
                (Money(minorUnits: 10_000, currency: .usd), .invalidAmount),
            ]
            for (amount, code) in refusals {
                let error = await #expect(throws: EngineError.self) {
                    try await bench.payments.payThroughGateway(invoice.id, amount: amount, actor: "test")
                }
                #expect(error?.code == code, "\(String(describing: amount))")
            }
            _ = try await bench.invoices.recordPayment(
                on: invoice.id, amount: invoice.amountDue, method: .bankTransfer, provider: "manual",
                reference: "UTR1", actor: "test")
            let paid = await #expect(throws: EngineError.self) {
                try await bench.payments.payThroughGateway(invoice.id, amount: nil, actor: "test")
            }
            #expect(paid?.code == .invalidState)
            #expect(bench.gateway.calls.isEmpty)
            #expect(try await bench.invoice(invoice.id).payments.map(\.method) == [.bankTransfer])
        }
    }

    @Test(
        "Concurrent Pay Now requests, arriving while the order is being made, all get the same attempt and order",
        arguments: TestDatabase.kinds)
    func concurrentRequests(kind: DatabaseKind) async throws {
        let requests = 8
        /// Requests waiting for the order, and whether the gateway has answered with it.
        let progress = Shared((waiting: 0, ordered: false))
        let sleep: @Sendable (Duration) async throws -> Void = { duration in
            progress.change { $0.waiting += 1 }
            await progress.wait(until: "the gateway answers with the order") { $0.ordered }
            try await Task.sleep(for: duration)
        }
        try await PaymentBench.run(kind, sleep: sleep) { bench in
            let invoice = try await bench.openInvoice()
            bench.gateway.answers.createOrder = { request in
                // Answer only once every other request has found the attempt and is waiting for its order.
                await progress.wait(until: "\(requests - 1) requests wait for the order") {
                    $0.waiting >= requests - 1
                }
                progress.change { $0.ordered = true }
                return PaymentBench.order(for: request)
            }
            let checkouts = try await withThrowingTaskGroup(of: PaymentService.Checkout.self) { group in
                for _ in 0..<requests {
                    group.addTask {
                        try await bench.payments.payThroughGateway(invoice.id, amount: nil, actor: "test")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(checkouts.count == requests)
            #expect(checkouts.filter(\.isNew).count == 1)
            #expect(Set(checkouts.map(\.payment.id)).count == 1)
            #expect(Set(checkouts.map(\.orderID)).count == 1)
            #expect(progress.current.waiting >= requests - 1)
            #expect(bench.gateway.methodsCalled == [.createOrder])
            #expect(try await bench.invoice(invoice.id).payments.count == 1)
            #expect(try await bench.auditCount("payment.started", about: invoice.id.rawValue) == 1)
        }
    }

    // MARK: Settling

    /// Where the news of a capture can come from.
    enum Source: String, CaseIterable, Sendable {
        case checkoutCallback, webhook, refresh, reconciliation

        /// What settling from this source first asks the gateway.
        var methods: [TestGateway.Method] {
            switch self {
            case .checkoutCallback: [.isValidCheckoutSignature, .fetchPayment]
            case .webhook: [.isValidWebhookSignature]
            case .refresh, .reconciliation: [.fetchPayments]
            }
        }
    }

    /// Tells the payment service about `captured` through `source`.
    static func settle(_ captured: GatewayPayment, of invoiceID: InvoiceID, from source: Source, on bench: PaymentBench)
        async throws
    {
        switch source {
        case .checkoutCallback:
            let orderID = try #require(captured.orderID)
            let completion = try await bench.payments.completeCheckout(
                orderID: orderID, paymentID: captured.id,
                signature: TestGateway.checkoutSignature(orderID: orderID, paymentID: captured.id), actor: "member")
            guard case .invoice(let invoice) = completion else {
                Issue.record("the checkout completed a mandate")
                return
            }
            #expect(invoice.id == invoiceID)
        case .webhook:
            #expect(try await bench.report(captured) == .applied)
        case .refresh:
            _ = try await bench.payments.refresh(invoiceID, actor: "member")
        case .reconciliation:
            bench.clock.advance(by: 2 * PaymentBench.minute)
            try await bench.payments.reconcile()
        }
    }

    @Test(
        "A capture is settled from any source, once: the other sources that report it later change nothing",
        arguments: TestDatabase.kinds, Source.allCases)
    func settleOnce(kind: DatabaseKind, source: Source) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let checkout = try await bench.startPaying(invoice)
            let captured = PaymentBench.payment(on: checkout.orderID, amount: 121_540)
            bench.gateway.answers.isValidCheckoutSignature = TestGateway.checksCheckoutSignatures
            bench.gateway.answers.fetchPayment = { id in
                #expect(id == captured.id)
                return captured
            }
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            bench.gateway.answers.fetchPayments = { orderID in
                #expect(orderID == checkout.orderID)
                return [captured]
            }
            // Within its grace period reconciliation leaves the attempt to the webhook.
            bench.clock.advance(by: 30)
            #expect(try await bench.payments.reconcile() == 0)
            #expect(try await bench.invoice(invoice.id).state == .open)

            try await Self.settle(captured, of: invoice.id, from: source, on: bench)
            #expect(bench.gateway.methodsCalled == [.createOrder] + source.methods)
            let paid = try await bench.invoice(invoice.id)
            #expect(paid.state == .paid)
            #expect(paid.amountPaid.minorUnits == 121_540)
            let attempt = try #require(paid.payments.first)
            #expect(paid.payments.count == 1)
            #expect(attempt.status == .succeeded && attempt.reference == captured.id && attempt.method == .upi)
            #expect(attempt.paidAt == bench.clock.now)

            for second in Source.allCases {
                try await Self.settle(captured, of: invoice.id, from: second, on: bench)
                #expect(try await bench.invoice(invoice.id) == paid, "reported again by \(second)")
            }
            #expect(try await bench.auditCount("payment.succeeded", about: invoice.id.rawValue) == 1)
            #expect(!bench.gateway.methodsCalled.contains(.refund))
        }
    }

    @Test(
        "A redelivered webhook is a duplicate; a forged one is refused before anything is read",
        arguments: TestDatabase.kinds)
    func webhookDeliveries(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let checkout = try await bench.startPaying(invoice)
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            let captured = try TestGateway.webhook(
                "payment.captured", payment: PaymentBench.payment(on: checkout.orderID, amount: 121_540))
            var forged = captured
            forged.body[forged.body.count / 2] ^= 0x01
            let refused = await #expect(throws: EngineError.self) { try await bench.deliver(forged) }
            #expect(refused?.code == .invalidSignature)
            #expect(try await bench.invoice(invoice.id).state == .open)

            #expect(try await bench.deliver(captured) == .applied)
            #expect(try await bench.deliver(captured) == .duplicate)
            #expect(try await bench.invoice(invoice.id).state == .paid)
            #expect(try await bench.auditCount("payment.succeeded", about: invoice.id.rawValue) == 1)
            // An event about an order Billfold never made is recorded and ignored.
            let stranger = try TestGateway.webhook(
                "payment.captured", payment: PaymentBench.payment(on: "order_elsewhere01", amount: 500))
            #expect(try await bench.deliver(stranger) == .ignored)
        }
    }

    @Test(
        "The checkout callback is checked against the order we stored before the gateway is asked about the payment",
        arguments: TestDatabase.kinds)
    func checkoutCallbackChecks(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let checkout = try await bench.startPaying(invoice)
            bench.gateway.answers.isValidCheckoutSignature = TestGateway.checksCheckoutSignatures
            let paymentID = "pay_callback00001"
            // Signed for another order than the one it names: refused, and the gateway is not asked.
            let forged = await #expect(throws: EngineError.self) {
                try await bench.payments.completeCheckout(
                    orderID: checkout.orderID, paymentID: paymentID,
                    signature: TestGateway.checkoutSignature(orderID: "order_another00001", paymentID: paymentID),
                    actor: "member")
            }
            #expect(forged?.code == .invalidSignature)
            let unknown = await #expect(throws: EngineError.self) {
                try await bench.payments.completeCheckout(
                    orderID: "order_another00001", paymentID: paymentID,
                    signature: TestGateway.checkoutSignature(orderID: "order_another00001", paymentID: paymentID),
                    actor: "member")
            }
            #expect(unknown?.code == .notFound)
            #expect(bench.gateway.methodsCalled == [.createOrder, .isValidCheckoutSignature])

            // Signed right, but the gateway says the payment was made on another order.
            bench.gateway.answers.fetchPayment = { id in
                PaymentBench.payment(on: "order_another00001", amount: 121_540, id: id)
            }
            let elsewhere = await #expect(throws: EngineError.self) {
                try await bench.payments.completeCheckout(
                    orderID: checkout.orderID, paymentID: paymentID,
                    signature: TestGateway.checkoutSignature(orderID: checkout.orderID, paymentID: paymentID),
                    actor: "member")
            }
            #expect(elsewhere?.code == .invalidRequest)
            #expect(try await bench.invoice(invoice.id).payments.map(\.status) == [.processing])
        }
    }

    // MARK: Over-capture and abandoned orders

    @Test(
        "A capture above what is due pays the due and refunds the rest through the gateway, keyed by the refund's id",
        arguments: TestDatabase.kinds)
    func overCapture(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let checkout = try await bench.startPaying(invoice)
            // Checkout is abandoned; half an hour later the attempt fails and ₹500 arrive by bank transfer.
            bench.gateway.answers.fetchPayments = { _ in [] }
            bench.clock.advance(by: 31 * PaymentBench.minute)
            #expect(try await bench.payments.refresh(invoice.id, actor: "member").lastAttemptFailed)
            _ = try await bench.invoices.recordPayment(
                on: invoice.id, amount: Money(minorUnits: 50_000, currency: .inr), method: .bankTransfer,
                provider: "manual", reference: "UTR1", actor: "test")

            // Then the payer completes the old order after all, for the full ₹1,215.40.
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            bench.gateway.answers.refund = { request in PaymentBench.refund(for: request, status: .processed) }
            let captured = PaymentBench.payment(on: checkout.orderID, amount: 121_540)
            #expect(try await bench.report(captured) == .applied)

            let paid = try await bench.invoice(invoice.id)
            #expect(paid.state == .paid)
            #expect(paid.amountPaid.minorUnits == 121_540)
            let refunds = try await bench.database.store.refunds.list(for: invoice.id)
            let refund = try #require(refunds.first)
            #expect(refunds.count == 1)
            #expect(refund.destination == .gateway && refund.reason == "overpayment")
            #expect(refund.amount.minorUnits == 50_000 && refund.status == .processed)
            #expect(refund.gatewayPaymentID == captured.id && refund.gatewayRefundID == "rfnd_test0000001")
            #expect(
                bench.gateway.refundRequests == [
                    RefundRequest(
                        paymentID: captured.id, amount: 50_000, idempotencyKey: refund.id.rawValue,
                        receipt: refund.id.rawValue, notes: ["reason": "overpayment"])
                ])
            let succeeded = try await bench.database.store.auditLog.entries(about: invoice.id.rawValue)
                .filter { $0.action == "payment.succeeded" && $0.details["gateway_payment_id"] == captured.id }
            #expect(succeeded.map { $0.details["applied"] } == ["71540"])
            #expect(succeeded.map { $0.details["refunded_excess"] } == ["50000"])
            #expect(try await bench.auditCount("refund.processed", about: invoice.id.rawValue) == 1)

            // A second report of the same capture refunds nothing more.
            #expect(try await bench.report(captured, as: "order.paid") == .applied)
            #expect(bench.gateway.refundRequests.count == 1)
            #expect(try await bench.invoice(invoice.id) == paid)
        }
    }

    @Test(
        "An attempt whose order was never recorded fails after ten minutes, without asking the gateway",
        arguments: TestDatabase.kinds)
    func orderlessAttempt(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            // The order request hangs and then drops: the process that asked never records an order.
            let (payNow, release) = await bench.payNowWithHangingOrder(invoice) { _ in
                throw GatewayError.unavailable("the connection was reset")
            }
            // Should an expectation below stop the test early, the request still ends.
            defer { release() }

            bench.clock.advance(by: 9 * PaymentBench.minute)
            #expect(try await bench.payments.reconcile() == 1)
            #expect(try await bench.invoice(invoice.id).payments.map(\.status) == [.processing])
            bench.clock.advance(by: 2 * PaymentBench.minute)
            #expect(try await bench.payments.reconcile() == 1)
            let failed = try await bench.invoice(invoice.id)
            #expect(failed.payments.map(\.status) == [.failed])
            #expect(failed.payments.first?.failureReason?.contains("never recorded") == true)
            #expect(bench.gateway.methodsCalled == [.createOrder], "there was no order to ask about")

            release()
            let error = await #expect(throws: EngineError.self) { try await payNow.value }
            #expect(error?.code == .gatewayUnavailable)
            #expect(try await bench.invoice(invoice.id) == failed)
            #expect(try await bench.auditCount("payment.failed", about: invoice.id.rawValue) == 1)
        }
    }

    @Test(
        "An order the gateway makes only after its attempt was failed is recorded on the failed attempt, which stays failed",
        arguments: TestDatabase.kinds)
    func orderAfterAttemptFailed(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let (payNow, release) = await bench.payNowWithHangingOrder(invoice) { PaymentBench.order(for: $0) }
            defer { release() }
            bench.clock.advance(by: 11 * PaymentBench.minute)
            #expect(try await bench.payments.reconcile() == 1)
            #expect(try await bench.invoice(invoice.id).payments.map(\.status) == [.failed])

            // The gateway answers at last: the request is told to pay again, and the attempt stays failed.
            release()
            let error = await #expect(throws: EngineError.self) { try await payNow.value }
            #expect(error?.code == .gatewayUnavailable)
            let attempts = try await bench.invoice(invoice.id).payments
            #expect(attempts.map(\.status) == [.failed])
            #expect(attempts.first?.gatewayOrderID != nil, "a capture on the late order still finds its attempt")
        }
    }

    @Test(
        "An order with no payment after half an hour fails; one being paid does not; a capture on it later counts once",
        arguments: TestDatabase.kinds)
    func abandonedOrder(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let abandoned = try await bench.openInvoice()
            let inProgress = try await bench.openInvoice()
            let abandonedOrder = try await bench.startPaying(abandoned).orderID
            let inProgressOrder = try await bench.startPaying(inProgress).orderID
            bench.gateway.answers.fetchPayments = { orderID in
                orderID == inProgressOrder
                    ? [PaymentBench.payment(on: orderID, amount: 121_540, status: .authorized)] : []
            }
            bench.clock.advance(by: 29 * PaymentBench.minute)
            #expect(try await bench.payments.reconcile() == 2)
            #expect(try await bench.invoice(abandoned.id).payments.map(\.status) == [.processing])
            bench.clock.advance(by: 2 * PaymentBench.minute)
            #expect(try await bench.payments.reconcile() == 2)
            let failed = try await bench.invoice(abandoned.id)
            #expect(failed.payments.map(\.status) == [.failed])
            #expect(failed.payments.first?.failureReason?.contains("abandoned") == true)
            #expect(try await bench.invoice(inProgress.id).payments.map(\.status) == [.processing])
            #expect(bench.gateway.methodsCalled.filter { $0 == .fetchPayments }.count == 4)

            // The payer comes back to the abandoned order and pays it.
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            let late = PaymentBench.payment(on: abandonedOrder, amount: 121_540)
            #expect(try await bench.report(late) == .applied)
            _ = try await bench.payments.refresh(abandoned.id, actor: "member")
            let paid = try await bench.invoice(abandoned.id)
            #expect(paid.state == .paid && paid.amountPaid.minorUnits == 121_540)
            #expect(paid.payments.map(\.status) == [.succeeded])
            #expect(try await bench.auditCount("payment.succeeded", about: abandoned.id.rawValue) == 1)
            #expect(try await bench.auditCount("payment.failed", about: abandoned.id.rawValue) == 1)
        }
    }

    // MARK: Refunds

    @Test(
        "Crediting a paid invoice refunds through the gateway, keyed by the refund's id; the gateway's webhook ends it",
        arguments: TestDatabase.kinds)
    func creditAndRefundThroughGateway(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let captured = try await bench.payInFull(invoice)
            bench.gateway.answers.refund = { request in
                PaymentBench.refund(for: request, status: .pending, id: "rfnd_credited0001")
            }
            let (cancelled, creditNote, refunds) = try await bench.payments.creditAndRefund(
                invoice.id, reason: "Service outage", to: .gateway, actor: "test")
            #expect(cancelled.state == .cancelled)
            #expect(creditNote.kind == .creditNote && creditNote.originalInvoiceID == invoice.id)
            #expect(creditNote.total == invoice.total)
            let refund = try #require(refunds.first)
            #expect(refunds.count == 1)
            #expect(refund.destination == .gateway && refund.amount.minorUnits == 121_540)
            #expect(refund.status == .pending && refund.gatewayRefundID == "rfnd_credited0001")
            #expect(
                bench.gateway.refundRequests == [
                    RefundRequest(
                        paymentID: captured.id, amount: 121_540, idempotencyKey: refund.id.rawValue,
                        receipt: refund.id.rawValue, notes: ["reason": "credit_note"])
                ])

            let processed = try TestGateway.webhook(
                "refund.processed",
                refund: GatewayRefund(
                    id: "rfnd_credited0001", paymentID: captured.id, amount: 121_540, currency: "INR",
                    status: .processed, receipt: refund.id.rawValue, createdAt: 1_790_000_000))
            #expect(try await bench.deliver(processed) == .applied)
            #expect(try await bench.deliver(processed) == .duplicate)
            #expect(try await bench.database.store.refunds.find(refund.id)?.status == .processed)
            #expect(try await bench.auditCount("invoice.credited", about: invoice.id.rawValue) == 1)
            #expect(try await bench.auditCount("refund.processed", about: invoice.id.rawValue) == 1)

            // It is reversed already: a second credit is refused, and nothing more is refunded.
            await #expect(throws: (any Error).self) {
                try await bench.payments.creditAndRefund(invoice.id, reason: "again", to: .gateway, actor: "test")
            }
            #expect(bench.gateway.refundRequests.count == 1)
        }
    }

    @Test(
        "Crediting a paid invoice into the wallet asks the gateway nothing and credits the wallet",
        arguments: TestDatabase.kinds)
    func creditAndRefundIntoWallet(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            _ = try await bench.payInFull(invoice)
            let callsBefore = bench.gateway.calls
            let (cancelled, _, refunds) = try await bench.payments.creditAndRefund(
                invoice.id, reason: "Goodwill", to: .wallet, actor: "test")
            #expect(cancelled.state == .cancelled)
            #expect(refunds.map(\.destination) == [.wallet] && refunds.map(\.status) == [.processed])
            #expect(bench.gateway.calls == callsBefore)
            let balance = try await bench.database.store.wallet.balance(of: bench.workspace.id, in: .inr)
            #expect(balance.minorUnits == 121_540)
        }
    }

    @Test(
        "A refund the gateway did not answer is resent by reconciliation with the same key, then asked after",
        arguments: TestDatabase.kinds)
    func pendingRefundResent(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let captured = try await bench.payInFull(invoice)
            bench.gateway.answers.refund = { _ in throw GatewayError.unavailable("timed out") }
            let refund = try #require(
                try await bench.payments.creditAndRefund(invoice.id, reason: "Outage", to: .gateway, actor: "test")
                    .refunds.first)
            #expect(refund.status == .pending && refund.gatewayRefundID == nil)

            #expect(try await bench.payments.reconcile() == 0)
            #expect(bench.gateway.refundRequests.count == 1, "within the grace period nothing is resent")

            bench.gateway.answers.refund = { request in
                PaymentBench.refund(for: request, status: .pending, id: "rfnd_resent000001")
            }
            bench.clock.advance(by: 2 * PaymentBench.minute)
            try await bench.payments.reconcile()
            let keys = bench.gateway.refundRequests.map(\.idempotencyKey)
            #expect(keys == [refund.id.rawValue, refund.id.rawValue])
            #expect(try await bench.database.store.refunds.find(refund.id)?.gatewayRefundID == "rfnd_resent000001")

            bench.gateway.answers.fetchRefund = { paymentID, refundID in
                #expect(paymentID == captured.id && refundID == "rfnd_resent000001")
                return GatewayRefund(
                    id: refundID, paymentID: paymentID, amount: 121_540, currency: "INR", status: .processed,
                    receipt: refund.id.rawValue, createdAt: 1_790_000_000)
            }
            bench.clock.advance(by: 2 * PaymentBench.minute)
            try await bench.payments.reconcile()
            #expect(try await bench.database.store.refunds.find(refund.id)?.status == .processed)
            #expect(bench.gateway.refundRequests.count == 2, "a refund the gateway has is asked after, not resent")
            #expect(try await bench.auditCount("refund.processed", about: invoice.id.rawValue) == 1)
        }
    }

    @Test("A refund the gateway refuses is failed with its reason and not sent again", arguments: TestDatabase.kinds)
    func refundRefused(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            _ = try await bench.payInFull(invoice)
            bench.gateway.answers.refund = { _ in
                throw GatewayError.rejected(
                    status: 400, code: "BAD_REQUEST_ERROR", description: "The payment has been fully refunded",
                    field: nil, reason: nil)
            }
            let refund = try #require(
                try await bench.payments.creditAndRefund(invoice.id, reason: "Outage", to: .gateway, actor: "test")
                    .refunds.first)
            #expect(refund.status == .failed)
            #expect(refund.failureReason?.contains("fully refunded") == true)
            #expect(try await bench.auditCount("refund.failed", about: invoice.id.rawValue) == 1)
            bench.clock.advance(by: 2 * PaymentBench.minute)
            try await bench.payments.reconcile()
            #expect(bench.gateway.refundRequests.count == 1)
        }
    }

    // MARK: Gateway errors

    static let gatewayFailures: [(error: GatewayError, code: EngineError.Code)] = [
        (.unavailable("connect timed out"), .gatewayUnavailable),
        (.rateLimited, .gatewayUnavailable),
        (.invalidResponse("order without an id"), .gatewayUnavailable),
        (
            .rejected(
                status: 500, code: "SERVER_ERROR", description: "We are facing some trouble", field: nil, reason: nil),
            .gatewayUnavailable
        ),
        (
            .rejected(
                status: 400, code: "BAD_REQUEST_ERROR", description: "Amount exceeds maximum amount allowed.",
                field: "amount", reason: nil),
            .gatewayRefused
        ),
    ]

    @Test(
        "An order the gateway does not make fails the attempt with the gateway's words, and the invoice can be paid again",
        arguments: TestDatabase.kinds, Self.gatewayFailures)
    func orderNotMade(kind: DatabaseKind, failure: (error: GatewayError, code: EngineError.Code)) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            bench.gateway.answers.createOrder = { _ in throw failure.error }
            let error = await #expect(throws: EngineError.self) {
                try await bench.payments.payThroughGateway(invoice.id, amount: nil, actor: "member")
            }
            #expect(error?.code == failure.code)
            let failed = try await bench.invoice(invoice.id)
            #expect(failed.payments.map(\.status) == [.failed])
            #expect(failed.payments.first?.failureReason == failure.error.message)
            #expect(!failed.hasAttemptInFlight)

            let again = try await bench.startPaying(invoice)
            #expect(again.isNew)
            #expect(try await bench.invoice(invoice.id).payments.map(\.status) == [.failed, .processing])
        }
    }

    @Test(
        "A gateway that does not answer a refresh or a checkout callback leaves the attempt processing",
        arguments: TestDatabase.kinds)
    func gatewayDownWhileSettling(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind) { bench in
            let invoice = try await bench.openInvoice()
            let checkout = try await bench.startPaying(invoice)
            bench.gateway.answers.fetchPayments = { _ in throw GatewayError.unavailable("503") }
            bench.gateway.answers.isValidCheckoutSignature = TestGateway.checksCheckoutSignatures
            bench.gateway.answers.fetchPayment = { _ in throw GatewayError.rateLimited }
            let refresh = await #expect(throws: EngineError.self) {
                try await bench.payments.refresh(invoice.id, actor: "member")
            }
            #expect(refresh?.code == .gatewayUnavailable)
            let paymentID = "pay_unanswered001"
            let callback = await #expect(throws: EngineError.self) {
                try await bench.payments.completeCheckout(
                    orderID: checkout.orderID, paymentID: paymentID,
                    signature: TestGateway.checkoutSignature(orderID: checkout.orderID, paymentID: paymentID),
                    actor: "member")
            }
            #expect(callback?.code == .gatewayUnavailable)
            // Reconciliation logs and carries on: the attempt waits for the gateway to answer.
            bench.clock.advance(by: 40 * PaymentBench.minute)
            #expect(try await bench.payments.reconcile() == 1)
            #expect(try await bench.invoice(invoice.id).payments.map(\.status) == [.processing])
            #expect(
                bench.gateway.methodsCalled == [
                    .createOrder, .fetchPayments, .isValidCheckoutSignature, .fetchPayment, .fetchPayments,
                ])
        }
    }
}
