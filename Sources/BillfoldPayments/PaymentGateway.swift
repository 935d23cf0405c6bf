import Foundation

/// A payment gateway as Billfold uses it: Razorpay's API, whether the real one or Billfold's own sandbox that
/// speaks the same protocol. Amounts are integer minor units (paise); ids are the gateway's (`order_…`, `pay_…`).
package protocol PaymentGateway: Sendable {
    /// `razorpay` or `sandbox`: stored on every payment attempt.
    var provider: String { get }
    /// What a payer's browser needs to open checkout for an order.
    var checkout: CheckoutConfiguration { get }

    /// `POST /v1/orders`. Orders take no idempotency key: the caller keeps one open order per attempt.
    func createOrder(_ request: OrderRequest) async throws(GatewayError) -> GatewayOrder
    /// `GET /v1/orders/{id}`.
    func fetchOrder(id: String) async throws(GatewayError) -> GatewayOrder
    /// `GET /v1/orders/{id}/payments`: every payment tried on the order, oldest first.
    func fetchPayments(orderID: String) async throws(GatewayError) -> [GatewayPayment]
    /// `GET /v1/payments/{id}`.
    func fetchPayment(id: String) async throws(GatewayError) -> GatewayPayment
    /// `POST /v1/payments/{id}/refund` with `X-Refund-Idempotency: idempotencyKey` (10 or more of `A-Z a-z 0-9 _ -`).
    func refund(_ request: RefundRequest) async throws(GatewayError) -> GatewayRefund
    /// `GET /v1/payments/{paymentID}/refunds/{refundID}`.
    func fetchRefund(paymentID: String, refundID: String) async throws(GatewayError) -> GatewayRefund
    /// `POST /v1/customers` (with `fail_existing: "0"`, so an existing customer with the same email is returned).
    func createCustomer(_ request: CustomerRequest) async throws(GatewayError) -> GatewayCustomer
    /// `GET /v1/customers/{customerID}/tokens/{tokenID}`.
    func fetchToken(customerID: String, tokenID: String) async throws(GatewayError) -> GatewayToken
    /// `POST /v1/payments/create/recurring`: charges a confirmed token against a new order.
    func chargeRecurring(_ request: RecurringChargeRequest) async throws(GatewayError) -> RecurringChargeResult

    /// Checkout's `razorpay_signature`: hex HMAC-SHA256 of `order_id|payment_id` under the API key secret, compared
    /// in constant time. `orderID` must be the one we stored, not one the browser sent.
    func isValidCheckoutSignature(orderID: String, paymentID: String, signature: String) -> Bool
    /// `X-Razorpay-Signature`: hex HMAC-SHA256 of the raw body under the webhook secret, compared in constant time.
    func isValidWebhookSignature(body: [UInt8], signature: String) -> Bool
}

/// How a payer's browser reaches checkout.
package struct CheckoutConfiguration: Hashable, Sendable {
    /// The public key id Checkout is opened with (`rzp_test_…`, `rzp_live_…`, `rzp_sandbox_…`).
    package var keyID: String
    /// For the sandbox: the URL of its hosted checkout page (the order id is appended as `?order_id=`); `nil` for
    /// Razorpay, whose Checkout is opened by its own script.
    package var hostedCheckoutURL: String?

    package init(keyID: String, hostedCheckoutURL: String?) {
        self.keyID = keyID
        self.hostedCheckoutURL = hostedCheckoutURL
    }
}

/// A failure talking to the gateway.
package enum GatewayError: Error, Hashable, Sendable {
    /// Razorpay's error shape: `{"error": {"code", "description", "field", "source", "step", "reason"}}`.
    case rejected(status: Int, code: String, description: String, field: String?, reason: String?)
    /// 429 past the retries the adapter makes.
    case rateLimited
    /// No answer, a connection error, a timeout or a 5xx past the retries.
    case unavailable(String)
    /// An answer that is not what the API documents.
    case invalidResponse(String)

    /// Words for a person: the gateway's description, or what went wrong.
    package var message: String {
        switch self {
        case .rejected(_, let code, let description, _, _): "\(code): \(description)"
        case .rateLimited: "the gateway is rate limiting requests; try again shortly"
        case .unavailable(let detail): "the gateway did not answer: \(detail)"
        case .invalidResponse(let detail): "the gateway's answer was not understood: \(detail)"
        }
    }

    /// A 4xx the gateway gave for the request itself: retrying it unchanged cannot succeed.
    package var isPermanent: Bool {
        if case .rejected(let status, _, _, _, _) = self { return (400..<500).contains(status) && status != 429 }
        return false
    }
}

