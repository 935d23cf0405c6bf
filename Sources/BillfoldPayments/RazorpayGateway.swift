import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// How often, and how patiently, the adapter retries a request that is safe to retry.
package struct RetryPolicy: Hashable, Sendable {
    /// Tries in all, the first included: 1 means no retries.
    package var maxAttempts: Int
    /// The wait before the first retry. Each later retry waits twice as long as the one before, and every wait
    /// adds up to as much again of random jitter, so that clients turned away together do not come back together.
    package var baseDelay: Duration
    /// The longest wait, whether computed or asked for with `Retry-After`.
    package var maxDelay: Duration

    package init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Three tries, a quarter of a second apart at first, never more than five seconds apart.
    package static let standard = RetryPolicy()

    /// The wait after try number `attempt` (counting from 1) failed; `jitter` is a random number in `0..<1`.
    func delay(afterAttempt attempt: Int, retryAfter: Duration?, jitter: Double) -> Duration {
        if let retryAfter {
            return min(retryAfter, self.maxDelay)
        }
        let exponential = self.baseDelay * (1 << min(max(attempt - 1, 0), 20))
        return min(exponential + exponential * jitter, self.maxDelay)
    }
}

/// Waits for as long as it is given before the next try of a request; throws when the wait is cancelled.
package typealias RetrySleeper = @Sendable (Duration) async throws -> Void

