import BillfoldCore
import Foundation
import SQLKit

/// An endpoint's signing secrets as stored: sealed under the master key, so the database alone never gives them
/// away. During a rotation the previous secret still signs until `previousExpiresAt`.
package struct SealedWebhookSecrets: Hashable, Sendable {
    package var current: String
    package var previous: String?
    package var previousExpiresAt: Date?

    package init(current: String, previous: String? = nil, previousExpiresAt: Date? = nil) {
        self.current = current
        self.previous = previous
        self.previousExpiresAt = previousExpiresAt
    }
}

/// A delivery a worker has claimed, with what it needs to make the request.
package struct ClaimedWebhookDelivery: Sendable {
    package var delivery: WebhookDelivery
    package var url: String
    package var secrets: SealedWebhookSecrets
    package var event: BillingEvent
}

/// How a claimed delivery's try ended, to be recorded.
package struct WebhookDeliveryResult: Sendable {
    package var attempt: WebhookAttempt
    /// The delivery's status after this try: `succeeded`, `pending` (tried again at `attempt.nextAttemptAt`) or
    /// `failed`.
    package var status: WebhookDelivery.Status

    package init(attempt: WebhookAttempt, status: WebhookDelivery.Status) {
        self.attempt = attempt
        self.status = status
    }
}

/// Webhook endpoints, the deliveries owed to them, and every attempt made.
package protocol WebhookRepository: Sendable {
    func createEndpoint(_ endpoint: WebhookEndpoint, secrets: SealedWebhookSecrets) async throws
    /// The endpoint, unless it was deleted.
    func endpoint(_ id: WebhookEndpointID) async throws -> WebhookEndpoint?
    /// Endpoints not deleted, oldest first, after `startingAfter` when given.
    func endpoints(limit: Int, startingAfter: WebhookEndpointID?) async throws -> [WebhookEndpoint]
    /// The enabled endpoints.
    func enabledEndpoints() async throws -> [WebhookEndpoint]
    /// Saves the endpoint's url, types, description and state.
    func updateEndpoint(_ endpoint: WebhookEndpoint) async throws
    /// Turns an enabled endpoint off with `reason`; `false` when it was already off (or deleted).
    func disableEndpoint(_ id: WebhookEndpointID, reason: String, at time: Date) async throws -> Bool
    func secrets(of id: WebhookEndpointID) async throws -> SealedWebhookSecrets?
    func replaceSecrets(of id: WebhookEndpointID, with secrets: SealedWebhookSecrets, at time: Date) async throws
    /// Deletes the endpoint: it is gone from lists and receives nothing more; its delivery log stays.
    func deleteEndpoint(_ id: WebhookEndpointID, at time: Date) async throws

    /// Adds deliveries; one owed because of an event that is already owed to its endpoint is skipped. Returns how
    /// many were added.
    @discardableResult
    func enqueue(_ deliveries: [WebhookDelivery]) async throws -> Int
    /// Claims up to `limit` deliveries to enabled endpoints for `claimant` until `leaseExpiresAt`: those pending
    /// and due at `time`, and those whose claim lapsed. Each claim counts as an attempt. On PostgreSQL rows another
    /// worker is claiming are skipped, so any number of processes share the work and none takes the same delivery.
    func claim(due time: Date, claimant: String, leaseExpiresAt: Date, limit: Int) async throws
        -> [ClaimedWebhookDelivery]
    /// Records each try and moves its delivery on, for deliveries `claimant` still holds; returns the deliveries
    /// recorded (a claim that passed to another worker is not).
    func record(_ results: [WebhookDeliveryResult], claimant: String, at time: Date) async throws
        -> Set<WebhookDeliveryID>
    func delivery(_ id: WebhookDeliveryID) async throws -> WebhookDelivery?
    /// The deliveries of `event`, oldest first.
    func deliveries(of event: EventID) async throws -> [WebhookDelivery]
    /// The endpoint's attempts, newest first, before the attempt `startingAfter` when given.
    func attempts(to endpoint: WebhookEndpointID, eventID: EventID?, limit: Int, startingAfter: WebhookAttemptID?)
        async throws -> [WebhookAttempt]
}

struct SQLWebhookRepository: WebhookRepository {
    let sql: any SQLDatabase

    func createEndpoint(_ endpoint: WebhookEndpoint, secrets: SealedWebhookSecrets) async throws {
        try await self.sql.raw(
            """
            INSERT INTO webhook_endpoints (id, url, event_types, description, enabled, disabled_reason, secret,
                previous_secret, previous_secret_expires_at, created_at, updated_at)
            VALUES (\(bind: endpoint.id.rawValue), \(bind: endpoint.url), \(bind: Self.stored(endpoint.eventTypes)),
                \(bind: endpoint.description), \(bind: endpoint.isEnabled), \(bind: endpoint.disabledReason),
                \(bind: secrets.current), \(bind: secrets.previous),
                \(bind: secrets.previousExpiresAt?.storedMilliseconds), \(bind: endpoint.createdAt.storedMilliseconds),
                \(bind: endpoint.updatedAt.storedMilliseconds))
            """
        ).run()
    }

