import Crypto

/// Razorpay's signatures: lower-case hex HMAC-SHA256, over `order_id|payment_id` for Checkout (keyed with the API
/// key secret) and over the raw request body for webhooks (keyed with the webhook secret).
package enum RazorpaySignature {
    /// The lower-case hex HMAC-SHA256 of `message` under `secret`.
    package static func sign(message: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: message, using: self.key(secret))
        return self.hex(Array(code))
    }

    /// What Checkout's `razorpay_signature` should be for an order and the payment made on it.
    package static func checkout(orderID: String, paymentID: String, secret: String) -> String {
        self.sign(message: self.checkoutMessage(orderID: orderID, paymentID: paymentID), secret: secret)
    }

    /// Whether `signature` is the signature of `message` under `secret`, compared in constant time.
    ///
    /// Only the form Razorpay sends is accepted: exactly 64 lower-case hex digits. Upper-case hex is refused, as
    /// Razorpay's own SDKs refuse it (they compare the hex strings). An empty secret verifies nothing, so that a
    /// missing configuration value cannot turn into a key anyone can sign with.
    package static func isValid(signature: String, message: [UInt8], secret: String) -> Bool {
        guard !secret.isEmpty, let code = self.bytes(fromLowercaseHex: signature),
            code.count == SHA256.byteCount
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: message, using: self.key(secret))
    }

    /// Whether `signature` is Checkout's signature for the order we stored and the payment the browser reported.
    package static func isValidCheckout(signature: String, orderID: String, paymentID: String, secret: String) -> Bool {
        self.isValid(
            signature: signature, message: self.checkoutMessage(orderID: orderID, paymentID: paymentID),
            secret: secret)
    }

    private static func checkoutMessage(orderID: String, paymentID: String) -> [UInt8] {
        Array("\(orderID)|\(paymentID)".utf8)
    }

    private static func key(_ secret: String) -> SymmetricKey {
        SymmetricKey(data: Array(secret.utf8))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(self.digits[Int(byte >> 4)])
            text.append(self.digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `nil` for an odd length or anything but `0-9 a-f`. This reads the caller's input, not the secret, so its
    /// early exits tell an attacker nothing about the expected code.
    private static func bytes(fromLowercaseHex text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = self.nibble(characters[index]), let low = self.nibble(characters[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
