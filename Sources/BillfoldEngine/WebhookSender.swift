import BillfoldCore
import BillfoldStore
import BillfoldWebhooks
import Foundation
import Logging

/// Sends the deliveries owed to webhook endpoints, to the Standard Webhooks specification.
///
/// Each request carries `webhook-id` (the event's id, the same on every try and redelivery), `webhook-timestamp`
/// (this try's Unix seconds) and `webhook-signature` (a `v1` HMAC per signing secret), and the body
/// `{"type", "timestamp", "data"}` whose `data` is the event as the API shows it. A 2xx answer delivers; a 410
/// disables the endpoint; anything else (a redirect is not followed), a timeout or a failed connection is tried
/// again on the retry schedule, honouring `Retry-After`, and when the tries run out the endpoint is disabled. The
/// operator is mailed whenever an endpoint is disabled.
///
/// Deliveries are claimed under a lease (on PostgreSQL skipping rows another process is claiming), so any number
/// of processes send each delivery once; one that died mid-send is claimed again when its lease lapses, which is
/// why delivery is at least once and a receiver de-duplicates on `webhook-id`. Order is not kept.
package struct WebhookSender: Sendable {
    package let webhooks: WebhookService
    package let transport: any WebhookTransport
    package let mail: MailComposer
    package let schedule: WebhookRetrySchedule
    /// How long a claim holds before another process may take the delivery: longer than a batch takes with every
    /// request timing out.
    package let lease: TimeInterval
    package let claimant: String
    /// How many requests are in flight at once.
    package let concurrency: Int
    /// The Unix time written in `webhook-timestamp`: the real time, whatever the billing clock says, since the
    /// receiver checks it against its own clock.
    package let timestamp: @Sendable () -> Int64
    /// A number in `0..<1` that picks each retry's jitter.
    package let random: @Sendable () -> Double
    package let logger: Logger

    package init(
        webhooks: WebhookService, transport: any WebhookTransport, mail: MailComposer,
        schedule: WebhookRetrySchedule = .standard, lease: TimeInterval = 300,
        claimant: String = MailDelivery.processClaimant(), concurrency: Int = 16,
        timestamp: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "billfold.webhooks")
    ) {
        self.webhooks = webhooks
        self.transport = transport
        self.mail = mail
        self.schedule = schedule
        self.lease = lease
        self.claimant = claimant
        self.concurrency = max(1, concurrency)
        self.timestamp = timestamp
        self.random = random
        self.logger = logger
    }

    private var database: Database { self.webhooks.database }
    private var clock: BillingClock { self.webhooks.clock }

    /// What one pass did.
    package struct Report: Hashable, Sendable {
        package var delivered = 0
        package var retrying = 0
        package var failed = 0
        /// Deliveries whose claim passed to another process before this one finished.
        package var lostClaims = 0

        package init() {}
    }

    /// Fans out the new events, then sends every delivery due now, a batch at a time, until none is left.
    @discardableResult
    package func run() async throws -> Report {
        try await self.webhooks.fanOut()
        return try await self.deliverDue()
    }

    /// Sends every delivery due now, a batch at a time, until none is left.
    @discardableResult
    package func deliverDue() async throws -> Report {
        var report = Report()
        while true {
            let now = self.clock.now
            let batch = try await self.database.store.webhooks.claim(
                due: now, claimant: self.claimant, leaseExpiresAt: now.addingTimeInterval(self.lease),
                limit: self.concurrency * 4)
            if batch.isEmpty { return report }
            let bodies = try Self.bodies(of: batch.map(\.event))
            let results = try await concurrently(batch, atMost: self.concurrency) { claimed in
                await self.send(claimed, body: bodies[claimed.event.id, default: []])
            }
            let recorded = try await self.record(results)
            for result in results {
                guard recorded.contains(result.attempt.deliveryID) else {
                    report.lostClaims += 1
                    continue
                }
                switch result.status {
                case .succeeded: report.delivered += 1
                case .pending: report.retrying += 1
                case .failed, .delivering: report.failed += 1
                }
            }
        }
    }

    /// The body each event is sent with, made once however many endpoints it goes to.
    static func bodies(of events: [BillingEvent]) throws -> [EventID: [UInt8]] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bodies: [EventID: [UInt8]] = [:]
        for event in events where bodies[event.id] == nil {
            bodies[event.id] = Array(try encoder.encode(Payload(event)))
        }
        return bodies
    }

    /// `{"type", "timestamp", "data"}`: the specification's envelope around the event.
    struct Payload: Encodable {
        let type: String
        let timestamp: String
        let data: BillingEvent.Representation

        init(_ event: BillingEvent) {
            self.type = event.type.rawValue
            self.timestamp = ISO8601Instant.format(event.createdAt)
            self.data = BillingEvent.Representation(event)
        }
    }

    /// One try of `claimed`; never throws, since every way it can end is recorded.
    private func send(_ claimed: ClaimedWebhookDelivery, body: [UInt8]) async -> WebhookDeliveryResult {
        let delivery = claimed.delivery
        let started = self.clock.now
        let startedInstant = ContinuousClock.now
        var statusCode: Int?
        var responseBody: [UInt8] = []
        let verdict: WebhookVerdict
        var problem: String?
        do {
            let secrets = try self.webhooks.signingSecrets(claimed.secrets, of: delivery.endpointID, at: started)
            let timestamp = self.timestamp()
            let id = delivery.eventID.rawValue
            let request = WebhookRequest(
                url: claimed.url,
                headers: [
                    ("content-type", "application/json"), ("user-agent", "Billfold-Webhooks/1"),
                    ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                    (
                        "webhook-signature",
                        WebhookSignature.header(id: id, timestamp: timestamp, body: body, secrets: secrets)
                    ),
                ],
                body: body)
            let response = try await self.transport.post(request)
            statusCode = response.statusCode
            responseBody = response.body
            verdict = WebhookVerdict(statusCode: response.statusCode, retryAfter: response.retryAfter)
            if case .failed = verdict {
                problem = Self.describe(statusCode: response.statusCode)
            } else if verdict == .gone {
                problem = "the endpoint answered 410 Gone"
            }
        } catch let error as WebhookTransportError {
            problem = error.description
            verdict = .failed(retryAfter: nil)
        } catch {
            // The secret would not open: the master key changed. Retrying may help once the operator restores it.
            problem = "\(error)"
            verdict = .failed(retryAfter: nil)
        }
        let elapsed = ContinuousClock.now - startedInstant
        let finished = self.clock.now
        let outcome: WebhookAttempt.Outcome
        let status: WebhookDelivery.Status
        var nextAttemptAt: Date?
        switch verdict {
        case .delivered:
            (outcome, status) = (.succeeded, .succeeded)
        case .gone:
            (outcome, status) = (.failed, .failed)
        case .failed(let retryAfter):
            nextAttemptAt = self.schedule.nextAttempt(
                after: delivery.attempts, failedAt: finished, retryAfter: retryAfter, random: self.random())
            (outcome, status) = nextAttemptAt == nil ? (.failed, .failed) : (.retrying, .pending)
        }
        if outcome != .succeeded {
            self.logger.warning(
                "webhook \(delivery.eventID) to \(claimed.url) failed on try \(delivery.attempts): \(problem ?? "")",
                metadata: ["retry_at": "\(nextAttemptAt.map(ISO8601Instant.format) ?? "never")"])
        }
        let attempt = WebhookAttempt(
            deliveryID: delivery.id, endpointID: delivery.endpointID, eventID: delivery.eventID,
            eventType: delivery.eventType, number: delivery.attempts, url: claimed.url, attemptedAt: started,
            durationMilliseconds: Int(
                elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
            statusCode: statusCode, outcome: outcome, error: problem,
            responseBody: String(decoding: responseBody.prefix(WebhookAttempt.keptResponseBytes), as: UTF8.self),
            nextAttemptAt: nextAttemptAt)
        return WebhookDeliveryResult(attempt: attempt, status: status)
    }

    private static func describe(statusCode: Int) -> String {
        switch statusCode {
        case 300..<400: "the endpoint answered \(statusCode), a redirect, which is not followed"
        default: "the endpoint answered \(statusCode)"
        }
    }

    /// Records a batch's tries in one transaction, disabling the endpoints that answered 410 or ran out of tries
    /// and queueing a mail to the operator for each.
    private func record(_ results: [WebhookDeliveryResult]) async throws
        -> Set<WebhookDeliveryID>
    {
        let now = self.clock.now
        return try await self.database.inTransaction { store in
            let recorded = try await store.webhooks.record(results, claimant: self.claimant, at: now)
            var disabled: Set<WebhookEndpointID> = []
            for result in results where result.status == .failed && recorded.contains(result.attempt.deliveryID) {
                let attempt = result.attempt
                guard !disabled.contains(attempt.endpointID) else { continue }
                let reason =
                    attempt.statusCode == 410
                    ? "the endpoint answered 410 Gone on \(ISO8601Instant.format(attempt.attemptedAt))"
                    : "no delivery of \(attempt.eventID) succeeded in \(attempt.number) tries; the last: "
                        + (attempt.error ?? "")
                if try await store.webhooks.disableEndpoint(attempt.endpointID, reason: reason, at: now) {
                    disabled.insert(attempt.endpointID)
                    try await self.mailOperator(
                        endpoint: attempt.endpointID, url: attempt.url, reason: reason,
                        in: store, at: now)
                }
            }
            return recorded
        }
    }

    /// Tells the operator (the supplier's address) that an endpoint was disabled and how to turn it back on.
    private func mailOperator(
        endpoint: WebhookEndpointID, url: String, reason: String, in store: Store, at now: Date
    ) async throws {
        guard let supplier = try await store.supplier.find(), !supplier.email.isEmpty else {
            self.logger.error("webhook endpoint \(endpoint) was disabled (\(reason)); no supplier email to tell")
            return
        }
        let id = OutboxMessageID.generate()
        let text = """
            Billfold stopped sending webhooks to \(url) (endpoint \(endpoint)).

            Why: \(reason).

            Events that happen while it is disabled are not queued for it. Once the receiver works again, turn the \
            endpoint back on with PATCH /api/v1/webhook_endpoints/\(endpoint) {"enabled": true}; deliveries still \
            pending then go out, and any event can be sent again with POST /api/v1/events/{id}/redeliver. Every \
            try is listed at GET /api/v1/webhook_endpoints/\(endpoint)/deliveries.

            -- Billfold
            """
        _ = try await store.outbox.enqueue(
            OutboxMessage(
                id: id, template: "webhook_endpoint_disabled",
                cause: "webhook_endpoint_disabled:\(endpoint.rawValue):\(Int64(now.timeIntervalSince1970))",
                workspaceID: nil, invoiceID: nil, recipient: supplier.email,
                subject: "Webhooks to \(url) are disabled", text: text, html: "",
                messageID: "\(id.rawValue)@\(self.mail.messageIDDomain)", createdAt: now))
    }
}