    func endpoint(_ id: WebhookEndpointID) async throws -> WebhookEndpoint? {
        try await self.sql.raw(
            "SELECT * FROM webhook_endpoints WHERE id = \(bind: id.rawValue) AND deleted_at IS NULL"
        ).first().map(Self.endpoint(from:))
    }

    func endpoints(limit: Int, startingAfter: WebhookEndpointID?) async throws -> [WebhookEndpoint] {
        let after: SQLQueryString =
            startingAfter.map {
                " AND sequence > (SELECT sequence FROM webhook_endpoints WHERE id = \(bind: $0.rawValue))"
            } ?? ""
        return try await self.sql.raw(
            """
            SELECT * FROM webhook_endpoints WHERE deleted_at IS NULL\(after)
            ORDER BY sequence LIMIT \(bind: limit)
            """
        ).all().map(Self.endpoint(from:))
    }

    func enabledEndpoints() async throws -> [WebhookEndpoint] {
        try await self.sql.raw(
            "SELECT * FROM webhook_endpoints WHERE enabled = \(bind: true) AND deleted_at IS NULL ORDER BY sequence"
        ).all().map(Self.endpoint(from:))
    }

    func updateEndpoint(_ endpoint: WebhookEndpoint) async throws {
        try await self.sql.raw(
            """
            UPDATE webhook_endpoints SET url = \(bind: endpoint.url),
                event_types = \(bind: Self.stored(endpoint.eventTypes)), description = \(bind: endpoint.description),
                enabled = \(bind: endpoint.isEnabled), disabled_reason = \(bind: endpoint.disabledReason),
                updated_at = \(bind: endpoint.updatedAt.storedMilliseconds)
            WHERE id = \(bind: endpoint.id.rawValue) AND deleted_at IS NULL
            """
        ).run()
    }

    func disableEndpoint(_ id: WebhookEndpointID, reason: String, at time: Date) async throws -> Bool {
        try await self.sql.raw(
            """
            UPDATE webhook_endpoints SET enabled = \(bind: false), disabled_reason = \(bind: reason),
                updated_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: id.rawValue) AND enabled = \(bind: true) AND deleted_at IS NULL
            RETURNING id
            """
        ).first() != nil
    }

    func secrets(of id: WebhookEndpointID) async throws -> SealedWebhookSecrets? {
        try await self.sql.raw(
            """
            SELECT secret, previous_secret, previous_secret_expires_at FROM webhook_endpoints
            WHERE id = \(bind: id.rawValue) AND deleted_at IS NULL
            """
        ).first().map(Self.secrets(from:))
    }

    func replaceSecrets(of id: WebhookEndpointID, with secrets: SealedWebhookSecrets, at time: Date) async throws {
        try await self.sql.raw(
            """
            UPDATE webhook_endpoints SET secret = \(bind: secrets.current), previous_secret = \(bind: secrets.previous),
                previous_secret_expires_at = \(bind: secrets.previousExpiresAt?.storedMilliseconds),
                updated_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: id.rawValue)
            """
        ).run()
    }

    func deleteEndpoint(_ id: WebhookEndpointID, at time: Date) async throws {
        try await self.sql.raw(
            """
            UPDATE webhook_endpoints SET deleted_at = \(bind: time.storedMilliseconds), enabled = \(bind: false),
                updated_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: id.rawValue)
            """
        ).run()
    }

    func enqueue(_ deliveries: [WebhookDelivery]) async throws -> Int {
        var added = 0
        // Nine values a row: 1,000 rows stay under SQLite's limit of 32,766 bound values.
        for chunk in deliveries.chunked(into: 1_000) {
            let rows = chunk.map { delivery -> SQLQueryString in
                let created = delivery.createdAt.storedMilliseconds
                return """
                    (\(bind: delivery.id.rawValue), \(bind: delivery.eventID.rawValue),
                        \(bind: delivery.eventType.rawValue), \(bind: delivery.endpointID.rawValue),
                        \(bind: delivery.trigger.rawValue), 'pending', 0, \(bind: delivery.nextAttemptAt.storedMilliseconds),
                        \(bind: created), \(bind: created))
                    """
            }
            added += try await self.sql.raw(
                """
                INSERT INTO webhook_deliveries (id, event_id, event_type, endpoint_id, trigger, status, attempts,
                    next_attempt_at, created_at, updated_at)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT DO NOTHING
                RETURNING id
                """
            ).all().count
        }
        return added
    }

