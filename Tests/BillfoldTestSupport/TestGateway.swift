import BillfoldPayments
import Synchronization
import Testing

/// A `PaymentGateway` that does only what the test set it up to do, and remembers what it was asked.
///
/// Every method of the protocol answers with a closure in `answers`. A call whose closure the test did not set
/// records a test failure naming the method and throws (the two signature checks, which cannot throw, answer
/// `false`), so a use case that reaches the gateway when the test did not expect it fails the test. Every call,
/// expected or not, is kept in `calls` in the order it was made.
package final class TestGateway: PaymentGateway {
    /// The closures the gateway answers with; a method whose closure is `nil` fails the test when called.
    package struct Answers: Sendable {
        package var createOrder: (@Sendable (OrderRequest) async throws -> GatewayOrder)?
        package var fetchOrder: (@Sendable (_ id: String) async throws -> GatewayOrder)?
        package var fetchPayments: (@Sendable (_ orderID: String) async throws -> [GatewayPayment])?
        package var fetchPayment: (@Sendable (_ id: String) async throws -> GatewayPayment)?
        package var refund: (@Sendable (RefundRequest) async throws -> GatewayRefund)?
        package var fetchRefund: (@Sendable (_ paymentID: String, _ refundID: String) async throws -> GatewayRefund)?
        package var createCustomer: (@Sendable (CustomerRequest) async throws -> GatewayCustomer)?
        package var fetchToken: (@Sendable (_ customerID: String, _ tokenID: String) async throws -> GatewayToken)?
        package var chargeRecurring: (@Sendable (RecurringChargeRequest) async throws -> RecurringChargeResult)?
        package var isValidCheckoutSignature:
            (@Sendable (_ orderID: String, _ paymentID: String, _ signature: String) -> Bool)?
        package var isValidWebhookSignature: (@Sendable (_ body: [UInt8], _ signature: String) -> Bool)?

        /// Nothing set up: every call fails the test.
        package init() {}
    }

    /// The methods of `PaymentGateway`.
    package enum Method: String, Hashable, Sendable, CaseIterable {
        case createOrder, fetchOrder, fetchPayments, fetchPayment, refund, fetchRefund, createCustomer, fetchToken
        case chargeRecurring, isValidCheckoutSignature, isValidWebhookSignature
    }

    /// One call made to the gateway, with what it was asked.
    package enum Call: Hashable, Sendable {
        case createOrder(OrderRequest)
        case fetchOrder(id: String)
        case fetchPayments(orderID: String)
        case fetchPayment(id: String)
        case refund(RefundRequest)
        case fetchRefund(paymentID: String, refundID: String)
        case createCustomer(CustomerRequest)
        case fetchToken(customerID: String, tokenID: String)
        case chargeRecurring(RecurringChargeRequest)
        case isValidCheckoutSignature(orderID: String, paymentID: String, signature: String)
        case isValidWebhookSignature(body: [UInt8], signature: String)

        package var method: Method {
            switch self {
            case .createOrder: .createOrder
            case .fetchOrder: .fetchOrder
            case .fetchPayments: .fetchPayments
            case .fetchPayment: .fetchPayment
            case .refund: .refund
            case .fetchRefund: .fetchRefund
            case .createCustomer: .createCustomer
            case .fetchToken: .fetchToken
            case .chargeRecurring: .chargeRecurring
            case .isValidCheckoutSignature: .isValidCheckoutSignature
            case .isValidWebhookSignature: .isValidWebhookSignature
            }
        }
    }

    private struct State {
        var answers = Answers()
        var calls: [Call] = []
    }

    package let provider: String
    package let checkout: CheckoutConfiguration
    private let state = Mutex(State())
    /// Where the test made the gateway: an unexpected call is reported there.
    private let sourceLocation: SourceLocation

    /// A gateway that answers nothing yet; set `answers` for each call the test expects.
    package init(
        provider: String = "razorpay",
        checkout: CheckoutConfiguration = CheckoutConfiguration(keyID: "rzp_test_double", hostedCheckoutURL: nil),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        self.provider = provider
        self.checkout = checkout
        self.sourceLocation = sourceLocation
    }

    /// What the gateway answers with. Set one with `gateway.answers.refund = { request in … }`.
    package var answers: Answers {
        get { self.state.withLock { $0.answers } }
        set { self.state.withLock { $0.answers = newValue } }
    }

    /// Every call made so far, oldest first.
    package var calls: [Call] { self.state.withLock { $0.calls } }

    /// The methods called so far, oldest first.
    package var methodsCalled: [Method] { self.calls.map(\.method) }

    /// The orders asked for so far.
    package var orderRequests: [OrderRequest] {
        self.calls.compactMap { if case .createOrder(let request) = $0 { request } else { nil } }
    }

    /// The refunds asked for so far.
    package var refundRequests: [RefundRequest] {
        self.calls.compactMap { if case .refund(let request) = $0 { request } else { nil } }
    }

    /// The recurring debits asked for so far.
    package var recurringChargeRequests: [RecurringChargeRequest] {
        self.calls.compactMap { if case .chargeRecurring(let request) = $0 { request } else { nil } }
    }

    /// Forgets the answers and the calls, for a test that set something up through the gateway and now expects
    /// nothing more of it than it sets up again.
    package func reset() {
        self.state.withLock { $0 = State() }
    }

    // MARK: PaymentGateway

    package func createOrder(_ request: OrderRequest) async throws(GatewayError) -> GatewayOrder {
        let answer = try self.expected(.createOrder(request), \.createOrder)
        return try await self.passingOn { try await answer(request) }
    }

    package func fetchOrder(id: String) async throws(GatewayError) -> GatewayOrder {
        let answer = try self.expected(.fetchOrder(id: id), \.fetchOrder)
        return try await self.passingOn { try await answer(id) }
    }

    package func fetchPayments(orderID: String) async throws(GatewayError) -> [GatewayPayment] {
        let answer = try self.expected(.fetchPayments(orderID: orderID), \.fetchPayments)
        return try await self.passingOn { try await answer(orderID) }
    }

    package func fetchPayment(id: String) async throws(GatewayError) -> GatewayPayment {
        let answer = try self.expected(.fetchPayment(id: id), \.fetchPayment)
        return try await self.passingOn { try await answer(id) }
    }

    package func refund(_ request: RefundRequest) async throws(GatewayError) -> GatewayRefund {
        let answer = try self.expected(.refund(request), \.refund)
        return try await self.passingOn { try await answer(request) }
    }

    package func fetchRefund(paymentID: String, refundID: String) async throws(GatewayError) -> GatewayRefund {
        let answer = try self.expected(.fetchRefund(paymentID: paymentID, refundID: refundID), \.fetchRefund)
        return try await self.passingOn { try await answer(paymentID, refundID) }
    }

    package func createCustomer(_ request: CustomerRequest) async throws(GatewayError) -> GatewayCustomer {
        let answer = try self.expected(.createCustomer(request), \.createCustomer)
        return try await self.passingOn { try await answer(request) }
    }

    package func fetchToken(customerID: String, tokenID: String) async throws(GatewayError) -> GatewayToken {
        let answer = try self.expected(.fetchToken(customerID: customerID, tokenID: tokenID), \.fetchToken)
        return try await self.passingOn { try await answer(customerID, tokenID) }
    }

    package func chargeRecurring(_ request: RecurringChargeRequest) async throws(GatewayError)
        -> RecurringChargeResult
    {
        let answer = try self.expected(.chargeRecurring(request), \.chargeRecurring)
        return try await self.passingOn { try await answer(request) }
    }

    package func isValidCheckoutSignature(orderID: String, paymentID: String, signature: String) -> Bool {
        let call = Call.isValidCheckoutSignature(orderID: orderID, paymentID: paymentID, signature: signature)
        guard let answer = self.answer(to: call, \.isValidCheckoutSignature) else { return false }
        return answer(orderID, paymentID, signature)
    }

    package func isValidWebhookSignature(body: [UInt8], signature: String) -> Bool {
        let call = Call.isValidWebhookSignature(body: body, signature: signature)
        guard let answer = self.answer(to: call, \.isValidWebhookSignature) else { return false }
        return answer(body, signature)
    }

    // MARK: Recording

    /// Records `call` and returns its answer; `nil`, with a test failure, when the test did not set one up.
    private func answer<Answer: Sendable>(to call: Call, _ keyPath: KeyPath<Answers, Answer?>) -> Answer? {
        let answer = self.state.withLock { state in
            state.calls.append(call)
            return state.answers[keyPath: keyPath]
        }
        if answer == nil {
            Issue.record(
                "PaymentGateway.\(call.method.rawValue) was called, but the test did not set it up: \(call)",
                sourceLocation: self.sourceLocation)
        }
        return answer
    }

    /// Runs an answer and passes on the `GatewayError` it throws, as the gateway would; an answer that throws
    /// anything else is a mistake in the test, and fails it.
    private func passingOn<Result>(_ answer: () async throws -> Result) async throws(GatewayError) -> Result {
        do {
            return try await answer()
        } catch let error as GatewayError {
            throw error
        } catch {
            Issue.record(
                "a test gateway answer threw \(error), which no gateway throws", sourceLocation: self.sourceLocation)
            throw GatewayError.invalidResponse("\(error)")
        }
    }

    /// Records `call` and returns its answer, or fails the test and throws when the test did not set one up.
    private func expected<Answer: Sendable>(_ call: Call, _ keyPath: KeyPath<Answers, Answer?>)
        throws(GatewayError) -> Answer
    {
        guard let answer = self.answer(to: call, keyPath) else {
            throw GatewayError.invalidResponse("the test gateway was not set up for \(call.method.rawValue)")
        }
        return answer
    }
}
