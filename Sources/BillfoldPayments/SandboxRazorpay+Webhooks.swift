import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// What the sandbox does with the events it publishes.
package enum WebhookMode: Hashable, Sendable {
    /// Posts each event to the webhook URL, in order, retrying failures with backoff.
    case deliver
    /// Keeps events (`heldEvents`) without sending them, until `releaseHeldEvents()`.
    case hold
    /// Posts each batch (the events of one change) in reverse order, twice: Razorpay's at-least-once, out-of-order
    /// delivery at its worst.
    case deliverTwiceReversed
}

/// One webhook event exactly as it is sent: the body bytes and the signature over them.
package struct SandboxEvent: Hashable, Sendable {
    /// `x-razorpay-event-id`.
    package var id: String
    /// `payment.captured`, `order.paid`, …
    package var name: String
    package var body: [UInt8]
    /// `X-Razorpay-Signature`.
    package var signature: String

    /// The headers a delivery carries.
    package var headers: [String: String] {
        ["Content-Type": "application/json", "X-Razorpay-Signature": self.signature, "x-razorpay-event-id": self.id]
    }
}

/// How the posting of one event went.
package struct SandboxDelivery: Hashable, Sendable {
    package var eventID: String
    package var attempts: Int
    /// The last HTTP status the receiver answered; `nil` when it never answered.
    package var lastStatus: Int?
    package var isDelivered: Bool
}

/// Events to post to `url`, in order.
struct WebhookBatch: Sendable {
    let url: String
    let events: [SandboxEvent]
    let retryDelays: [Duration]
}

extension SandboxRazorpay {
    // MARK: - Controls

    /// Where events are posted; with none, they are kept (`events`) but not sent.
    package func setWebhookURL(_ url: String?) { self.webhookURL = url }

    package func setWebhookMode(_ mode: WebhookMode) { self.webhookMode = mode }

    /// The waits between attempts at one event: its attempts are one more than the delays.
    package func setWebhookRetryDelays(_ delays: [Duration]) { self.webhookRetryDelays = delays }

    /// Every event published, oldest first, whether sent or not.
    package var events: [SandboxEvent] { self.publishedEvents }

    /// Events kept back by `.hold`, oldest first.
    package var heldEvents: [SandboxEvent] { self.held }

    /// Every event posted so far and how its delivery went, in the order posting finished.
    package var webhookDeliveries: [SandboxDelivery] { self.deliveryLog }

    /// Sends the held events, oldest first, and answers them; with no webhook URL they stay held.
    @discardableResult package func releaseHeldEvents() -> [SandboxEvent] {
        guard self.webhookURL != nil else { return [] }
        let released = self.held
        self.held = []
        self.send(released)
        return released
    }

    // MARK: - Publishing

    /// One event, its body encoded once: the bytes signed are the bytes sent.
    func makeEvent(_ name: String, payload: RazorpayWire.Payload) -> SandboxEvent {
        let envelope = RazorpayWire.Event(
            accountId: self.accountID, event: name, payload: payload, createdAt: self.unixNow)
        let body: [UInt8]
        do {
            body = Array(try RazorpayWire.encoder().encode(envelope))
        } catch {
            // Strings and integers always encode; an event with no body would still be kept, so it is seen.
            self.logger.error("sandbox could not encode \(name): \(error)")
            body = []
        }
        return SandboxEvent(
            id: Self.makeID("evt_"), name: name, body: body, signature: self.webhookSignature(body: body))
    }

    /// Keeps the events of one change and sends them as the webhook mode says.
    func publish(_ batch: [SandboxEvent]) {
        guard !batch.isEmpty else { return }
        self.publishedEvents.append(contentsOf: batch)
        switch self.webhookMode {
        case .deliver: self.send(batch)
        case .hold: self.held.append(contentsOf: batch)
        case .deliverTwiceReversed: self.send(batch.reversed() + batch.reversed())
        }
    }

    private func send(_ events: [SandboxEvent]) {
        guard let url = self.webhookURL, !events.isEmpty else { return }
        if self.deliveries == nil { self.startDelivering() }
        self.deliveries?.yield(WebhookBatch(url: url, events: events, retryDelays: self.webhookRetryDelays))
    }

    func recordDelivery(_ delivery: SandboxDelivery) { self.deliveryLog.append(delivery) }

    /// One background task posts every batch in turn, so events arrive in the order they were published.
    private func startDelivering() {
        let (stream, continuation) = AsyncStream.makeStream(of: WebhookBatch.self)
        self.deliveries = continuation
        let client = self.httpClient
        let logger = self.logger
        self.deliveryTask = Task { [weak self] in
            for await batch in stream {
                for event in batch.events {
                    let delivery = await Self.post(
                        event, to: batch.url, retryDelays: batch.retryDelays, client: client, logger: logger)
                    await self?.recordDelivery(delivery)
                }
            }
        }
    }

    /// Posts `event` until the receiver answers 2xx or the retries run out.
    private static func post(
        _ event: SandboxEvent, to url: String, retryDelays: [Duration], client: HTTPClient, logger: Logger
    ) async -> SandboxDelivery {
        var delivery = SandboxDelivery(eventID: event.id, attempts: 0, lastStatus: nil, isDelivered: false)
        while !Task.isCancelled {
            delivery.attempts += 1
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            for (name, value) in event.headers { request.headers.add(name: name, value: value) }
            request.headers.add(name: "User-Agent", value: "Razorpay-Webhook/v1 (Billfold sandbox)")
            request.body = .bytes(ByteBuffer(bytes: event.body))
            do {
                let response = try await client.execute(request, timeout: .seconds(5))
                _ = try? await response.body.collect(upTo: 1 << 16)
                delivery.lastStatus = Int(response.status.code)
                if (200..<300).contains(response.status.code) {
                    delivery.isDelivered = true
                    return delivery
                }
            } catch {
                logger.debug("sandbox webhook \(event.name) to \(url) failed: \(error)")
            }
            guard delivery.attempts <= retryDelays.count else { break }
            try? await Task.sleep(for: retryDelays[delivery.attempts - 1])
        }
        logger.warning(
            "sandbox gave up on webhook \(event.name) (\(event.id)) after \(delivery.attempts) attempts")
        return delivery
    }
}
