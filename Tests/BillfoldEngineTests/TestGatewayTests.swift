import BillfoldPayments
import BillfoldTestSupport
import Testing

/// The test gateway the payment tests rely on: what a test did not set up fails it, loudly.
@Suite("The test gateway")
struct TestGatewayTests {
    @Test("A call the test did not set up fails the test, naming the method, and throws")
    func unexpectedCall() async {
        let gateway = TestGateway()
        await withKnownIssue {
            await #expect(throws: GatewayError.self) { try await gateway.fetchPayments(orderID: "order_unexpected01") }
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("PaymentGateway.fetchPayments was called") }
        }
        withKnownIssue {
            #expect(!gateway.isValidWebhookSignature(body: [1, 2, 3], signature: "00"), "refused without an answer")
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("PaymentGateway.isValidWebhookSignature was called") }
        }
        #expect(
            gateway.calls == [
                .fetchPayments(orderID: "order_unexpected01"),
                .isValidWebhookSignature(body: [1, 2, 3], signature: "00"),
            ])
    }

    @Test("A call set up gets its answer and is recorded in order; the gateway's errors pass through as they are")
    func expectedCalls() async throws {
        let gateway = TestGateway()
        gateway.answers.fetchToken = { customerID, tokenID in
            GatewayToken(
                id: tokenID, customerID: customerID, method: "card", status: .confirmed, maxAmount: nil, expiredAt: nil)
        }
        gateway.answers.fetchPayment = { _ in throw GatewayError.rateLimited }
        let token = try await gateway.fetchToken(customerID: "cust_1", tokenID: "token_1")
        #expect(token.status == .confirmed && token.id == "token_1")
        await #expect(throws: GatewayError.rateLimited) { try await gateway.fetchPayment(id: "pay_1") }
        #expect(gateway.methodsCalled == [.fetchToken, .fetchPayment])
        gateway.reset()
        #expect(gateway.calls.isEmpty)
        await withKnownIssue {
            await #expect(throws: GatewayError.self) {
                try await gateway.fetchToken(customerID: "cust_1", tokenID: "token_1")
            }
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("PaymentGateway.fetchToken") }
        }
    }

    @Test("An answer that throws what no gateway throws fails the test")
    func answerWithAForeignError() async {
        struct Mistake: Error {}
        let gateway = TestGateway()
        gateway.answers.createCustomer = { _ in throw Mistake() }
        await withKnownIssue {
            await #expect(throws: GatewayError.self) {
                try await gateway.createCustomer(CustomerRequest(name: "Acme", email: "billing@acme.example"))
            }
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("which no gateway throws") }
        }
    }
}
