import BillfoldCore
import Foundation

/// What a payer finishing checkout produced: the payment, and the fields Razorpay Checkout posts to `callback_url`.
package struct SandboxCheckoutResult: Hashable, Sendable {
    package var payment: GatewayPayment
    /// `razorpay_signature`, for a captured payment.
    package var signature: String?
    /// Exactly what Checkout posts: `razorpay_payment_id`, `razorpay_order_id`, `razorpay_signature` on success;
    /// `error[code]`, `error[description]`, `error[reason]`, `error[source]`, `error[step]`, `error[metadata]` on
    /// failure.
    package var callbackFields: [SandboxFormField]
}

/// One field of a form post.
package struct SandboxFormField: Hashable, Sendable {
    package var name: String
    package var value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension SandboxRazorpay {
    /// How a payment ends.
    enum Outcome {
        case captured
        case failed(reason: String)
    }

    /// Payment methods checkout offers, as Razorpay names them.
    package static let checkoutMethods = ["upi", "card", "netbanking", "wallet"]

    /// What the payer is told for each failure reason the sandbox produces.
    static func failureDescription(_ reason: String) -> String {
        switch reason {
        case "payment_cancelled": "Payment processing cancelled by user"
        case "insufficient_funds": "Payment failed because of insufficient balance in the account"
        case "payment_timed_out": "Payment was not completed on time"
        default: "Payment failed (sandbox: \(reason))"
        }
    }

    // MARK: - Controls: a payer finishing checkout

    /// A payer paying `orderID` by `method`: `authorized` then `captured`, the order `paid`, and for a mandate's
    /// authorisation order a confirmed token. Webhooks follow.
    package func capture(orderID: String, method: String = "upi") throws(SandboxError) -> SandboxCheckoutResult {
        let record = try self.settlePayment(on: orderID, method: method, outcome: .captured, recurringTokenID: nil)
        let signature = self.checkoutSignature(orderID: orderID, paymentID: record.payment.id)
        return SandboxCheckoutResult(
            payment: record.payment, signature: signature,
            callbackFields: [
                SandboxFormField("razorpay_payment_id", record.payment.id),
                SandboxFormField("razorpay_order_id", orderID),
                SandboxFormField("razorpay_signature", signature),
            ])
    }

    /// A payer's attempt at `orderID` failing for `reason`; the order stays open for another attempt.
    package func fail(
        orderID: String, method: String = "upi", reason: String = "payment_cancelled"
    ) throws(SandboxError) -> SandboxCheckoutResult {
        let record = try self.settlePayment(
            on: orderID, method: method, outcome: .failed(reason: reason), recurringTokenID: nil)
        // Both ids are letters, digits and `_`, so the JSON needs no escaping.
        let metadata = #"{"payment_id":"\#(record.payment.id)","order_id":"\#(orderID)"}"#
        return SandboxCheckoutResult(
            payment: record.payment, signature: nil,
            callbackFields: [
                SandboxFormField("error[code]", record.payment.errorCode ?? "BAD_REQUEST_ERROR"),
                SandboxFormField("error[description]", record.payment.errorDescription ?? ""),
                SandboxFormField("error[reason]", reason),
                SandboxFormField("error[source]", "customer"),
                SandboxFormField("error[step]", "payment_authentication"),
                SandboxFormField("error[metadata]", metadata),
            ])
    }

    /// Makes the next `count` recurring charges fail (`insufficient_funds`) instead of being captured.
    package func failNextRecurringCharges(_ count: Int) { self.failingRecurringCharges = max(0, count) }

    /// Makes the API answer the next `count` requests with 429.
    package func rateLimitNextRequests(_ count: Int) { self.rateLimitedRequests = max(0, count) }

    /// How long refunds stay `pending` before they are `processed`; `nil` keeps them pending until `settleRefunds()`.
    package func setRefundSettlementDelay(_ delay: Duration?) { self.refundSettlementDelay = delay }

    /// Processes every pending refund now; answers how many there were.
    @discardableResult package func settleRefunds() -> Int {
        let pending = self.refunds.values.filter { $0.status == .pending }.map(\.id)
        for id in pending { self.settleRefund(id) }
        return pending.count
    }

    /// The customer cancelling a mandate: the token is `cancelled` and `token.cancelled` is sent.
    package func cancelToken(_ tokenID: String) throws(SandboxError) {
        guard var record = self.tokens[tokenID] else { throw .notFound("token") }
        record.token.status = .cancelled
        self.tokens[tokenID] = record
        self.publish([self.makeEvent("token.cancelled", payload: .init(token: record.wire))])
    }

    // MARK: - Refunds

    /// `POST /v1/payments/{id}/refund`; the same `X-Refund-Idempotency` key answers the same refund.
    package func refund(
        paymentID: String, _ request: RazorpayWire.RefundRequest, idempotencyKey: String?
    ) throws(SandboxError) -> RazorpayWire.Refund {
        if let idempotencyKey {
            guard idempotencyKey.utf8.count >= 10, idempotencyKey.utf8.allSatisfy(PlainText.allows) else {
                throw .badRequest(
                    "The X-Refund-Idempotency header must be 10 or more letters, digits, _ or -",
                    field: "X-Refund-Idempotency")
            }
            if let earlier = self.refundKeys[idempotencyKey].flatMap({ self.refunds[$0] }) {
                guard earlier.paymentID == paymentID else {
                    throw .badRequest(
                        "The X-Refund-Idempotency key was used for another payment", field: "X-Refund-Idempotency")
                }
                return RazorpayWire.Refund(earlier)
            }
        }
        guard var payment = self.payments[paymentID] else { throw .notFound("payment") }
        switch payment.payment.status {
        case .captured: break
        case .refunded: throw .badRequest("The payment has been fully refunded already", field: "payment_id")
        case .created, .authorized, .failed:
            throw .badRequest("Only a captured payment can be refunded", field: "payment_id")
        }
        let available = payment.payment.amount - payment.payment.amountRefunded
        let amount = request.amount ?? available
        guard amount >= 100 else { throw .badRequest("The refund amount must be atleast INR 1.00", field: "amount") }
        guard amount <= available else {
            throw .badRequest(
                "The refund amount provided (\(amount)) is greater than the amount left to refund (\(available))",
                field: "amount")
        }
        guard ["normal", "optimum"].contains(request.speed) else {
            throw .badRequest("The speed must be normal or optimum.", field: "speed")
        }
        if let receipt = request.receipt, receipt.count > 40 {
            throw .badRequest("The receipt may not be greater than 40 characters.", field: "receipt")
        }
        try Self.validate(notes: request.notes)
        let refund = GatewayRefund(
            id: Self.makeID("rfnd_"), paymentID: paymentID, amount: amount, currency: payment.payment.currency,
            status: .pending, receipt: request.receipt, createdAt: self.unixNow)
        payment.payment.amountRefunded += amount
        if payment.payment.amountRefunded == payment.payment.amount { payment.payment.status = .refunded }
        self.payments[paymentID] = payment
        self.refunds[refund.id] = refund
        if let idempotencyKey { self.refundKeys[idempotencyKey] = refund.id }
        self.publish([
            self.makeEvent(
                "refund.created", payload: .init(payment: payment.wire, refund: RazorpayWire.Refund(refund)))
        ])
        if let delay = self.refundSettlementDelay {
            Task { [weak self] in
                try? await Task.sleep(for: delay)
                await self?.settleRefund(refund.id)
            }
        }
        return RazorpayWire.Refund(refund)
    }

    /// `GET /v1/payments/{paymentID}/refunds/{refundID}`.
    package func fetchRefund(paymentID: String, refundID: String) throws(SandboxError) -> RazorpayWire.Refund {
        guard self.payments[paymentID] != nil else { throw .notFound("payment") }
        guard let refund = self.refunds[refundID], refund.paymentID == paymentID else { throw .notFound("refund") }
        return RazorpayWire.Refund(refund)
    }

    func settleRefund(_ id: String) {
        guard var refund = self.refunds[id], refund.status == .pending else { return }
        refund.status = .processed
        self.refunds[id] = refund
        self.publish([
            self.makeEvent(
                "refund.processed",
                payload: .init(payment: self.payments[refund.paymentID]?.wire, refund: RazorpayWire.Refund(refund)))
        ])
    }

    // MARK: - Customers and tokens

    /// `POST /v1/customers`: with `fail_existing` `"0"` a customer with the same email is answered instead of an
    /// error.
    package func createCustomer(
        name: String, email: String, contact: String?, failExisting: String, notes: [String: String]?
    ) throws(SandboxError) -> RazorpayWire.Customer {
        guard email.contains("@"), email.count <= 64 else {
            throw .badRequest("The email must be a valid email address.", field: "email")
        }
        guard name.count <= 50 else {
            throw .badRequest("The name may not be greater than 50 characters.", field: "name")
        }
        guard ["0", "1"].contains(failExisting) else {
            throw .badRequest("The fail_existing must be 0 or 1.", field: "fail_existing")
        }
        try Self.validate(notes: notes)
        if let existing = self.customers.values.first(where: { $0.email.lowercased() == email.lowercased() }) {
            guard failExisting == "0" else {
                throw .badRequest("Customer already exists for the merchant", field: "email")
            }
            return existing
        }
        let customer = RazorpayWire.Customer(
            id: Self.makeID("cust_"), name: name, email: email, contact: contact, createdAt: self.unixNow)
        self.customers[customer.id] = customer
        return customer
    }

    /// `GET /v1/customers/{customerID}/tokens/{tokenID}`.
    package func fetchToken(customerID: String, tokenID: String) throws(SandboxError) -> RazorpayWire.Token {
        guard self.customers[customerID] != nil else { throw .notFound("customer") }
        guard let record = self.tokens[tokenID], record.token.customerID == customerID else { throw .notFound("token") }
        return record.wire
    }

    /// `POST /v1/payments/create/recurring`: a debit on a confirmed token, against a new order for the amount.
    package func chargeRecurring(
        _ request: RazorpayWire.RecurringRequest
    ) throws(SandboxError) -> RazorpayWire.CheckoutResult {
        guard request.recurring else { throw .badRequest("The recurring field must be true.", field: "recurring") }
        guard request.currency == "INR" else { throw .badRequest("The currency must be INR.", field: "currency") }
        guard let order = self.orders[request.orderId] else {
            throw .badRequest("The order_id provided does not exist", field: "order_id")
        }
        guard order.order.status != .paid else {
            throw .badRequest("The order is already paid", field: "order_id", reason: "order_already_paid")
        }
        guard request.amount == order.order.amount else {
            throw .badRequest("The amount must be equal to the order's amount.", field: "amount")
        }
        guard self.customers[request.customerId] != nil else {
            throw .badRequest("The customer_id provided does not exist", field: "customer_id")
        }
        guard let token = self.tokens[request.token]?.token, token.customerID == request.customerId else {
            throw .badRequest("The token provided does not exist for the customer", field: "token")
        }
        guard token.status == .confirmed else {
            throw .badRequest("The token is \(token.status.rawValue), not confirmed", field: "token")
        }
        guard request.amount <= token.maxAmount ?? .max else {
            throw .badRequest("The amount exceeds the token's max_amount", field: "amount")
        }
        guard (token.expiredAt ?? .max) > self.unixNow else {
            throw .badRequest("The token has expired", field: "token")
        }
        try Self.validate(notes: request.notes)
        var outcome = Outcome.captured
        if self.failingRecurringCharges > 0 {
            self.failingRecurringCharges -= 1
            outcome = .failed(reason: "insufficient_funds")
        }
        let record = try self.settlePayment(
            on: request.orderId, method: token.method ?? "card", outcome: outcome, recurringTokenID: token.id,
            customerID: request.customerId, email: request.email, contact: request.contact, notes: request.notes)
        return RazorpayWire.CheckoutResult(
            razorpayPaymentId: record.payment.id, razorpayOrderId: request.orderId,
            razorpaySignature: self.checkoutSignature(orderID: request.orderId, paymentID: record.payment.id))
    }

    // MARK: - The one path every payment takes

    /// Makes a payment on `orderID` and carries it to `outcome`, updating the order (and registering the mandate's
    /// token), then publishes the events in the order Razorpay sends them.
    func settlePayment(
        on orderID: String, method: String, outcome: Outcome, recurringTokenID: String?, customerID: String? = nil,
        email: String? = nil, contact: String? = nil, notes: [String: String]? = nil
    ) throws(SandboxError) -> PaymentRecord {
        var order = try self.record(order: orderID)
        guard order.order.status != .paid else {
            throw .badRequest("The order is already paid", field: "order_id", reason: "order_already_paid")
        }
        guard Self.checkoutMethods.contains(method) || recurringTokenID != nil else {
            throw .badRequest("The method must be one of upi, card, netbanking, wallet.", field: "method")
        }
        if order.mandate != nil, recurringTokenID == nil, method == "wallet" {
            throw .badRequest("A wallet cannot register a recurring mandate.", field: "method")
        }
        let payment = GatewayPayment(
            id: Self.makeID("pay_"), orderID: orderID, amount: order.order.amount, currency: order.order.currency,
            status: .created, method: method, customerID: customerID ?? order.customerID, tokenID: recurringTokenID,
            createdAt: self.unixNow)
        var record = PaymentRecord(
            payment: payment, email: email, contact: contact, errorReason: nil, notes: notes ?? [:])
        order.order.attempts += 1
        order.order.status = .attempted
        order.paymentIDs.append(payment.id)
        var batch: [SandboxEvent] = []
        switch outcome {
        case .failed(let reason):
            record.payment.status = .failed
            record.payment.errorCode = "BAD_REQUEST_ERROR"
            record.payment.errorDescription = Self.failureDescription(reason)
            record.errorReason = reason
            batch.append(self.makeEvent("payment.failed", payload: .init(payment: record.wire)))
        case .captured:
            var token: TokenRecord?
            if let mandate = order.mandate, recurringTokenID == nil, let customerID = order.customerID {
                let registered = TokenRecord(
                    token: GatewayToken(
                        id: Self.makeID("token_"), customerID: customerID,
                        method: method == "netbanking" ? "emandate" : method, status: .confirmed,
                        maxAmount: mandate.maxAmount, expiredAt: mandate.expireAt),
                    createdAt: self.unixNow)
                self.tokens[registered.token.id] = registered
                record.payment.tokenID = registered.token.id
                token = registered
            }
            record.payment.status = .authorized
            batch.append(self.makeEvent("payment.authorized", payload: .init(payment: record.wire)))
            record.payment.status = .captured
            batch.append(self.makeEvent("payment.captured", payload: .init(payment: record.wire)))
            order.order.amountPaid = order.order.amount
            order.order.amountDue = 0
            order.order.status = .paid
            batch.append(
                self.makeEvent(
                    "order.paid", payload: .init(payment: record.wire, order: RazorpayWire.Order(order.order))))
            if let token {
                batch.append(self.makeEvent("token.confirmed", payload: .init(token: token.wire)))
            }
        }
        self.payments[payment.id] = record
        self.orders[orderID] = order
        self.publish(batch)
        return record
    }
}
