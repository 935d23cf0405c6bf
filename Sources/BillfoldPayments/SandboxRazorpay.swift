import AsyncHTTPClient
import Foundation
import Logging

/// One Razorpay account held in memory, answering Razorpay's API as Razorpay documents it: what Billfold runs
/// against when it has no Razorpay keys, and the fake Razorpay the tests serve. No real money moves.
///
/// Every request method mirrors one endpoint and answers its wire type; the controls (`capture`, `fail`,
/// `setWebhookMode`, `failNextRecurringCharges`, `rateLimitNextRequests`, …) are for tests and the hosted checkout.
package actor SandboxRazorpay {
    /// The sandbox's public key id (`rzp_sandbox_…`), the user name of Basic auth.
    package nonisolated let keyID: String
    package nonisolated let accountID: String
    let keySecret: String
    let webhookSecret: String
    let httpClient: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date

    var orders: [String: SandboxOrder] = [:]
    var payments: [String: PaymentRecord] = [:]
    var refunds: [String: GatewayRefund] = [:]
    /// `X-Refund-Idempotency` keys, to the refund each made.
    var refundKeys: [String: String] = [:]
    var customers: [String: RazorpayWire.Customer] = [:]
    var tokens: [String: TokenRecord] = [:]
    var failingRecurringCharges = 0
    var rateLimitedRequests = 0
    /// How long a refund stays `pending`; `nil` keeps it pending until `settleRefunds()`.
    var refundSettlementDelay: Duration? = .milliseconds(200)

    var webhookURL: String?
    var webhookMode: WebhookMode = .deliver
    var webhookRetryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(25)]
    var publishedEvents: [SandboxEvent] = []
    var held: [SandboxEvent] = []
    var deliveryLog: [SandboxDelivery] = []
    var deliveries: AsyncStream<WebhookBatch>.Continuation?
    var deliveryTask: Task<Void, Never>?

    /// A payment with what the wire shows beyond the domain's fields.
    struct PaymentRecord {
        var payment: GatewayPayment
        var email: String?
        var contact: String?
        var errorReason: String?
        var notes: [String: String]

        var wire: RazorpayWire.Payment {
            var wire = RazorpayWire.Payment(self.payment, email: self.email, contact: self.contact)
            wire.errorReason = self.errorReason
            wire.notes = RazorpayWire.Notes(self.notes)
            return wire
        }
    }

    struct TokenRecord {
        var token: GatewayToken
        var createdAt: Int64

        var wire: RazorpayWire.Token { RazorpayWire.Token(self.token, createdAt: self.createdAt) }
    }

    package init(
        keyID: String, keySecret: String, webhookSecret: String, accountID: String = "acc_sandbox",
        httpClient: HTTPClient = .shared, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.keyID = keyID
        self.keySecret = keySecret
        self.webhookSecret = webhookSecret
        self.accountID = accountID
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
    }

    package init(
        credentials: SandboxCredentials, accountID: String = "acc_sandbox", httpClient: HTTPClient = .shared,
        logger: Logger
    ) {
        self.init(
            keyID: credentials.keyID, keySecret: credentials.keySecret, webhookSecret: credentials.webhookSecret,
            accountID: accountID, httpClient: httpClient, logger: logger)
    }

    deinit {
        self.deliveries?.finish()
        self.deliveryTask?.cancel()
    }

    /// A fresh random key pair and webhook secret, for one process's sandbox.
    package static func generatedCredentials() -> SandboxCredentials {
        SandboxCredentials(
            keyID: "rzp_sandbox_" + Self.randomCharacters(14), keySecret: Self.randomCharacters(24),
            webhookSecret: Self.randomCharacters(32))
    }

    // MARK: - Authentication and checkout signatures

    /// Whether `authorization` is `Basic base64(key_id:key_secret)` for this sandbox.
    package nonisolated func isAuthorized(authorization: String?) -> Bool {
        guard let authorization, authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst("Basic ".count))),
            let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return false }
        let expected = Array((self.keyID + ":" + self.keySecret).utf8)
        let given = Array(pair.utf8)
        // Constant time over the whole pair, so the comparison says nothing about how much of the secret matched.
        guard given.count == expected.count, pair[..<colon] == self.keyID else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Checkout's `razorpay_signature`: hex HMAC-SHA256 of `order_id|payment_id` under the key secret.
    package nonisolated func checkoutSignature(orderID: String, paymentID: String) -> String {
        RazorpaySignature.checkout(orderID: orderID, paymentID: paymentID, secret: self.keySecret)
    }

    /// `X-Razorpay-Signature`: hex HMAC-SHA256 of the body under the webhook secret.
    package nonisolated func webhookSignature(body: [UInt8]) -> String {
        RazorpaySignature.sign(message: body, secret: self.webhookSecret)
    }

    /// Counts one API request against `rateLimitNextRequests`: `false` when this one is to be answered 429.
    package func admitRequest() -> Bool {
        guard self.rateLimitedRequests > 0 else { return true }
        self.rateLimitedRequests -= 1
        return false
    }

    // MARK: - Orders

    /// `POST /v1/orders`.
    package func createOrder(_ request: RazorpayWire.OrderRequest) throws(SandboxError) -> RazorpayWire.Order {
        guard request.amount >= 100 else {
            throw .badRequest("The amount must be atleast INR 1.00", field: "amount")
        }
        guard request.currency == "INR" else {
            throw .badRequest(
                "The currency \(request.currency) is not supported; the sandbox takes INR", field: "currency")
        }
        if let receipt = request.receipt, receipt.count > 40 {
            throw .badRequest("The receipt may not be greater than 40 characters.", field: "receipt")
        }
        try Self.validate(notes: request.notes)
        if let token = request.token {
            guard let customerID = request.customerId else {
                throw .badRequest("The customer_id field is required when token is given.", field: "customer_id")
            }
            guard self.customers[customerID] != nil else { throw .notFound("customer") }
            guard token.maxAmount >= request.amount, token.maxAmount > 0 else {
                throw .badRequest("The token.max_amount must be at least the order amount.", field: "token.max_amount")
            }
            guard token.expireAt > self.unixNow else {
                throw .badRequest("The token.expire_at must be in the future.", field: "token.expire_at")
            }
        } else if let customerID = request.customerId, self.customers[customerID] == nil {
            throw .notFound("customer")
        }
        let order = GatewayOrder(
            id: Self.makeID("order_"), amount: request.amount, amountPaid: 0, amountDue: request.amount,
            currency: request.currency, receipt: request.receipt, status: .created, attempts: 0,
            notes: request.notes ?? [:], createdAt: self.unixNow)
        self.orders[order.id] = SandboxOrder(
            order: order, customerID: request.customerId,
            mandate: request.token.map {
                TokenRequest(maxAmount: $0.maxAmount, expireAt: $0.expireAt, frequency: $0.frequency)
            })
        return RazorpayWire.Order(order)
    }

    /// `GET /v1/orders/{id}`.
    package func fetchOrder(id: String) throws(SandboxError) -> RazorpayWire.Order {
        RazorpayWire.Order(try self.record(order: id).order)
    }

    /// `GET /v1/orders/{id}/payments`: oldest first.
    package func fetchPayments(orderID: String) throws(SandboxError) -> RazorpayWire.Collection<RazorpayWire.Payment> {
        let order = try self.record(order: orderID)
        return RazorpayWire.Collection(items: order.paymentIDs.compactMap { self.payments[$0]?.wire })
    }

    /// `GET /v1/payments/{id}`.
    package func fetchPayment(id: String) throws(SandboxError) -> RazorpayWire.Payment {
        guard let record = self.payments[id] else { throw .notFound("payment") }
        return record.wire
    }

    // MARK: - Reading state, for tests and the hosted checkout

    package func order(_ id: String) -> SandboxOrder? { self.orders[id] }
    package func payment(_ id: String) -> GatewayPayment? { self.payments[id]?.payment }
    package func refund(_ id: String) -> GatewayRefund? { self.refunds[id] }
    package func token(_ id: String) -> GatewayToken? { self.tokens[id]?.token }

    // MARK: - Helpers

    func record(order id: String) throws(SandboxError) -> SandboxOrder {
        guard let order = self.orders[id] else { throw .notFound("order") }
        return order
    }

    var unixNow: Int64 { Int64(self.now().timeIntervalSince1970) }

    static func validate(notes: [String: String]?) throws(SandboxError) {
        guard let notes else { return }
        guard notes.count <= 15 else { throw .badRequest("Number of notes cannot be more than 15", field: "notes") }
        if let long = notes.first(where: { $0.key.count > 256 || $0.value.count > 256 }) {
            throw .badRequest("The notes \(long.key) may not be greater than 256 characters.", field: "notes")
        }
    }

    /// `prefix` and 14 random letters and digits, as Razorpay's ids are (`order_`, `pay_`, `rfnd_`, …).
    static func makeID(_ prefix: String) -> String { prefix + self.randomCharacters(14) }

    static func randomCharacters(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}

/// A sandbox's key pair and webhook secret.
package struct SandboxCredentials: Hashable, Sendable {
    package var keyID: String
    package var keySecret: String
    package var webhookSecret: String

    package init(keyID: String, keySecret: String, webhookSecret: String) {
        self.keyID = keyID
        self.keySecret = keySecret
        self.webhookSecret = webhookSecret
    }
}

/// An order with what the sandbox keeps beside Razorpay's fields.
package struct SandboxOrder: Hashable, Sendable {
    package var order: GatewayOrder
    package var customerID: String?
    /// The token the order registers when it is a mandate's authorisation.
    package var mandate: TokenRequest?
    /// Every payment tried on the order, oldest first.
    package var paymentIDs: [String] = []
}
