import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

/// Auto-pay without HTTP: mandates registered and confirmed through the gateway, debits scheduled after a notice,
/// retried and stopped. Each test sets up only the gateway calls it expects.
@Suite("Auto-pay")
struct AutoPayServiceTests {
    static let customerID = "cust_test00000001"
    static let tokenID = "token_test0000001"

    @Test(
        "A mandate is a gateway customer and an authorisation order; its capture links the token and refunds the ₹1; token.confirmed confirms it",
        arguments: TestDatabase.kinds)
    func registerAndConfirm(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind, autoPay: true) { bench in
            bench.gateway.answers.createCustomer = { request in
                GatewayCustomer(id: Self.customerID, name: request.name, email: request.email)
            }
            bench.gateway.answers.createOrder = { request in PaymentBench.order(for: request) }
            let setup = try await bench.autoPay.registerMandate(
                for: bench.workspace.id, maxAmount: Money(minorUnits: 1_500_000, currency: .inr), actor: "test")
            let mandate = setup.mandate
            #expect(mandate.status == .pending && mandate.customerID == Self.customerID && mandate.tokenID == nil)
            #expect(setup.keyID == "rzp_test_double")
            let workspaceID = bench.workspace.id.rawValue
            let tenYears = Int64(Fixtures.now.timeIntervalSince1970) + 10 * 365 * 86_400
            #expect(
                bench.gateway.calls == [
                    .createCustomer(
                        CustomerRequest(
                            name: bench.workspace.legalName, email: bench.workspace.email,
                            notes: ["workspace_id": workspaceID])),
                    .createOrder(
                        OrderRequest(
                            amount: 100, currency: "INR", receipt: mandate.id.rawValue,
                            notes: ["workspace_id": workspaceID, "purpose": "auto-pay mandate"],
                            customerID: Self.customerID,
                            token: TokenRequest(maxAmount: 1_500_000, expireAt: tenYears, frequency: "as_presented"))),
                ])
            #expect(mandate.authorisationOrderID == "order_\(mandate.id.rawValue.filter { $0 != "_" })")
            #expect(try await bench.auditCount("mandate.requested", about: mandate.id.rawValue) == 1)

