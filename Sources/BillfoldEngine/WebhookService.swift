import BillfoldCore
import BillfoldStore
import BillfoldWebhooks
import Foundation

/// Webhook endpoints and what is owed to them: an endpoint is created with its own secret, sealed under the
/// master key; each event the log records is owed, once, to every enabled endpoint that wants its type; and an
/// event can be asked for again.
package struct WebhookService: Sendable {
    package let database: Database
    package let clock: BillingClock
    /// `nil`: the server has no `BILLFOLD_MASTER_KEY`, so no secret can be stored and no endpoint created.
    package let masterKey: MasterKey?
    package let policy: WebhookAddressPolicy

    /// The cursor's name in `job_cursors`.
    static let cursor = "webhooks"
    /// How long a rotated-out secret keeps signing beside the new one.
    package static let rotationOverlap: TimeInterval = 86_400
    package static let longestDescription = 500

    package init(database: Database, clock: BillingClock, masterKey: MasterKey?, policy: WebhookAddressPolicy) {
        self.database = database
        self.clock = clock
        self.masterKey = masterKey
        self.policy = policy
    }

    /// Creates an endpoint and its secret; the secret is returned this once.
    package func create(
        url: String, eventTypes: Set<BillingEventType>, description: String, isEnabled: Bool
    ) async throws -> (endpoint: WebhookEndpoint, secret: WebhookSecret) {
        let key = try self.requireMasterKey()
        try await self.check(url: url)
        try Self.check(description: description)
        let endpoint = WebhookEndpoint(
            url: url, eventTypes: eventTypes, description: description, isEnabled: isEnabled,
            createdAt: self.clock.now)
        let secret = WebhookSecret.generate()
        let sealed = try key.seal(secret.bytes, context: endpoint.id.rawValue)
        try await self.database.store.webhooks.createEndpoint(endpoint, secrets: SealedWebhookSecrets(current: sealed))
        return (endpoint, secret)
    }

    /// Changes what is given; turning an endpoint back on clears why it was off, and the deliveries it missed
    /// while off (still pending) go out again.
    package func update(
        _ id: WebhookEndpointID, url: String?, eventTypes: Set<BillingEventType>?, description: String?,
        isEnabled: Bool?
    ) async throws -> WebhookEndpoint {
        var endpoint = try await self.endpoint(id)
        if let url {
            try await self.check(url: url)
            endpoint.url = url
        }
        if let eventTypes { endpoint.eventTypes = eventTypes }
        if let description {
            try Self.check(description: description)
            endpoint.description = description
        }
        if let isEnabled {
            if isEnabled && !endpoint.isEnabled { endpoint.disabledReason = nil }
            endpoint.isEnabled = isEnabled
        }
        endpoint.updatedAt = self.clock.now
        try await self.database.store.webhooks.updateEndpoint(endpoint)
        return endpoint
    }

    /// A new secret for the endpoint, returned this once. The one it replaces keeps signing beside it for 24 hours,
    /// so the platform can switch without missing a delivery; a secret still in that overlap from an earlier
    /// rotation stops signing now. Returns the endpoint as it now stands, the new secret, and when the old one stops
    /// signing.
    package func rotateSecret(_ id: WebhookEndpointID) async throws -> (
        endpoint: WebhookEndpoint, secret: WebhookSecret, previousExpiresAt: Date
    ) {
        let key = try self.requireMasterKey()
        let now = self.clock.now
        return try await self.database.inTransaction { store in
            guard var endpoint = try await store.webhooks.endpoint(id),
                let current = try await store.webhooks.secrets(of: id)
            else {
                throw Self.noEndpoint(id, param: "id")
            }
            // Open it first: a secret sealed under another key would otherwise sign on for a day as garbage.
            _ = try key.open(current.current, context: id.rawValue)
            let secret = WebhookSecret.generate()
            let previousExpiresAt = now.addingTimeInterval(Self.rotationOverlap)
            try await store.webhooks.replaceSecrets(
                of: id,
                with: SealedWebhookSecrets(
                    current: try key.seal(secret.bytes, context: id.rawValue), previous: current.current,
                    previousExpiresAt: previousExpiresAt),
                at: now)
            endpoint.updatedAt = now
            return (endpoint, secret, previousExpiresAt)
        }
    }

    /// Deletes the endpoint; nothing more is sent to it, and its delivery log stays readable by id.
    package func delete(_ id: WebhookEndpointID) async throws {
        _ = try await self.endpoint(id)
        try await self.database.store.webhooks.deleteEndpoint(id, at: self.clock.now)
    }

    /// Owes `eventID` again to `endpointID`, or to every enabled endpoint that wants its type; the deliveries go
    /// out with the next pass, under the event's id, so a receiver that has it already can tell.
    package func redeliver(_ eventID: EventID, to endpointID: WebhookEndpointID?) async throws -> [WebhookDelivery] {
        let store = self.database.store
        guard let event = try await store.events.find(eventID) else {
            throw EngineError(.notFound, "no event with id \(eventID)", param: "id")
        }
        let endpoints: [WebhookEndpoint]
        if let endpointID {
            let endpoint = try await self.endpoint(endpointID, param: "endpoint_id")
            guard endpoint.isEnabled else {
                throw EngineError(
                    .invalidState,
                    "the webhook endpoint \(endpointID) is disabled; enable it (PATCH with enabled true) first",
                    param: "endpoint_id")
            }
            endpoints = [endpoint]
        } else {
            endpoints = try await store.webhooks.enabledEndpoints().filter { $0.wants(event.type) }
            guard !endpoints.isEmpty else {
                throw EngineError(
                    .invalidState, "no enabled webhook endpoint wants \(event.type.rawValue) events")
            }
        }
        let now = self.clock.now
        let deliveries = endpoints.map {
            WebhookDelivery(
                eventID: event.id, eventType: event.type, endpointID: $0.id, trigger: .redelivery, createdAt: now)
        }
        try await store.webhooks.enqueue(deliveries)
        return deliveries
    }

    /// Reads the events recorded since the last pass and owes each to every enabled endpoint that wants its type
    /// and existed when it happened; returns how many events it read. The cursor moves in the same transaction, and
    /// on PostgreSQL holds its row, so any number of processes fan each event out once.
    @discardableResult
    package func fanOut(batchSize: Int = 1_000) async throws -> Int {
        var read = 0
        while true {
            let now = self.clock.now
            let count = try await self.database.inTransaction { store -> Int in
                let endpoints = try await store.webhooks.enabledEndpoints()
                // A cursor made now starts at the oldest endpoint, so nothing it should have had is skipped.
                let start = endpoints.map(\.createdAt).min() ?? now
                let position = try await store.jobCursors.lock(Self.cursor, newStartingAt: start)
                let batch = try await store.events.following(position, limit: batchSize)
                guard let last = batch.last else { return 0 }
                var deliveries: [WebhookDelivery] = []
                for (_, event) in batch {
                    for endpoint in endpoints where endpoint.wants(event.type) && event.createdAt >= endpoint.createdAt
                    {
                        deliveries.append(
                            WebhookDelivery(
                                eventID: event.id, eventType: event.type, endpointID: endpoint.id, trigger: .event,
                                createdAt: now))
                    }
                }
                try await store.webhooks.enqueue(deliveries)
                try await store.jobCursors.advance(Self.cursor, to: last.position)
                return batch.count
            }
            read += count
            if count < batchSize { return read }
        }
    }

    /// The secrets that sign for an endpoint at `time`: the current one, and the one it replaced while that still
    /// overlaps.
    package func signingSecrets(
        _ sealed: SealedWebhookSecrets, of endpoint: WebhookEndpointID, at time: Date
    ) throws -> [WebhookSecret] {
        let key = try self.requireMasterKey()
        var secrets = [try Self.secret(key.open(sealed.current, context: endpoint.rawValue))]
        if let previous = sealed.previous, let until = sealed.previousExpiresAt, time < until {
            secrets.append(try Self.secret(key.open(previous, context: endpoint.rawValue)))
        }
        return secrets
    }

    private static func secret(_ bytes: [UInt8]) throws -> WebhookSecret {
        guard let secret = WebhookSecret(bytes: bytes) else {
            throw EngineError(.invalidState, "a stored webhook secret has \(bytes.count) bytes")
        }
        return secret
    }

    private func endpoint(_ id: WebhookEndpointID, param: String = "id") async throws -> WebhookEndpoint {
        guard let endpoint = try await self.database.store.webhooks.endpoint(id) else {
            throw Self.noEndpoint(id, param: param)
        }
        return endpoint
    }

    private static func noEndpoint(_ id: WebhookEndpointID, param: String) -> EngineError {
        EngineError(.notFound, "no webhook endpoint with id \(id)", param: param)
    }

    private func requireMasterKey() throws -> MasterKey {
        guard let key = self.masterKey else {
            throw EngineError(
                .masterKeyNotConfigured,
                "webhook endpoints need BILLFOLD_MASTER_KEY, which seals their secrets at rest, and this server was "
                    + "started without it. The operator sets it to 32 random bytes in base64 "
                    + "(openssl rand -base64 32) and restarts billfold serve.")
        }
        return key
    }

    private func check(url: String) async throws {
        if let problem = self.policy.problem(with: url) {
            throw EngineError(.invalidField, problem, param: "url")
        }
        if let problem = await self.policy.problem(resolving: url) {
            throw EngineError(.invalidField, problem, param: "url")
        }
    }

    private static func check(description: String) throws {
        guard description.count <= Self.longestDescription else {
            throw EngineError(
                .invalidField, "description may be at most \(Self.longestDescription) characters",
                param: "description")
        }
    }
}