/// Razorpay's REST API (or Billfold's sandbox, which speaks it) over AsyncHTTPClient.
package struct RazorpayGateway: PaymentGateway {
    package let provider: String
    package let checkout: CheckoutConfiguration

    private let baseURL: String
    private let authorization: String
    private let keySecret: String
    private let webhookSecret: String
    private let httpClient: HTTPClient
    private let retry: RetryPolicy
    private let requestTimeout: Duration
    private let sleep: RetrySleeper
    private let logger: Logger

    /// Answers larger than this are not Razorpay's.
    private static let maximumResponseBytes = 4 << 20

    /// - Parameters:
    ///   - baseURL: Up to and including the API version, e.g. `https://api.razorpay.com/v1` or the sandbox's
    ///     `http://127.0.0.1:8080/sandbox/razorpay/v1`.
    ///   - keySecret: Signs Basic auth and verifies Checkout's signatures.
    ///   - webhookSecret: Verifies `X-Razorpay-Signature`; not the key secret.
    ///   - requestTimeout: How long one try may take before it counts as a connection failure.
    ///   - sleep: Waits between tries, for as long as `retry` says; tests pass one that records the waits instead.
    package init(
        baseURL: String = "https://api.razorpay.com/v1", keyID: String, keySecret: String, webhookSecret: String,
        provider: String = "razorpay", hostedCheckoutURL: String? = nil, httpClient: HTTPClient = .shared,
        retry: RetryPolicy = .standard, requestTimeout: Duration = .seconds(10),
        sleep: @escaping RetrySleeper = { try await Task.sleep(for: $0) },
        logger: Logger = Logger(label: "billfold.payments.razorpay")
    ) {
        var baseURL = baseURL
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        self.baseURL = baseURL
        self.provider = provider
        self.checkout = CheckoutConfiguration(keyID: keyID, hostedCheckoutURL: hostedCheckoutURL)
        self.authorization = "Basic " + Data("\(keyID):\(keySecret)".utf8).base64EncodedString()
        self.keySecret = keySecret
        self.webhookSecret = webhookSecret
        self.httpClient = httpClient
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.sleep = sleep
        self.logger = logger
    }

    package func createOrder(_ request: OrderRequest) async throws(GatewayError) -> GatewayOrder {
        if request.amount < 100 {
            throw Self.badRequest("The amount must be at least INR 1.00 (100 paise).", field: "amount")
        }
        if request.receipt.count > 40 {
            throw Self.badRequest("The receipt may not be greater than 40 characters.", field: "receipt")
        }
        if request.notes.count > 15 {
            throw Self.badRequest("The notes may have at most 15 key-value pairs.", field: "notes")
        }
        let body = RazorpayWire.OrderRequest(
            amount: request.amount, currency: request.currency, receipt: request.receipt,
            notes: request.notes.isEmpty ? nil : request.notes, customerId: request.customerID, method: nil,
            token: request.token.map {
                RazorpayWire.TokenRequest(maxAmount: $0.maxAmount, expireAt: $0.expireAt, frequency: $0.frequency)
            })
        let order = try await self.post("/orders", body: body, replay: .onlyIfUnprocessed, as: RazorpayWire.Order.self)
        return try order.domain()
    }

    package func fetchOrder(id: String) async throws(GatewayError) -> GatewayOrder {
        let path = "/orders/\(try Self.pathComponent(id, field: "order_id"))"
        return try await self.get(path, as: RazorpayWire.Order.self).domain()
    }

    package func fetchPayments(orderID: String) async throws(GatewayError) -> [GatewayPayment] {
        let path = "/orders/\(try Self.pathComponent(orderID, field: "order_id"))/payments"
        let collection = try await self.get(path, as: RazorpayWire.Collection<RazorpayWire.Payment>.self)
        var payments: [GatewayPayment] = []
        for item in collection.items {
            payments.append(try item.domain())
        }
        // Razorpay lists newest first; the protocol promises oldest first. Ties keep the order given.
        return payments.enumerated()
            .sorted { ($0.element.createdAt, $0.offset) < ($1.element.createdAt, $1.offset) }
            .map(\.element)
    }

    package func fetchPayment(id: String) async throws(GatewayError) -> GatewayPayment {
        let path = "/payments/\(try Self.pathComponent(id, field: "payment_id"))"
        return try await self.get(path, as: RazorpayWire.Payment.self).domain()
    }

    package func refund(_ request: RefundRequest) async throws(GatewayError) -> GatewayRefund {
        let path = "/payments/\(try Self.pathComponent(request.paymentID, field: "payment_id"))/refund"
        let key = request.idempotencyKey
        guard key.count >= 10, key.utf8.allSatisfy({ Self.isIDCharacter($0) || $0 == UInt8(ascii: "-") }) else {
            throw Self.badRequest(
                "The refund idempotency key must be at least 10 letters, digits, _ or -.",
                field: "X-Refund-Idempotency")
        }
        let body = RazorpayWire.RefundRequest(
            amount: request.amount, receipt: request.receipt, notes: request.notes.isEmpty ? nil : request.notes)
        let refund = try await self.post(
            path, body: body, headers: [("X-Refund-Idempotency", key)], replay: .safe, as: RazorpayWire.Refund.self)
        return try refund.domain()
    }

    package func fetchRefund(paymentID: String, refundID: String) async throws(GatewayError) -> GatewayRefund {
        let payment = try Self.pathComponent(paymentID, field: "payment_id")
        let refund = try Self.pathComponent(refundID, field: "refund_id")
        return try await self.get("/payments/\(payment)/refunds/\(refund)", as: RazorpayWire.Refund.self).domain()
    }

    package func createCustomer(_ request: CustomerRequest) async throws(GatewayError) -> GatewayCustomer {
        let body = RazorpayWire.CustomerRequest(
            name: request.name, email: request.email, contact: request.contact,
            notes: request.notes.isEmpty ? nil : request.notes)
        return try await self.post("/customers", body: body, replay: .onlyIfUnprocessed, as: RazorpayWire.Customer.self)
            .domain()
    }

    package func fetchToken(customerID: String, tokenID: String) async throws(GatewayError) -> GatewayToken {
        let customer = try Self.pathComponent(customerID, field: "customer_id")
        let token = try Self.pathComponent(tokenID, field: "token_id")
        return try await self.get("/customers/\(customer)/tokens/\(token)", as: RazorpayWire.Token.self).domain()
    }

    package func chargeRecurring(_ request: RecurringChargeRequest) async throws(GatewayError) -> RecurringChargeResult
    {
        let result = try await self.post(
            "/payments/create/recurring", body: RazorpayWire.RecurringRequest(request), replay: .onlyIfUnprocessed,
            as: RazorpayWire.CheckoutResult.self)
        return RecurringChargeResult(
            paymentID: result.razorpayPaymentId, orderID: result.razorpayOrderId, signature: result.razorpaySignature)
    }

    package func isValidCheckoutSignature(orderID: String, paymentID: String, signature: String) -> Bool {
        RazorpaySignature.isValidCheckout(
            signature: signature, orderID: orderID, paymentID: paymentID, secret: self.keySecret)
    }

    package func isValidWebhookSignature(body: [UInt8], signature: String) -> Bool {
        RazorpaySignature.isValid(signature: signature, message: body, secret: self.webhookSecret)
    }
}

// MARK: - Requests

extension RazorpayGateway {
    /// Which failures a request may be sent again after.
    private enum Replay {
        /// Reads, and refunds (Razorpay de-duplicates them on `X-Refund-Idempotency`): retry 429s, 5xx answers and
        /// connection failures alike.
        case safe
        /// Creating an order, a customer or a recurring debit: Razorpay takes no idempotency key for these, and a 5xx,
        /// a timeout or a dropped connection can come after it acted, so sending again could make a second order or
        /// debit the payer twice. A 429 is the one answer that says the request was turned away unprocessed.
        case onlyIfUnprocessed
    }

    private enum Outcome {
        case answered(status: Int, headers: HTTPHeaders, body: [UInt8])
        case failed(String)
    }

    private func get<Response: Decodable>(
        _ path: String, as type: Response.Type
    ) async throws(GatewayError) -> Response {
        let body = try await self.send(.GET, path, body: nil, headers: [], replay: .safe)
        return try RazorpayWire.decode(type, from: body, what: "GET \(path)")
    }