    func claim(due time: Date, claimant: String, leaseExpiresAt: Date, limit: Int) async throws
        -> [ClaimedWebhookDelivery]
    {
        let now = time.storedMilliseconds
        let lock: SQLQueryString = self.sql.isPostgreSQL ? " FOR UPDATE OF d SKIP LOCKED" : ""
        let deliveries = try await self.sql.raw(
            """
            UPDATE webhook_deliveries SET status = 'delivering', claimed_by = \(bind: claimant),
                attempts = attempts + 1, lease_expires_at = \(bind: leaseExpiresAt.storedMilliseconds),
                updated_at = \(bind: now)
            WHERE sequence IN (
                SELECT d.sequence FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE e.enabled = \(bind: true) AND e.deleted_at IS NULL
                    AND ((d.status = 'pending' AND d.next_attempt_at <= \(bind: now))
                        OR (d.status = 'delivering' AND d.lease_expires_at <= \(bind: now)))
                ORDER BY d.next_attempt_at, d.sequence LIMIT \(bind: limit)\(lock)
            )
            RETURNING *
            """
        ).all().map(Self.delivery(from:))
        guard !deliveries.isEmpty else { return [] }
        var endpoints: [String: (url: String, secrets: SealedWebhookSecrets)] = [:]
        for row in try await self.sql.raw(
            """
            SELECT id, url, secret, previous_secret, previous_secret_expires_at FROM webhook_endpoints
            WHERE id IN (\(binds: Set(deliveries.map(\.endpointID.rawValue)).sorted()))
            """
        ).all() {
            endpoints[try row.string("id")] = (try row.string("url"), try Self.secrets(from: row))
        }
        var events: [String: BillingEvent] = [:]
        for row in try await self.sql.raw(
            "SELECT * FROM events WHERE id IN (\(binds: Set(deliveries.map(\.eventID.rawValue)).sorted()))"
        ).all() {
            let event = try SQLEventRepository.event(from: row)
            events[event.id.rawValue] = event
        }
        return try deliveries.sorted { ($0.nextAttemptAt, $0.createdAt) < ($1.nextAttemptAt, $1.createdAt) }.map {
            delivery in
            guard let endpoint = endpoints[delivery.endpointID.rawValue],
                let event = events[delivery.eventID.rawValue]
            else {
                throw StoreError.corrupt("the delivery \(delivery.id) names an endpoint or event that is missing")
            }
            return ClaimedWebhookDelivery(
                delivery: delivery, url: endpoint.url, secrets: endpoint.secrets, event: event)
        }
    }

    func record(_ results: [WebhookDeliveryResult], claimant: String, at time: Date) async throws
        -> Set<WebhookDeliveryID>
    {
        var recorded: Set<WebhookDeliveryID> = []
        for result in results {
            let attempt = result.attempt
            let delivered: Int64? = result.status == .succeeded ? attempt.attemptedAt.storedMilliseconds : nil
            let next = (attempt.nextAttemptAt ?? time).storedMilliseconds
            let updated = try await self.sql.raw(
                """
                UPDATE webhook_deliveries SET status = \(bind: result.status.rawValue), next_attempt_at = \(bind: next),
                    lease_expires_at = NULL, last_status_code = \(bind: attempt.statusCode),
                    last_error = \(bind: attempt.error), delivered_at = \(bind: delivered),
                    updated_at = \(bind: time.storedMilliseconds)
                WHERE id = \(bind: attempt.deliveryID.rawValue) AND status = 'delivering'
                    AND claimed_by = \(bind: claimant)
                RETURNING id
                """
            ).first()
            if updated != nil { recorded.insert(attempt.deliveryID) }
        }
        // Every try is logged, even one whose claim had passed on: it reached (or failed to reach) the endpoint.
        for chunk in results.map(\.attempt).chunked(into: 2_000) {
            let rows = chunk.map { attempt -> SQLQueryString in
                """
                (\(bind: attempt.id.rawValue), \(bind: attempt.deliveryID.rawValue),
                    \(bind: attempt.endpointID.rawValue), \(bind: attempt.eventID.rawValue),
                    \(bind: attempt.eventType.rawValue), \(bind: attempt.number), \(bind: attempt.url),
                    \(bind: attempt.attemptedAt.storedMilliseconds), \(bind: attempt.durationMilliseconds),
                    \(bind: attempt.statusCode), \(bind: attempt.outcome.rawValue), \(bind: attempt.error),
                    \(bind: attempt.responseBody), \(bind: attempt.nextAttemptAt?.storedMilliseconds))
                """
            }
            try await self.sql.raw(
                """
                INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, event_type, number, url,
                    attempted_at, duration_ms, status_code, outcome, error, response_body, next_attempt_at)
                VALUES \(rows.joined(separator: ", "))
                """
            ).run()
        }
        return recorded
    }