/// `POST /v1/orders`.
package struct OrderRequest: Hashable, Sendable {
    /// At least 100 paise.
    package var amount: Int64
    package var currency: String
    /// At most 40 characters; Billfold sends its payment attempt id.
    package var receipt: String
    /// At most 15 pairs.
    package var notes: [String: String]
    /// For a mandate's authorisation order, or a recurring charge's order.
    package var customerID: String?
    /// For a mandate's authorisation order: registers a token for recurring payments.
    package var token: TokenRequest?

    package init(
        amount: Int64, currency: String, receipt: String, notes: [String: String] = [:], customerID: String? = nil,
        token: TokenRequest? = nil
    ) {
        self.amount = amount
        self.currency = currency
        self.receipt = receipt
        self.notes = notes
        self.customerID = customerID
        self.token = token
    }
}

/// The `token` of an authorisation order: the mandate's limits.
package struct TokenRequest: Hashable, Sendable {
    /// The most one debit may take, in paise.
    package var maxAmount: Int64
    /// Unix seconds.
    package var expireAt: Int64
    /// `monthly`, `yearly`, `as_presented`, …
    package var frequency: String

    package init(maxAmount: Int64, expireAt: Int64, frequency: String) {
        self.maxAmount = maxAmount
        self.expireAt = expireAt
        self.frequency = frequency
    }
}

/// An order as the gateway reports it.
package struct GatewayOrder: Hashable, Sendable {
    package enum Status: String, Hashable, Sendable, Codable {
        case created, attempted, paid
    }

    package var id: String
    package var amount: Int64
    package var amountPaid: Int64
    package var amountDue: Int64
    package var currency: String
    package var receipt: String?
    package var status: Status
    package var attempts: Int
    package var notes: [String: String]
    /// Unix seconds.
    package var createdAt: Int64

    package init(
        id: String, amount: Int64, amountPaid: Int64, amountDue: Int64, currency: String, receipt: String?,
        status: Status, attempts: Int, notes: [String: String], createdAt: Int64
    ) {
        self.id = id
        self.amount = amount
        self.amountPaid = amountPaid
        self.amountDue = amountDue
        self.currency = currency
        self.receipt = receipt
        self.status = status
        self.attempts = attempts
        self.notes = notes
        self.createdAt = createdAt
    }
}

/// A payment as the gateway reports it.
package struct GatewayPayment: Hashable, Sendable {
    package enum Status: String, Hashable, Sendable, Codable {
        case created, authorized, captured, refunded, failed
    }

    package var id: String
    package var orderID: String?
    package var amount: Int64
    package var currency: String
    package var status: Status
    /// `upi`, `card`, `netbanking`, `wallet`, … as the gateway names it.
    package var method: String?
    package var amountRefunded: Int64
    package var errorCode: String?
    package var errorDescription: String?
    /// Set on a mandate's authorisation payment and on recurring debits.
    package var customerID: String?
    package var tokenID: String?
    /// Unix seconds.
    package var createdAt: Int64

    package init(
        id: String, orderID: String?, amount: Int64, currency: String, status: Status, method: String?,
        amountRefunded: Int64 = 0, errorCode: String? = nil, errorDescription: String? = nil,
        customerID: String? = nil, tokenID: String? = nil, createdAt: Int64
    ) {
        self.id = id
        self.orderID = orderID
        self.amount = amount
        self.currency = currency
        self.status = status
        self.method = method
        self.amountRefunded = amountRefunded
        self.errorCode = errorCode
        self.errorDescription = errorDescription
        self.customerID = customerID
        self.tokenID = tokenID
        self.createdAt = createdAt
    }
}

/// `POST /v1/payments/{id}/refund`.
package struct RefundRequest: Hashable, Sendable {
    package var paymentID: String
    /// Paise; `nil` refunds what is left of the payment.
    package var amount: Int64?
    /// Sent as `X-Refund-Idempotency`.
    package var idempotencyKey: String
    package var receipt: String?
    package var notes: [String: String]

    package init(
        paymentID: String, amount: Int64?, idempotencyKey: String, receipt: String? = nil,
        notes: [String: String] = [:]
    ) {
        self.paymentID = paymentID
        self.amount = amount
        self.idempotencyKey = idempotencyKey
        self.receipt = receipt
        self.notes = notes
    }
}