    private func post<Response: Decodable>(
        _ path: String, body: some Encodable, headers: [(String, String)] = [], replay: Replay, as type: Response.Type
    ) async throws(GatewayError) -> Response {
        let bytes: [UInt8]
        do {
            bytes = Array(try RazorpayWire.encoder().encode(body))
        } catch {
            preconditionFailure("Razorpay's request types always encode: \(error)")
        }
        let answer = try await self.send(.POST, path, body: bytes, headers: headers, replay: replay)
        return try RazorpayWire.decode(type, from: answer, what: "POST \(path)")
    }

    /// Sends the request, retrying as `replay` allows, and gives the body of a 2xx answer.
    private func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8]?, headers: [(String, String)], replay: Replay
    ) async throws(GatewayError) -> [UInt8] {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: self.authorization)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        let label = "\(method) \(path)"

        var attempt = 1
        while true {
            let failure: GatewayError
            let isRetryable: Bool
            var retryAfter: Duration?
            switch await self.exchange(request) {
            case .answered(let status, let headers, let answer):
                if (200..<300).contains(status) {
                    return answer
                }
                if status == 429 {
                    failure = .rateLimited
                    isRetryable = true
                } else if status >= 500 {
                    failure = .unavailable("\(label): HTTP \(status)\(Self.errorSummary(answer))")
                    isRetryable = replay == .safe
                } else {
                    throw Self.rejection(status: status, body: answer, label: label)
                }
                retryAfter = Self.retryAfter(headers)
            case .failed(let detail):
                failure = .unavailable("\(label): \(detail)")
                isRetryable = replay == .safe
            }
            guard isRetryable, attempt < self.retry.maxAttempts else {
                throw failure
            }
            let delay = self.retry.delay(
                afterAttempt: attempt, retryAfter: retryAfter, jitter: Double.random(in: 0..<1))
            self.logger.notice(
                "Razorpay request failed; retrying",
                metadata: [
                    "request": "\(label)", "attempt": "\(attempt)", "error": "\(failure.message)",
                    "delay": "\(delay)",
                ])
            do {
                try await self.sleep(delay)
            } catch {
                throw .unavailable("\(label): cancelled while waiting to retry")
            }
            attempt += 1
        }
    }

    /// One try: an answer of any status, or why there was none.
    private func exchange(_ request: HTTPClientRequest) async -> Outcome {
        do {
            let response = try await self.httpClient.execute(request, timeout: TimeAmount(self.requestTimeout))
            let body = try await response.body.collect(upTo: Self.maximumResponseBytes)
            return .answered(
                status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failed("no answer within \(self.requestTimeout)")
        } catch {
            return .failed("\(error)")
        }
    }

    /// A 4xx: Razorpay's `{"error": {...}}`, or `.invalidResponse` if the answer is not in that shape.
    private static func rejection(status: Int, body: [UInt8], label: String) -> GatewayError {
        guard let envelope = try? RazorpayWire.decoder().decode(RazorpayWire.ErrorEnvelope.self, from: Data(body))
        else {
            return .invalidResponse("\(label): HTTP \(status) without Razorpay's error object")
        }
        let error = envelope.error
        return .rejected(
            status: status, code: error.code, description: error.description, field: error.field, reason: error.reason)
    }

    /// `: SERVER_ERROR: …` when a 5xx carries Razorpay's error object, for the log and the message.
    private static func errorSummary(_ body: [UInt8]) -> String {
        guard let envelope = try? RazorpayWire.decoder().decode(RazorpayWire.ErrorEnvelope.self, from: Data(body))
        else { return "" }
        return ": \(envelope.error.code): \(envelope.error.description)"
    }

    /// `Retry-After` in seconds; the HTTP-date form is not used by Razorpay and is ignored.
    private static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "Retry-After"),
            let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0
        else { return nil }
        return .seconds(seconds)
    }
}

// MARK: - Validation

extension RazorpayGateway {
    /// Refused before anything is sent, in the shape Razorpay would answer with.
    private static func badRequest(_ description: String, field: String) -> GatewayError {
        .rejected(
            status: 400, code: "BAD_REQUEST_ERROR", description: description, field: field,
            reason: "input_validation_failed")
    }

    /// An id put into a URL path. Razorpay's ids are letters, digits and `_` (`pay_29QQoUBi66xm2f`); anything else
    /// could add a segment (`/`), a query (`?`) or an escape (`%`) and make the request reach another resource, so it
    /// is refused, not escaped.
    private static func pathComponent(_ id: String, field: String) throws(GatewayError) -> String {
        guard !id.isEmpty, id.utf8.allSatisfy(Self.isIDCharacter) else {
            throw Self.badRequest("The \(field) must be a Razorpay id: letters, digits and _ only.", field: field)
        }
        return id
    }

    private static func isIDCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
