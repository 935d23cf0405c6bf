import BillfoldPayments
import Foundation
import Testing

/// `Vectors/signatures.json`, written by `scripts/razorpay-signature-vectors.py` with Python's `hmac`.
private struct SignatureVectors: Decodable {
    struct Checkout: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var orderID: String
        var paymentID: String
        var secret: String
        var signature: String

        var testDescription: String { self.name }
    }

    /// `body` is base64, so the signed bytes are exact.
    struct Webhook: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var secret: String
        var signature: String

        var testDescription: String { self.name }

        var bytes: [UInt8] {
            get throws { try #require(Data(base64Encoded: self.body)).map { $0 } }
        }
    }

    var checkout: [Checkout]
    var webhook: [Webhook]
    var negative: [Webhook]

    static func load() throws -> SignatureVectors {
        let url = try #require(
            Bundle.module.url(forResource: "signatures", withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode(SignatureVectors.self, from: Data(contentsOf: url))
    }
}

@Suite("Razorpay signatures against Python's hmac")
struct RazorpaySignatureTests {
    @Test("the vectors are all there")
    func vectorsLoad() throws {
        let vectors = try SignatureVectors.load()
        #expect(vectors.checkout.count >= 3)
        #expect(vectors.webhook.count >= 4)
        #expect(vectors.negative.count >= 8)
    }

    @Test(
        "Checkout: order_id|payment_id signs to Python's hex and verifies",
        arguments: try SignatureVectors.load().checkout)
    fileprivate func checkout(_ vector: SignatureVectors.Checkout) {
        let signature = RazorpaySignature.checkout(
            orderID: vector.orderID, paymentID: vector.paymentID, secret: vector.secret)
        #expect(signature == vector.signature)
        #expect(
            RazorpaySignature.isValidCheckout(
                signature: vector.signature, orderID: vector.orderID, paymentID: vector.paymentID,
                secret: vector.secret))
        #expect(
            !RazorpaySignature.isValidCheckout(
                signature: vector.signature, orderID: vector.paymentID, paymentID: vector.orderID,
                secret: vector.secret),
            "the order id comes first")
    }

    @Test("webhooks: the raw body signs to Python's hex and verifies", arguments: try SignatureVectors.load().webhook)
    fileprivate func webhook(_ vector: SignatureVectors.Webhook) throws {
        let body = try vector.bytes
        #expect(RazorpaySignature.sign(message: body, secret: vector.secret) == vector.signature)
        #expect(RazorpaySignature.isValid(signature: vector.signature, message: body, secret: vector.secret))
    }

    @Test("a signature that is wrong in any way is refused", arguments: try SignatureVectors.load().negative)
    fileprivate func negative(_ vector: SignatureVectors.Webhook) throws {
        #expect(
            !RazorpaySignature.isValid(signature: vector.signature, message: try vector.bytes, secret: vector.secret))
    }
}
