import Foundation

/// Where a platform wants Billfold's events sent: a URL, the event types it wants (none named: all), and whether
/// delivery to it is on. Its signing secret is kept apart, sealed, and never part of this value.
package struct WebhookEndpoint: Hashable, Sendable, Identifiable {
    package typealias ID = WebhookEndpointID

    package let id: ID
    package var url: String
    /// The types delivered; empty: every type, including types added later.
    package var eventTypes: Set<BillingEventType>
    package var description: String
    package var isEnabled: Bool
    /// Why delivery stopped by itself (a 410, retries run out); `nil` while enabled or when an operator turned it off.
    package var disabledReason: String?
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        id: ID = .generate(), url: String, eventTypes: Set<BillingEventType>, description: String,
        isEnabled: Bool = true, disabledReason: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.isEnabled = isEnabled
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Whether events of `type` go to this endpoint.
    package func wants(_ type: BillingEventType) -> Bool {
        self.eventTypes.isEmpty || self.eventTypes.contains(type)
    }
}

/// An endpoint's signing secret: random bytes, shown as `whsec_` and their standard base64. The HMAC key is the
/// bytes, not the text (Standard Webhooks; Stripe keys with the text).
package struct WebhookSecret: Hashable, Sendable {
    package static let textPrefix = "whsec_"
    /// The specification allows 24 to 64 bytes; Billfold makes 32.
    package static let generatedLength = 32

    package let bytes: [UInt8]

    package init?(bytes: [UInt8]) {
        guard (24...64).contains(bytes.count) else { return nil }
        self.bytes = bytes
    }

    /// The secret `text` writes, `whsec_…`; `nil` when it is not one.
    package init?(_ text: String) {
        guard text.hasPrefix(Self.textPrefix),
            let data = Data(base64Encoded: String(text.dropFirst(Self.textPrefix.count)))
        else { return nil }
        self.init(bytes: Array(data))
    }

    /// A new secret from the system's secure random source.
    package static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<Self.generatedLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WebhookSecret(bytes: bytes)!
    }

    /// `whsec_` and the bytes in base64.
    package var text: String { Self.textPrefix + Data(self.bytes).base64EncodedString() }
}

/// One event owed to one endpoint, and how its delivery stands. Every try is a `WebhookAttempt`.
package struct WebhookDelivery: Hashable, Sendable, Identifiable {
    package typealias ID = WebhookDeliveryID

    package enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for `nextAttemptAt`.
        case pending
        /// Claimed by a delivery worker until its lease ends; a worker that died leaves it to be claimed again.
        case delivering
        /// The endpoint answered 2xx.
        case succeeded
        /// Given up: retries ran out, or the endpoint answered 410.
        case failed
    }

    /// Why the delivery exists.
    package enum Trigger: String, Sendable, Codable, CaseIterable {
        /// The event happened and the endpoint wants its type: one such delivery per event and endpoint.
        case event
        /// Someone asked for the event again (`POST /events/{id}/redeliver`).
        case redelivery
    }

    package let id: ID
    package var eventID: EventID
    package var eventType: BillingEventType
    package var endpointID: WebhookEndpointID
    package var trigger: Trigger
    package var status: Status
    package var attempts: Int
    package var nextAttemptAt: Date
    package var lastStatusCode: Int?
    package var lastError: String?
    package var createdAt: Date
    package var deliveredAt: Date?

    package init(
        id: ID = .generate(), eventID: EventID, eventType: BillingEventType, endpointID: WebhookEndpointID,
        trigger: Trigger, createdAt: Date
    ) {
        self.id = id
        self.eventID = eventID
        self.eventType = eventType
        self.endpointID = endpointID
        self.trigger = trigger
        self.status = .pending
        self.attempts = 0
        self.nextAttemptAt = createdAt
        self.createdAt = createdAt
    }
}

