import BillfoldPayments
import Synchronization

/// A gateway known only once the server listens: the sandbox, served by this very server, is reached at the port
/// the server bound. Until then every call answers `unavailable`.
package final class DeferredGateway: PaymentGateway {
    private let resolved = Mutex<(any PaymentGateway)?>(nil)
    package let provider: String

    package init(provider: String) {
        self.provider = provider
    }

    func resolve(_ gateway: any PaymentGateway) {
        self.resolved.withLock { $0 = gateway }
    }

    private func gateway() throws(GatewayError) -> any PaymentGateway {
        guard let gateway = self.resolved.withLock({ $0 }) else {
            throw .unavailable("the payment gateway is not ready yet")
        }
        return gateway
    }

    package var checkout: CheckoutConfiguration {
        self.resolved.withLock { $0?.checkout } ?? CheckoutConfiguration(keyID: "", hostedCheckoutURL: nil)
    }

    package func createOrder(_ request: OrderRequest) async throws(GatewayError) -> GatewayOrder {
        try await self.gateway().createOrder(request)
    }

    package func fetchOrder(id: String) async throws(GatewayError) -> GatewayOrder {
        try await self.gateway().fetchOrder(id: id)
    }

    package func fetchPayments(orderID: String) async throws(GatewayError) -> [GatewayPayment] {
        try await self.gateway().fetchPayments(orderID: orderID)
    }

    package func fetchPayment(id: String) async throws(GatewayError) -> GatewayPayment {
        try await self.gateway().fetchPayment(id: id)
    }

    package func refund(_ request: RefundRequest) async throws(GatewayError) -> GatewayRefund {
        try await self.gateway().refund(request)
    }

    package func fetchRefund(paymentID: String, refundID: String) async throws(GatewayError) -> GatewayRefund {
        try await self.gateway().fetchRefund(paymentID: paymentID, refundID: refundID)
    }

    package func createCustomer(_ request: CustomerRequest) async throws(GatewayError) -> GatewayCustomer {
        try await self.gateway().createCustomer(request)
    }

    package func fetchToken(customerID: String, tokenID: String) async throws(GatewayError) -> GatewayToken {
        try await self.gateway().fetchToken(customerID: customerID, tokenID: tokenID)
    }

    package func chargeRecurring(_ request: RecurringChargeRequest) async throws(GatewayError) -> RecurringChargeResult
    {
        try await self.gateway().chargeRecurring(request)
    }

    package func isValidCheckoutSignature(orderID: String, paymentID: String, signature: String) -> Bool {
        (try? self.gateway().isValidCheckoutSignature(orderID: orderID, paymentID: paymentID, signature: signature))
            ?? false
    }

    package func isValidWebhookSignature(body: [UInt8], signature: String) -> Bool {
        (try? self.gateway().isValidWebhookSignature(body: body, signature: signature)) ?? false
    }
}