    func delivery(_ id: WebhookDeliveryID) async throws -> WebhookDelivery? {
        try await self.sql.raw("SELECT * FROM webhook_deliveries WHERE id = \(bind: id.rawValue)").first()
            .map(Self.delivery(from:))
    }

    func deliveries(of event: EventID) async throws -> [WebhookDelivery] {
        try await self.sql.raw(
            "SELECT * FROM webhook_deliveries WHERE event_id = \(bind: event.rawValue) ORDER BY sequence"
        ).all().map(Self.delivery(from:))
    }

    func attempts(to endpoint: WebhookEndpointID, eventID: EventID?, limit: Int, startingAfter: WebhookAttemptID?)
        async throws -> [WebhookAttempt]
    {
        var query: SQLQueryString = "SELECT * FROM webhook_attempts WHERE endpoint_id = \(bind: endpoint.rawValue)"
        if let eventID { query += " AND event_id = \(bind: eventID.rawValue)" }
        if let startingAfter {
            query +=
                " AND sequence < (SELECT sequence FROM webhook_attempts WHERE id = \(bind: startingAfter.rawValue))"
        }
        query += " ORDER BY sequence DESC LIMIT \(bind: limit)"
        return try await self.sql.raw(query).all().map(Self.attempt(from:))
    }

    /// Event types as stored: space-separated, sorted; empty for all.
    static func stored(_ types: Set<BillingEventType>) -> String {
        types.map(\.rawValue).sorted().joined(separator: " ")
    }

    static func endpoint(from row: any SQLRow) throws -> WebhookEndpoint {
        let types = try row.string("event_types").split(separator: " ").map { name in
            guard let type = BillingEventType(rawValue: String(name)) else {
                throw StoreError.corrupt("an endpoint wants the unknown event type \(name)")
            }
            return type
        }
        var endpoint = WebhookEndpoint(
            id: WebhookEndpointID(rawValue: try row.string("id")), url: try row.string("url"),
            eventTypes: Set(types), description: try row.string("description"), isEnabled: try row.bool("enabled"),
            disabledReason: try row.optionalString("disabled_reason"), createdAt: try row.date("created_at"))
        endpoint.updatedAt = try row.date("updated_at")
        return endpoint
    }

    static func secrets(from row: any SQLRow) throws -> SealedWebhookSecrets {
        SealedWebhookSecrets(
            current: try row.string("secret"), previous: try row.optionalString("previous_secret"),
            previousExpiresAt: try row.optionalDate("previous_secret_expires_at"))
    }

    static func delivery(from row: any SQLRow) throws -> WebhookDelivery {
        var delivery = WebhookDelivery(
            id: WebhookDeliveryID(rawValue: try row.string("id")),
            eventID: EventID(rawValue: try row.string("event_id")),
            eventType: try row.enumeration("event_type", as: BillingEventType.self),
            endpointID: WebhookEndpointID(rawValue: try row.string("endpoint_id")),
            trigger: try row.enumeration("trigger", as: WebhookDelivery.Trigger.self),
            createdAt: try row.date("created_at"))
        delivery.status = try row.enumeration("status", as: WebhookDelivery.Status.self)
        delivery.attempts = try row.int("attempts")
        delivery.nextAttemptAt = try row.date("next_attempt_at")
        delivery.lastStatusCode = try row.optionalInt64("last_status_code").map(Int.init)
        delivery.lastError = try row.optionalString("last_error")
        delivery.deliveredAt = try row.optionalDate("delivered_at")
        return delivery
    }

    static func attempt(from row: any SQLRow) throws -> WebhookAttempt {
        WebhookAttempt(
            id: WebhookAttemptID(rawValue: try row.string("id")),
            deliveryID: WebhookDeliveryID(rawValue: try row.string("delivery_id")),
            endpointID: WebhookEndpointID(rawValue: try row.string("endpoint_id")),
            eventID: EventID(rawValue: try row.string("event_id")),
            eventType: try row.enumeration("event_type", as: BillingEventType.self), number: try row.int("number"),
            url: try row.string("url"), attemptedAt: try row.date("attempted_at"),
            durationMilliseconds: try row.int("duration_ms"),
            statusCode: try row.optionalInt64("status_code").map(Int.init),
            outcome: try row.enumeration("outcome", as: WebhookAttempt.Outcome.self),
            error: try row.optionalString("error"),
            responseBody: try row.string("response_body"), nextAttemptAt: try row.optionalDate("next_attempt_at"))
    }
}
