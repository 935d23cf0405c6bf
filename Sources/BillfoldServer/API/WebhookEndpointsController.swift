import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird
import NIOCore

/// `/api/v1/webhook_endpoints` and `/api/v1/events/{id}/redeliver`: where a platform wants events sent, each
/// endpoint's delivery log, and an event asked for again.
struct WebhookEndpointsController {
    let database: Database
    let webhooks: WebhookService

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("webhook_endpoints", use: self.create)
        group.get("webhook_endpoints", use: self.list)
        group.get("webhook_endpoints/:id", use: self.get)
        group.patch("webhook_endpoints/:id", use: self.update)
        group.delete("webhook_endpoints/:id", use: self.delete)
        group.post("webhook_endpoints/:id/rotate_secret", use: self.rotateSecret)
        group.get("webhook_endpoints/:id/deliveries", use: self.deliveries)
        group.post("events/:id/redeliver", use: self.redeliver)
    }

    /// The most names `event_types` takes; there are fewer types than this, so a longer list repeats itself.
    static let mostEventTypes = 100

    /// An endpoint; `secret` comes only when it was just made (creation and rotation), and
    /// `previous_secret_expires_at` only with a rotation.
    struct EndpointResponse: Encodable {
        let object = "webhook_endpoint"
        let id: String
        let url: String
        /// Names, sorted; empty: every type.
        let eventTypes: [String]
        let description: String
        let enabled: Bool
        let disabledReason: String?
        let createdAt: String
        let updatedAt: String
        let secret: String?
        let previousSecretExpiresAt: String?

        init(_ endpoint: WebhookEndpoint, secret: WebhookSecret? = nil, previousSecretExpiresAt: Date? = nil) {
            self.id = endpoint.id.rawValue
            self.url = endpoint.url
            self.eventTypes = endpoint.eventTypes.map(\.rawValue).sorted()
            self.description = endpoint.description
            self.enabled = endpoint.isEnabled
            self.disabledReason = endpoint.disabledReason
            self.createdAt = Timestamp.string(endpoint.createdAt)
            self.updatedAt = Timestamp.string(endpoint.updatedAt)
            self.secret = secret?.text
            self.previousSecretExpiresAt = previousSecretExpiresAt.map(Timestamp.string)
        }

        /// `disabled_reason` is `null` unless delivery stopped by itself; the secret fields come only when set.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.object, forKey: .object)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.url, forKey: .url)
            try container.encode(self.eventTypes, forKey: .eventTypes)
            try container.encode(self.description, forKey: .description)
            try container.encode(self.enabled, forKey: .enabled)
            try container.encode(self.disabledReason, forKey: .disabledReason)
            try container.encode(self.createdAt, forKey: .createdAt)
            try container.encode(self.updatedAt, forKey: .updatedAt)
            try container.encodeIfPresent(self.secret, forKey: .secret)
            try container.encodeIfPresent(self.previousSecretExpiresAt, forKey: .previousSecretExpiresAt)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, url, eventTypes, description, enabled, disabledReason, createdAt, updatedAt, secret
            case previousSecretExpiresAt
        }
    }

    struct DeletedResponse: Encodable {
        let id: String
        let object = "webhook_endpoint"
        let deleted = true

        private enum CodingKeys: String, CodingKey {
            case id, object, deleted
        }
    }

    /// One try at a delivery, as the endpoint's log shows it.
    struct AttemptResponse: Encodable {
        let object = "webhook_attempt"
        let id: String
        let deliveryId: String
        let eventId: String
        let eventType: String
        let attempt: Int
        let url: String
        let attemptedAt: String
        let durationMs: Int
        let statusCode: Int?
        /// `succeeded`, `retrying` or `failed`.
        let outcome: String
        let error: String?
        let responseBody: String
        let nextAttemptAt: String?

        init(_ attempt: WebhookAttempt) {
            self.id = attempt.id.rawValue
            self.deliveryId = attempt.deliveryID.rawValue
            self.eventId = attempt.eventID.rawValue
            self.eventType = attempt.eventType.rawValue
            self.attempt = attempt.number
            self.url = attempt.url
            self.attemptedAt = Timestamp.string(attempt.attemptedAt)
            self.durationMs = attempt.durationMilliseconds
            self.statusCode = attempt.statusCode
            self.outcome = attempt.outcome.rawValue
            self.error = attempt.error
            self.responseBody = attempt.responseBody
            self.nextAttemptAt = attempt.nextAttemptAt.map(Timestamp.string)
        }

        /// Every field, `null` where there is no value.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.object, forKey: .object)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.deliveryId, forKey: .deliveryId)
            try container.encode(self.eventId, forKey: .eventId)
            try container.encode(self.eventType, forKey: .eventType)
            try container.encode(self.attempt, forKey: .attempt)
            try container.encode(self.url, forKey: .url)
            try container.encode(self.attemptedAt, forKey: .attemptedAt)
            try container.encode(self.durationMs, forKey: .durationMs)
            try container.encode(self.statusCode, forKey: .statusCode)
            try container.encode(self.outcome, forKey: .outcome)
            try container.encode(self.error, forKey: .error)
            try container.encode(self.responseBody, forKey: .responseBody)
            try container.encode(self.nextAttemptAt, forKey: .nextAttemptAt)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, deliveryId, eventId, eventType, attempt, url, attemptedAt, durationMs, statusCode
            case outcome, error, responseBody, nextAttemptAt
        }
    }

    /// An event owed to an endpoint, and how its delivery stands.
    struct DeliveryResponse: Encodable {
        let object = "webhook_delivery"
        let id: String
        let eventId: String
        let eventType: String
        let endpointId: String
        /// `event` or `redelivery`.
        let trigger: String
        /// `pending`, `delivering`, `succeeded` or `failed`.
        let status: String
        let attempts: Int
        /// `null` once the delivery succeeded or was given up.
        let nextAttemptAt: String?
        let createdAt: String
        let deliveredAt: String?
        let lastStatusCode: Int?
        let lastError: String?

        init(_ delivery: WebhookDelivery) {
            self.id = delivery.id.rawValue
            self.eventId = delivery.eventID.rawValue
            self.eventType = delivery.eventType.rawValue
            self.endpointId = delivery.endpointID.rawValue
            self.trigger = delivery.trigger.rawValue
            self.status = delivery.status.rawValue
            self.attempts = delivery.attempts
            switch delivery.status {
            case .pending, .delivering: self.nextAttemptAt = Timestamp.string(delivery.nextAttemptAt)
            case .succeeded, .failed: self.nextAttemptAt = nil
            }
            self.createdAt = Timestamp.string(delivery.createdAt)
            self.deliveredAt = delivery.deliveredAt.map(Timestamp.string)
            self.lastStatusCode = delivery.lastStatusCode
            self.lastError = delivery.lastError
        }

        /// Every field, `null` where there is no value.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.object, forKey: .object)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.eventId, forKey: .eventId)
            try container.encode(self.eventType, forKey: .eventType)
            try container.encode(self.endpointId, forKey: .endpointId)
            try container.encode(self.trigger, forKey: .trigger)
            try container.encode(self.status, forKey: .status)
            try container.encode(self.attempts, forKey: .attempts)
            try container.encode(self.nextAttemptAt, forKey: .nextAttemptAt)
            try container.encode(self.createdAt, forKey: .createdAt)
            try container.encode(self.deliveredAt, forKey: .deliveredAt)
            try container.encode(self.lastStatusCode, forKey: .lastStatusCode)
            try container.encode(self.lastError, forKey: .lastError)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, eventId, eventType, endpointId, trigger, status, attempts, nextAttemptAt, createdAt
            case deliveredAt, lastStatusCode, lastError
        }
    }

    struct CreateBody: Decodable {
        var url: String?
        /// Event type names; left out, empty or `["*"]`: every type.
        var eventTypes: [String]?
        var description: String?
        var enabled: Bool?
    }

    /// Creates an endpoint and answers it with its secret, the one time the secret is shown besides a rotation.
    @Sendable func create(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try Self.refuseIdempotencyKey(request)
        let body = try await JSONCoding.decode(CreateBody.self, from: request, context: context)
        guard let url = body.url else { throw APIError.missing("url") }
        let eventTypes = try Self.eventTypes(body.eventTypes ?? [])
        let description = try Self.description(body.description ?? "")
        let (endpoint, secret) = try await self.webhooks.create(
            url: url, eventTypes: eventTypes, description: description, isEnabled: body.enabled ?? true)
        return try Self.secretResponse(EndpointResponse(endpoint, secret: secret), status: .created)
    }

    /// Oldest first, paged with `limit` and `starting_after`.
    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Validate.limit(query.get("limit"))
        let startingAfter = try query.get("starting_after").map {
            try Validate.identifier($0, as: WebhookEndpointID.self, param: "starting_after")
        }
        let store = self.database.store
        if let startingAfter, try await store.webhooks.endpoint(startingAfter) == nil {
            throw APIError.notFound("webhook endpoint", id: startingAfter.rawValue, param: "starting_after")
        }
        let endpoints = try await store.webhooks.endpoints(limit: limit + 1, startingAfter: startingAfter)
        return try JSONCoding.response(
            ListResponse(
                data: endpoints.prefix(limit).map { EndpointResponse($0) }, hasMore: endpoints.count > limit))
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try JSONCoding.response(EndpointResponse(try await self.endpoint(in: context)))
    }

    struct UpdateBody: Decodable {
        var url: String?
        var eventTypes: [String]?
        var description: String?
        var enabled: Bool?
    }

    /// Changes the fields sent and leaves the rest. Turning an endpoint back on clears `disabled_reason`, and what it
    /// missed while off goes out again.
    @Sendable func update(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let current = try await self.endpoint(in: context)
        let body = try await JSONCoding.decode(UpdateBody.self, from: request, context: context)
        let eventTypes = try body.eventTypes.map(Self.eventTypes)
        let description = try body.description.map(Self.description)
        guard body.url != nil || eventTypes != nil || description != nil || body.enabled != nil else {
            return try JSONCoding.response(EndpointResponse(current))
        }
        let endpoint = try await self.webhooks.update(
            current.id, url: body.url, eventTypes: eventTypes, description: description, isEnabled: body.enabled)
        return try JSONCoding.response(EndpointResponse(endpoint))
    }

    /// Deletes the endpoint: it leaves the list and receives nothing more; its delivery log stays readable.
    @Sendable func delete(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let endpoint = try await self.endpoint(in: context)
        try await self.webhooks.delete(endpoint.id)
        return try JSONCoding.response(DeletedResponse(id: endpoint.id.rawValue))
    }

    /// A new secret, shown this once; the one it replaces signs beside it until `previous_secret_expires_at`.
    @Sendable func rotateSecret(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try Self.refuseIdempotencyKey(request)
        let id = try await self.endpoint(in: context).id
        let (endpoint, secret, expiresAt) = try await self.webhooks.rotateSecret(id)
        return try Self.secretResponse(EndpointResponse(endpoint, secret: secret, previousSecretExpiresAt: expiresAt))
    }

    /// The endpoint's attempts, newest first: `event_id` keeps one event's, paged with `limit` and `starting_after`
    /// (an attempt id). A deleted endpoint's log stays readable.
    @Sendable func deliveries(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let id = try Self.endpointID(in: context)
        let query = request.uri.queryParameters
        let eventID = try query.get("event_id").map {
            try Validate.identifier($0, as: EventID.self, param: "event_id")
        }
        let limit = try Validate.limit(query.get("limit"))
        let startingAfter = try query.get("starting_after").map {
            try Validate.identifier($0, as: WebhookAttemptID.self, param: "starting_after")
        }
        let webhooks = self.database.store.webhooks
        if try await webhooks.endpoint(id) == nil,
            try await webhooks.attempts(to: id, eventID: nil, limit: 1, startingAfter: nil).isEmpty
        {
            throw APIError.notFound("webhook endpoint", id: id.rawValue)
        }
        let attempts = try await webhooks.attempts(
            to: id, eventID: eventID, limit: limit + 1, startingAfter: startingAfter)
        return try JSONCoding.response(
            ListResponse(data: attempts.prefix(limit).map(AttemptResponse.init), hasMore: attempts.count > limit))
    }

    struct RedeliverBody: Decodable {
        var endpointId: String?
    }

    /// Owes the event again to `endpoint_id`, or to every enabled endpoint that wants its type; the deliveries go
    /// out with the next pass, under the event's id. The body is optional.
    @Sendable func redeliver(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        guard let eventID = EventID(validating: raw) else { throw APIError.notFound("event", id: raw) }
        let buffer = try await JSONCoding.collect(request, upTo: context.maxUploadSize)
        let body = try Self.decodeOptional(RedeliverBody.self, from: buffer) ?? RedeliverBody()
        let endpointID = try body.endpointId.map {
            try Validate.identifier($0, as: WebhookEndpointID.self, param: "endpoint_id")
        }
        let deliveries = try await self.webhooks.redeliver(eventID, to: endpointID)
        return try JSONCoding.response(
            ListResponse(data: deliveries.map(DeliveryResponse.init), hasMore: false), status: .accepted)
    }

    /// The types `names` asks for: every type for `[]` or `["*"]`.
    static func eventTypes(_ names: [String]) throws -> Set<BillingEventType> {
        if names == ["*"] { return [] }
        guard names.count <= Self.mostEventTypes else {
            throw APIError.invalid("event_types", "event_types may name at most \(Self.mostEventTypes) types")
        }
        var types: Set<BillingEventType> = []
        for (index, name) in names.enumerated() {
            let param = "event_types[\(index)]"
            if name == "*" {
                throw APIError.invalid(
                    param, "\"*\" stands for every event type and is sent alone: [\"*\"], or [] for the same")
            }
            guard let type = BillingEventType(rawValue: name) else {
                let allowed = BillingEventType.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.invalid(param, "\(param) must be an event type: one of \(allowed)")
            }
            types.insert(type)
        }
        return types
    }

    static func description(_ text: String) throws -> String {
        try Validate.text(
            text, param: "description", maximumLength: WebhookService.longestDescription, allowsBlank: true)
    }

    /// A secret is never stored in the clear, and the idempotency store keeps answers as they were sent; so an
    /// answer that carries one cannot be replayed, and the key is refused before anything is done.
    static func refuseIdempotencyKey(_ request: Request) throws {
        guard request.headers[IdempotencyMiddleware.keyHeader] == nil else {
            throw APIError(
                .badRequest, .invalidRequest, code: "idempotency_key_not_accepted",
                message: "this answer carries a signing secret, which Billfold never stores in the clear, so it "
                    + "cannot be replayed for an Idempotency-Key; send the request without one")
        }
    }

    /// An answer with a secret in it, which no cache may keep.
    static func secretResponse(_ value: EndpointResponse, status: HTTPResponse.Status = .ok) throws -> Response {
        var response = try JSONCoding.response(value, status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `buffer` decoded as `type`, or `nil` when it is empty; failures as `JSONCoding.decode` reports them.
    static func decodeOptional<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value? {
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONCoding.makeDecoder().decode(type, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw JSONCoding.apiError(for: error)
        } catch {
            throw APIError.malformedJSON("the request body is not valid JSON")
        }
    }

    /// The id in the route, or a 404 when it cannot name an endpoint.
    static func endpointID(in context: BillfoldRequestContext) throws -> WebhookEndpointID {
        let raw = try context.parameters.require("id")
        guard let id = WebhookEndpointID(validating: raw) else {
            throw APIError.notFound("webhook endpoint", id: raw)
        }
        return id
    }

    /// The endpoint the route's `:id` names, or a 404.
    private func endpoint(in context: BillfoldRequestContext) async throws -> WebhookEndpoint {
        let id = try Self.endpointID(in: context)
        guard let endpoint = try await self.database.store.webhooks.endpoint(id) else {
            throw APIError.notFound("webhook endpoint", id: id.rawValue)
        }
        return endpoint
    }
}
