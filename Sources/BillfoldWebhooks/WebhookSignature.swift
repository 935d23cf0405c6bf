import BillfoldCore
import Crypto
import Foundation

/// Standard Webhooks' symmetric signature (`v1`): HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the
/// secret's decoded bytes, in standard base64 with padding. A header carries one `v1,…` entry per secret, separated
/// by spaces, so a receiver holding either the old or the new secret verifies during a rotation.
package enum WebhookSignature {
    /// How far a receiver lets a timestamp stray from its own clock, as the reference libraries do.
    package static let tolerance: TimeInterval = 300

    /// The `webhook-signature` header for `body` sent as event `id` at `timestamp`, one entry per secret.
    package static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> String {
        secrets.map { "v1," + Self.signature(id: id, timestamp: timestamp, body: body, secret: $0) }
            .joined(separator: " ")
    }

    /// The base64 HMAC of one secret.
    package static func signature(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        var code = HMAC<SHA256>(key: SymmetricKey(data: secret.bytes))
        code.update(data: Array("\(id).\(timestamp).".utf8))
        code.update(data: body)
        return Data(code.finalize()).base64EncodedString()
    }

    /// Whether `header` holds a `v1` entry that `secret` made for this id, timestamp and body, compared in
    /// constant time, with the timestamp within the tolerance of `now`.
    package static func verify(
        header: String, id: String, timestamp: String, body: [UInt8], secret: WebhookSecret, now: Date
    ) -> Bool {
        guard let seconds = Int64(timestamp), !id.contains("."),
            abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= Self.tolerance
        else { return false }
        var content = Array("\(id).\(seconds).".utf8)
        content += body
        let key = SymmetricKey(data: secret.bytes)
        return header.split(separator: " ").contains { entry in
            guard entry.hasPrefix("v1,"), let mac = Data(base64Encoded: String(entry.dropFirst(3))) else {
                return false
            }
            return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: content, using: key)
        }
    }
}