            // The payer authorises at checkout: the capture links the token, and the ₹1 goes back at once.
            bench.gateway.reset()
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            bench.gateway.answers.refund = { request in PaymentBench.refund(for: request, status: .processed) }
            bench.gateway.answers.fetchToken = { customerID, tokenID in
                Self.token(tokenID, customerID: customerID, status: .initiated)
            }
            let authorisation = Self.authorisation(on: mandate.authorisationOrderID)
            #expect(try await bench.report(authorisation) == .applied)
            let linked = try #require(try await bench.database.store.mandates.find(mandate.id))
            #expect(linked.tokenID == Self.tokenID && linked.status == .pending)
            let refundID = "rfd_" + authorisation.id.filter { $0.isLetter || $0.isNumber }
            #expect(
                bench.gateway.refundRequests == [
                    RefundRequest(
                        paymentID: authorisation.id, amount: 100, idempotencyKey: refundID, receipt: refundID,
                        notes: ["reason": "mandate_authorisation"])
                ])
            #expect(try await bench.database.store.refunds.find(RefundID(rawValue: refundID))?.status == .processed)
            #expect(bench.gateway.methodsCalled == [.isValidWebhookSignature, .refund, .fetchToken])
            // Reported again (order.paid): the ₹1 is not refunded twice.
            #expect(try await bench.report(authorisation, as: "order.paid") == .applied)
            #expect(bench.gateway.refundRequests.count == 1)

            let confirmed = try Self.tokenEvent(.confirmed)
            #expect(try await bench.deliver(confirmed) == .applied)
            #expect(try await bench.deliver(confirmed) == .duplicate)
            #expect(try await bench.database.store.mandates.find(mandate.id)?.status == .confirmed)
            #expect(try await bench.auditCount("mandate.confirmed", about: mandate.id.rawValue) == 1)
        }
    }

    @Test(
        "token.confirmed arriving before the payment that links the token still confirms the mandate, at the checkout callback",
        arguments: TestDatabase.kinds)
    func tokenFirst(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind, autoPay: true) { bench in
            let mandate = try await Self.requestMandate(on: bench)
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            let confirmed = try Self.tokenEvent(.confirmed)
            #expect(try await bench.deliver(confirmed) == .ignored, "no mandate holds the token yet")
            #expect(try await bench.database.store.mandates.find(mandate.id)?.status == .pending)

            let authorisation = Self.authorisation(on: mandate.authorisationOrderID)
            bench.gateway.answers.isValidCheckoutSignature = TestGateway.checksCheckoutSignatures
            bench.gateway.answers.fetchPayment = { _ in authorisation }
            bench.gateway.answers.refund = { request in PaymentBench.refund(for: request, status: .processed) }
            bench.gateway.answers.fetchToken = { customerID, tokenID in
                Self.token(tokenID, customerID: customerID, status: .confirmed)
            }
            let completion = try await bench.payments.completeCheckout(
                orderID: mandate.authorisationOrderID, paymentID: authorisation.id,
                signature: TestGateway.checkoutSignature(
                    orderID: mandate.authorisationOrderID, paymentID: authorisation.id),
                actor: "member")
            guard case .mandate(let completed) = completion else {
                Issue.record("the authorisation's checkout completed an invoice")
                return
            }
            #expect(completed.id == mandate.id && completed.status == .confirmed)
            #expect(completed.tokenID == Self.tokenID)
            #expect(
                bench.gateway.methodsCalled == [
                    .isValidWebhookSignature, .isValidCheckoutSignature, .fetchPayment, .refund, .fetchToken,
                ])
            #expect(try await bench.deliver(confirmed) == .duplicate)
            #expect(try await bench.auditCount("mandate.confirmed", about: mandate.id.rawValue) == 1)
        }
    }

    @Test(
        "A debit is scheduled with its pre-debit notice, not taken within 24 hours, taken in the 25th; refused, it is tried again 25 hours later",
        arguments: TestDatabase.kinds)
    func debitAfterNotice(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind, autoPay: true) { bench in
            let mandate = try await Self.confirmedMandate(on: bench)
            let invoice = try await bench.openInvoice()
            let noticeAt = bench.clock.now
            #expect(try await bench.autoPay.scheduleDebits() == 1)
            #expect(try await bench.autoPay.scheduleDebits() == 0, "one debit per invoice")
            let charge = try #require(try await bench.database.store.autoPayCharges.find(invoiceID: invoice.id))
            #expect(charge.status == .scheduled && charge.attempts == 0 && charge.mandateID == mandate.id)
            #expect(charge.amount == invoice.amountDue)
            #expect(charge.nextAttemptAt == noticeAt.addingTimeInterval(25 * PaymentBench.hour))
            let notices = try await bench.database.store.outbox.messages(cause: "pre_debit:\(charge.id.rawValue)/1")
            let notice = try #require(notices.first)
            #expect(notices.count == 1)
            #expect(notice.template == "pre_debit_notice" && notice.recipient == bench.workspace.email)
            #expect(notice.subject.contains("₹1,215.40") && notice.subject.contains(invoice.number ?? "?"))
            #expect(try await bench.auditCount("auto_pay.scheduled", about: invoice.id.rawValue) == 1)

            // Nothing is asked of the gateway (any call would fail the test) until 25 hours have passed.
            bench.clock.advance(by: 24 * PaymentBench.hour)
            #expect(try await bench.autoPay.chargeDue() == 0)
            bench.clock.advance(by: 59 * PaymentBench.minute)
            #expect(try await bench.autoPay.chargeDue() == 0)
            #expect(bench.gateway.calls.isEmpty)

            bench.clock.advance(by: PaymentBench.minute)
            bench.gateway.answers.createOrder = { request in PaymentBench.order(for: request) }
            bench.gateway.answers.chargeRecurring = { _ in
                throw GatewayError.rejected(
                    status: 400, code: "BAD_REQUEST_ERROR", description: "Payment failed due to insufficient funds",
                    field: nil, reason: "insufficient_funds")
            }
            #expect(try await bench.autoPay.chargeDue() == 1)
            let order = try #require(bench.gateway.orderRequests.first)
            #expect(order.customerID == mandate.customerID && order.amount == 121_540 && order.token == nil)
            let debit = try #require(bench.gateway.recurringChargeRequests.first)
            #expect(debit.orderID == PaymentBench.order(for: order).id)
            #expect(debit.amount == 121_540 && debit.currency == "INR")
            #expect(debit.customerID == mandate.customerID && debit.tokenID == mandate.tokenID)
            #expect(debit.email == bench.workspace.email)
            #expect(debit.notes == ["invoice_id": invoice.id.rawValue, "charge_id": charge.id.rawValue])
            let refused = try await bench.invoice(invoice.id)
            #expect(refused.payments.map(\.status) == [.failed])
            #expect(refused.payments.first?.failureReason?.contains("insufficient funds") == true)
            let retry = try #require(try await bench.database.store.autoPayCharges.find(invoiceID: invoice.id))
            #expect(retry.status == .scheduled && retry.attempts == 1)
            #expect(retry.nextAttemptAt == bench.clock.now.addingTimeInterval(25 * PaymentBench.hour))
            #expect(
                try await bench.database.store.outbox.messages(cause: "pre_debit:\(charge.id.rawValue)/2").count == 1)
            #expect(try await bench.auditCount("auto_pay.retry_scheduled", about: invoice.id.rawValue) == 1)

            bench.clock.advance(by: 25 * PaymentBench.hour)
            bench.gateway.answers.chargeRecurring = { request in
                RecurringChargeResult(paymentID: "pay_debit00000001", orderID: request.orderID, signature: nil)
            }
            #expect(try await bench.autoPay.chargeDue() == 1)
            #expect(try await bench.invoice(invoice.id).payments.map(\.status) == [.failed, .processing])
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            let orderID = try #require(bench.gateway.recurringChargeRequests.last?.orderID)
            try await bench.report(PaymentBench.payment(on: orderID, amount: 121_540, id: "pay_debit00000001"))
            let paid = try await bench.invoice(invoice.id)
            #expect(paid.state == .paid && paid.payments.map(\.status) == [.failed, .succeeded])
            #expect(try await bench.database.store.autoPayCharges.find(invoiceID: invoice.id)?.status == .succeeded)
            bench.clock.advance(by: 100 * PaymentBench.hour)
            try await bench.autoPay.runOnce()
            #expect(bench.gateway.recurringChargeRequests.count == 2)
        }
    }

    @Test(
        "Failed debits are tried again 25, 49 and 97 hours later, each after a new notice, and stop after the fourth",
        arguments: TestDatabase.kinds)
    func retriesThenStop(kind: DatabaseKind) async throws {
        try await PaymentBench.run(kind, autoPay: true) { bench in
            _ = try await Self.confirmedMandate(on: bench)
            let invoice = try await bench.openInvoice()
            #expect(try await bench.autoPay.scheduleDebits() == 1)
            let chargeID = try #require(try await bench.database.store.autoPayCharges.find(invoiceID: invoice.id)).id
            bench.gateway.answers.createOrder = { request in PaymentBench.order(for: request) }
            bench.gateway.answers.chargeRecurring = { request in
                RecurringChargeResult(
                    paymentID: "pay_\(request.orderID.dropFirst(6))D", orderID: request.orderID, signature: nil)
            }
            bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
            for (attempt, hours) in zip(1...4, [25.0, 25, 49, 97]) {
                bench.clock.advance(by: hours * PaymentBench.hour - PaymentBench.minute)
                #expect(try await bench.autoPay.chargeDue() == 0, "a minute before debit \(attempt)")
                bench.clock.advance(by: PaymentBench.minute)
                #expect(try await bench.autoPay.chargeDue() == 1, "debit \(attempt)")
                let orderID = try #require(bench.gateway.recurringChargeRequests.last?.orderID)
                let failed = PaymentBench.payment(
                    on: orderID, amount: 121_540, status: .failed, errorDescription: "The bank declined the debit")
                #expect(try await bench.report(failed, as: "payment.failed") == .applied)

                let charge = try #require(try await bench.database.store.autoPayCharges.find(invoiceID: invoice.id))
                #expect(charge.attempts == attempt)
                #expect(charge.status == (attempt < 4 ? .scheduled : .stopped), "after debit \(attempt)")
                #expect(try await bench.invoice(invoice.id).payments.count == attempt)
            }
            let notices = try await (1...5).asyncMap {
                try await bench.database.store.outbox.messages(cause: "pre_debit:\(chargeID.rawValue)/\($0)").count
            }
            #expect(notices == [1, 1, 1, 1, 0], "a notice before each debit, none after the last")
            #expect(try await bench.auditCount("auto_pay.retry_scheduled", about: invoice.id.rawValue) == 3)
            #expect(try await bench.auditCount("auto_pay.stopped", about: invoice.id.rawValue) == 1)
            let stopped = try await bench.invoice(invoice.id)
            #expect(stopped.state == .open && stopped.payments.allSatisfy { $0.status == .failed })

            bench.clock.advance(by: 200 * PaymentBench.hour)
            try await bench.autoPay.runOnce()
            #expect(bench.gateway.recurringChargeRequests.count == 4)
            // A person can still pay it.
            let again = try await bench.startPaying(invoice)
            #expect(again.isNew)
        }
    }

    /// Why a scheduled debit is not taken.
    enum Stop: String, CaseIterable, Sendable {
        case aboveFifteenThousandRupees, aboveMandateLimit, mandateCancelled, autoPayTurnedOff, paidAnotherWay

        var mandateLimit: Int64 {
            switch self {
            case .aboveFifteenThousandRupees: 5_000_000
            case .aboveMandateLimit: 100_000
            default: 1_500_000
            }
        }

        /// What the stopped debit says.
        var reason: String {
            switch self {
            case .aboveFifteenThousandRupees: "above ₹15,000"
            case .aboveMandateLimit: "above the mandate's limit of ₹1,000.00"
            case .mandateCancelled: "no longer confirmed"
            case .autoPayTurnedOff: "auto-pay was turned off"
            case .paidAnotherWay: "settled another way"
            }
        }
    }

    @Test(
        "A debit is stopped, without asking the gateway, above ₹15,000, above the mandate's limit, on a mandate no longer confirmed, with auto-pay off, or once paid",
        arguments: TestDatabase.kinds, Stop.allCases)
    func stops(kind: DatabaseKind, stop: Stop) async throws {
        try await PaymentBench.run(kind, autoPay: true) { bench in
            _ = try await Self.confirmedMandate(on: bench, maxAmount: stop.mandateLimit)
            // ₹15,000 taxable and 18% GST: ₹17,700 due.
            let large = [
                try InvoiceLine.priced(
                    category: .platformFee, resourceType: "platform", resourceName: "Enterprise",
                    description: "Platform fee", periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
                    periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, quantity: FixedDecimal(1),
                    unit: "month", unitPrice: FixedDecimal(15_000), currency: .inr, sac: "998315")
            ]
            let invoice = try await bench.openInvoice(
                lines: stop == .aboveFifteenThousandRupees ? large : Fixtures.lines())
            #expect(try await bench.autoPay.scheduleDebits() == 1)
            switch stop {
            case .aboveFifteenThousandRupees, .aboveMandateLimit:
                break
            case .mandateCancelled:
                bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
                #expect(try await bench.deliver(try Self.tokenEvent(.cancelled)) == .applied)
            case .autoPayTurnedOff:
                var workspace = bench.workspace
                workspace.autoPay = false
                try await bench.database.store.workspaces.update(workspace, at: bench.clock.now)
            case .paidAnotherWay:
                _ = try await bench.invoices.recordPayment(
                    on: invoice.id, amount: invoice.amountDue, method: .bankTransfer, provider: "manual",
                    reference: "UTR7", actor: "test")
            }
            let callsBefore = bench.gateway.calls
            bench.clock.advance(by: 25 * PaymentBench.hour)
            #expect(try await bench.autoPay.chargeDue() == 0)
            let charge = try #require(try await bench.database.store.autoPayCharges.find(invoiceID: invoice.id))
            #expect(charge.status == .stopped)
            #expect(charge.lastError?.contains(stop.reason) == true, "\(charge.lastError ?? "no error")")
            #expect(try await bench.auditCount("auto_pay.stopped", about: invoice.id.rawValue) == 1)
            #expect(bench.gateway.calls == callsBefore, "the gateway is not asked for a debit")
            bench.clock.advance(by: 100 * PaymentBench.hour)
            try await bench.autoPay.runOnce()
            #expect(bench.gateway.calls == callsBefore)
        }
    }

    // MARK: Helpers

    static func token(_ id: String, customerID: String, status: GatewayToken.Status) -> GatewayToken {
        GatewayToken(id: id, customerID: customerID, method: "upi", status: status, maxAmount: nil, expiredAt: nil)
    }

    /// `token.confirmed`, `token.cancelled`, … about the test's token.
    static func tokenEvent(_ status: GatewayToken.Status) throws -> TestWebhook {
        try TestGateway.webhook(
            "token.\(status.rawValue)", token: Self.token(Self.tokenID, customerID: Self.customerID, status: status))
    }

    /// The ₹1 authorisation payment on a mandate's order, carrying the token it registers.
    static func authorisation(on orderID: String) -> GatewayPayment {
        PaymentBench.payment(on: orderID, amount: 100, customerID: Self.customerID, tokenID: Self.tokenID)
    }

    /// Registers a mandate for debits up to `maxAmount`; the gateway forgets the calls and answers it took.
    static func requestMandate(on bench: PaymentBench, maxAmount: Int64 = 1_500_000) async throws -> Mandate {
        bench.gateway.answers.createCustomer = { request in
            GatewayCustomer(id: Self.customerID, name: request.name, email: request.email)
        }
        bench.gateway.answers.createOrder = { request in PaymentBench.order(for: request) }
        let setup = try await bench.autoPay.registerMandate(
            for: bench.workspace.id, maxAmount: Money(minorUnits: maxAmount, currency: .inr), actor: "test")
        bench.gateway.reset()
        return setup.mandate
    }

    /// A mandate for debits up to `maxAmount`, authorised by the payer and confirmed; the gateway forgets the calls
    /// and answers it took.
    static func confirmedMandate(on bench: PaymentBench, maxAmount: Int64 = 1_500_000) async throws -> Mandate {
        let requested = try await Self.requestMandate(on: bench, maxAmount: maxAmount)
        bench.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
        bench.gateway.answers.refund = { request in PaymentBench.refund(for: request, status: .processed) }
        bench.gateway.answers.fetchToken = { customerID, tokenID in
            Self.token(tokenID, customerID: customerID, status: .confirmed)
        }
        try await bench.report(Self.authorisation(on: requested.authorisationOrderID))
        bench.gateway.reset()
        let mandate = try #require(try await bench.database.store.mandates.find(requested.id))
        #expect(mandate.status == .confirmed)
        return mandate
    }
}
