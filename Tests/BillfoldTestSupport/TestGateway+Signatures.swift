import BillfoldPayments
import Foundation

/// A webhook as the gateway delivers it: the raw body, the signature header and the event id header.
package struct TestWebhook: Sendable {
    package var body: [UInt8]
    package var signature: String
    package var eventID: String
}

extension TestGateway {
    /// The API key secret test checkouts are signed with.
    package static let keySecret = "test_key_secret"
    /// The secret test webhooks are signed with.
    package static let webhookSecret = "test_webhook_secret"

    /// An answer for `isValidCheckoutSignature` that checks Checkout's signature as Razorpay does, under `keySecret`.
    package static let checksCheckoutSignatures: @Sendable (String, String, String) -> Bool = {
        orderID, paymentID, signature in
        RazorpaySignature.isValidCheckout(
            signature: signature, orderID: orderID, paymentID: paymentID, secret: TestGateway.keySecret)
    }

    /// An answer for `isValidWebhookSignature` that checks the body's signature as Razorpay does, under
    /// `webhookSecret`.
    package static let checksWebhookSignatures: @Sendable ([UInt8], String) -> Bool = { body, signature in
        RazorpaySignature.isValid(signature: signature, message: body, secret: TestGateway.webhookSecret)
    }

    /// What Checkout hands the payer's browser for a payment on an order: signed under `keySecret`.
    package static func checkoutSignature(orderID: String, paymentID: String) -> String {
        RazorpaySignature.checkout(orderID: orderID, paymentID: paymentID, secret: self.keySecret)
    }

    /// Event `name` about `payment`, `refund` or `token`, encoded as Razorpay sends it and signed under
    /// `webhookSecret`.
    package static func webhook(
        _ name: String, id: String = "evt_" + UUID().uuidString.prefix(14), payment: GatewayPayment? = nil,
        refund: GatewayRefund? = nil, token: GatewayToken? = nil, createdAt: Int64 = 1_790_000_000
    ) throws -> TestWebhook {
        let event = RazorpayWire.Event(
            accountId: "acc_test", event: name,
            payload: RazorpayWire.Payload(
                payment: payment.map { RazorpayWire.Payment($0) }, refund: refund.map(RazorpayWire.Refund.init),
                token: token.map { RazorpayWire.Token($0, createdAt: createdAt) }),
            createdAt: createdAt)
        let body = Array(try RazorpayWire.encoder().encode(event))
        return TestWebhook(
            body: body, signature: RazorpaySignature.sign(message: body, secret: self.webhookSecret), eventID: id)
    }
}