/// One try at delivering an event to an endpoint, as the endpoint's delivery log shows it.
package struct WebhookAttempt: Hashable, Sendable, Identifiable {
    package typealias ID = WebhookAttemptID

    package enum Outcome: String, Sendable, Codable, CaseIterable {
        /// A 2xx answer.
        case succeeded
        /// Any other answer, a timeout or a connection that failed; tried again later.
        case retrying
        /// The last try failed, or the endpoint answered 410: the delivery is given up.
        case failed
    }

    package let id: ID
    package var deliveryID: WebhookDeliveryID
    package var endpointID: WebhookEndpointID
    package var eventID: EventID
    package var eventType: BillingEventType
    /// 1 for the first try of its delivery.
    package var number: Int
    package var url: String
    package var attemptedAt: Date
    package var durationMilliseconds: Int
    /// The endpoint's status code; `nil` when none came (timeout, refused connection).
    package var statusCode: Int?
    package var outcome: Outcome
    /// What went wrong, in words; `nil` on success.
    package var error: String?
    /// The start of the endpoint's answer, at most `WebhookAttempt.keptResponseBytes`.
    package var responseBody: String
    /// When the delivery will be tried again; `nil` unless `retrying`.
    package var nextAttemptAt: Date?

    /// How much of an answer's body the log keeps.
    package static let keptResponseBytes = 2_048

    package init(
        id: ID = .generate(), deliveryID: WebhookDeliveryID, endpointID: WebhookEndpointID, eventID: EventID,
        eventType: BillingEventType, number: Int, url: String, attemptedAt: Date, durationMilliseconds: Int,
        statusCode: Int?, outcome: Outcome, error: String?, responseBody: String, nextAttemptAt: Date?
    ) {
        self.id = id
        self.deliveryID = deliveryID
        self.endpointID = endpointID
        self.eventID = eventID
        self.eventType = eventType
        self.number = number
        self.url = url
        self.attemptedAt = attemptedAt
        self.durationMilliseconds = durationMilliseconds
        self.statusCode = statusCode
        self.outcome = outcome
        self.error = error
        self.responseBody = responseBody
        self.nextAttemptAt = nextAttemptAt
    }
}

/// What an endpoint's answer (or the lack of one) means for its delivery.
package enum WebhookVerdict: Hashable, Sendable {
    /// 2xx: delivered.
    case delivered
    /// 410 Gone: the endpoint asks not to be sent anything more; it is disabled.
    case gone
    /// Anything else (3xx, which is not followed, 4xx, 429, 5xx, a timeout, a failed connection): try again.
    /// `retryAfter` is the wait the endpoint asked for, if any.
    case failed(retryAfter: TimeInterval?)

    /// The verdict on an answer with `statusCode`, and the `Retry-After` header's value if it had one.
    package init(statusCode: Int, retryAfter: String?) {
        switch statusCode {
        case 200..<300: self = .delivered
        case 410: self = .gone
        default: self = .failed(retryAfter: retryAfter.flatMap { Self.seconds(inRetryAfter: $0) })
        }
    }

    /// The seconds a `Retry-After` value asks for: delay-seconds, or an HTTP date (RFC 9110 §10.2.3); `nil` when it
    /// is neither.
    package static func seconds(inRetryAfter value: String, now: Date = Date()) -> TimeInterval? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return TimeInterval(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// When a failed delivery is tried again: at once, then after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h
/// and 24 h, ten tries over about three days. Each wait is stretched by up to a tenth at random, so endpoints that
/// failed together are not all retried in the same second; a longer `Retry-After` wins, up to a day.
package struct WebhookRetrySchedule: Hashable, Sendable {
    /// The wait after each failed try, by try number (1-based); their count plus one is the number of tries.
    package let delays: [TimeInterval]
    /// The largest share of a wait added at random.
    package let jitter: Double
    /// The longest `Retry-After` honoured.
    package static let longestRetryAfter: TimeInterval = 86_400

    package init(delays: [TimeInterval], jitter: Double = 0.1) {
        self.delays = delays
        self.jitter = jitter
    }

    package static let standard = WebhookRetrySchedule(
        delays: [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400])

    /// How many tries a delivery gets.
    package var maximumAttempts: Int { self.delays.count + 1 }

    /// When to try again after try number `attempts` failed at `time`; `nil` when that was the last. `random` is in
    /// `0..<1` and picks the jitter.
    package func nextAttempt(
        after attempts: Int, failedAt time: Date, retryAfter: TimeInterval?, random: Double
    ) -> Date? {
        guard attempts >= 1, attempts < self.maximumAttempts else { return nil }
        let base = self.delays[attempts - 1]
        let wait = max(base * (1 + self.jitter * random), min(retryAfter ?? 0, Self.longestRetryAfter))
        return time.addingTimeInterval(wait)
    }
}
