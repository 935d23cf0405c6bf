/// Razorpay's webhooks: the headers they carry and the envelope they deliver.
package enum RazorpayWebhook {
    /// Unique per event; a redelivery carries the same id.
    package static let eventIDHeader = "x-razorpay-event-id"
    /// Hex HMAC-SHA256 of the raw body under the webhook secret; check it before calling `decode`.
    package static let signatureHeader = "X-Razorpay-Signature"

    /// The events Billfold acts on. Their payloads must decode; any other event is reported by name alone.
    static let eventsInUse: Set<String> = [
        "payment.authorized", "payment.captured", "payment.failed", "order.paid", "refund.processed",
        "refund.failed", "token.confirmed", "token.rejected", "token.cancelled",
    ]

    /// A verified webhook body in domain terms; `eventID` is the `x-razorpay-event-id` header.
    ///
    /// Unknown fields are ignored. An event Billfold does not act on whose payload does not decode is reported by
    /// name alone: Razorpay retries a webhook that is not answered with a 2xx for a day, so an event nobody handles
    /// must not fail on a payload nobody reads.
    package static func decode(body: [UInt8], eventID: String) throws(GatewayError) -> GatewayEvent {
        guard !eventID.isEmpty else {
            throw .invalidResponse("webhook: no \(self.eventIDHeader) header")
        }
        let envelope = try RazorpayWire.decode(Envelope.self, from: body, what: "webhook")
        guard envelope.entity == "event" else {
            throw .invalidResponse("webhook: entity is \(envelope.entity), not event")
        }
        do {
            let event = try RazorpayWire.decode(
                RazorpayWire.Event.self, from: body, what: "webhook \(envelope.event)")
            return try event.domain(eventID: eventID)
        } catch {
            guard !self.eventsInUse.contains(envelope.event) else { throw error }
            return GatewayEvent(
                id: eventID, name: envelope.event, accountID: envelope.accountId, payment: nil, order: nil,
                refund: nil, token: nil, createdAt: envelope.createdAt)
        }
    }

    /// What every event has, whatever its payload.
    private struct Envelope: Decodable {
        var entity: String
        var accountId: String?
        var event: String
        var createdAt: Int64
    }
}