/// A refund as the gateway reports it.
package struct GatewayRefund: Hashable, Sendable {
    package enum Status: String, Hashable, Sendable, Codable {
        case pending, processed, failed
    }

    package var id: String
    package var paymentID: String
    package var amount: Int64
    package var currency: String
    package var status: Status
    package var receipt: String?
    /// Unix seconds.
    package var createdAt: Int64

    package init(
        id: String, paymentID: String, amount: Int64, currency: String, status: Status, receipt: String?,
        createdAt: Int64
    ) {
        self.id = id
        self.paymentID = paymentID
        self.amount = amount
        self.currency = currency
        self.status = status
        self.receipt = receipt
        self.createdAt = createdAt
    }
}

/// `POST /v1/customers`.
package struct CustomerRequest: Hashable, Sendable {
    package var name: String
    package var email: String
    package var contact: String?
    package var notes: [String: String]

    package init(name: String, email: String, contact: String? = nil, notes: [String: String] = [:]) {
        self.name = name
        self.email = email
        self.contact = contact
        self.notes = notes
    }
}

/// A customer as the gateway reports it.
package struct GatewayCustomer: Hashable, Sendable {
    package var id: String
    package var name: String
    package var email: String

    package init(id: String, name: String, email: String) {
        self.id = id
        self.name = name
        self.email = email
    }
}

/// A saved token (a mandate) as the gateway reports it.
package struct GatewayToken: Hashable, Sendable {
    /// `recurring_details.status`.
    package enum Status: String, Hashable, Sendable, Codable {
        case initiated, confirmed, rejected, cancelled, paused
    }

    package var id: String
    package var customerID: String?
    package var method: String?
    package var status: Status
    package var maxAmount: Int64?
    /// Unix seconds.
    package var expiredAt: Int64?

    package init(
        id: String, customerID: String?, method: String?, status: Status, maxAmount: Int64?, expiredAt: Int64?
    ) {
        self.id = id
        self.customerID = customerID
        self.method = method
        self.status = status
        self.maxAmount = maxAmount
        self.expiredAt = expiredAt
    }
}

/// `POST /v1/payments/create/recurring`.
package struct RecurringChargeRequest: Hashable, Sendable {
    package var amount: Int64
    package var currency: String
    package var orderID: String
    package var customerID: String
    package var tokenID: String
    package var email: String
    package var contact: String?
    package var description: String?
    package var notes: [String: String]

    package init(
        amount: Int64, currency: String, orderID: String, customerID: String, tokenID: String, email: String,
        contact: String? = nil, description: String? = nil, notes: [String: String] = [:]
    ) {
        self.amount = amount
        self.currency = currency
        self.orderID = orderID
        self.customerID = customerID
        self.tokenID = tokenID
        self.email = email
        self.contact = contact
        self.description = description
        self.notes = notes
    }
}

/// What `POST /v1/payments/create/recurring` answers: the new payment, still to be settled by webhook or refresh.
package struct RecurringChargeResult: Hashable, Sendable {
    package var paymentID: String
    package var orderID: String
    package var signature: String?

    package init(paymentID: String, orderID: String, signature: String?) {
        self.paymentID = paymentID
        self.orderID = orderID
        self.signature = signature
    }
}

/// One inbound webhook, verified and decoded.
package struct GatewayEvent: Hashable, Sendable {
    /// `x-razorpay-event-id`: unique per event, the key that makes a redelivery harmless.
    package var id: String
    /// `payment.captured`, `payment.failed`, `refund.processed`, `token.confirmed`, …
    package var name: String
    package var accountID: String?
    package var payment: GatewayPayment?
    package var order: GatewayOrder?
    package var refund: GatewayRefund?
    package var token: GatewayToken?
    /// Unix seconds.
    package var createdAt: Int64

    package init(
        id: String, name: String, accountID: String?, payment: GatewayPayment?, order: GatewayOrder?,
        refund: GatewayRefund?, token: GatewayToken?, createdAt: Int64
    ) {
        self.id = id
        self.name = name
        self.accountID = accountID
        self.payment = payment
        self.order = order
        self.refund = refund
        self.token = token
        self.createdAt = createdAt
    }
}
