import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldWebhooks
import Foundation
import HTTPTypes
import Hummingbird

/// What `/sandbox/webhooks` has received: the latest arrivals, in memory only, so a restart forgets them.
package actor SandboxWebhookReceiver {
    /// One request that arrived.
    struct Arrival: Sendable {
        let receivedAt: Date
        let webhookID: String?
        let timestamp: String?
        /// The body's `type`, when it is JSON that has one.
        let eventType: String?
        /// The body, pretty-printed when it is JSON.
        let body: String
        let verdict: Verdict
        /// 1 for the first arrival of its `webhook-id`, 2 for the first redelivery, and so on.
        let delivery: Int
    }

    /// Whether an arrival's signature verified.
    enum Verdict: Sendable, Hashable {
        /// With the secret of this endpoint.
        case verified(WebhookEndpointID)
        case notVerified(reason: String)
    }

    /// How many arrivals are kept; older ones are forgotten.
    static let kept = 200
    /// How many `webhook-id`s are remembered for counting redeliveries before the oldest are forgotten.
    private static let rememberedIDs = 10_000

    /// Oldest first.
    private var arrivals: [Arrival] = []
    /// How many times each `webhook-id` has arrived.
    private var seen: [String: Int] = [:]

    package init() {}

    /// Keeps an arrival and numbers it among the arrivals of its `webhook-id`.
    func record(
        receivedAt: Date, webhookID: String?, timestamp: String?, eventType: String?, body: String, verdict: Verdict
    ) -> Arrival {
        var delivery = 1
        if let webhookID {
            if self.seen.count >= Self.rememberedIDs {
                // Keep the counts of what is still shown, so a redelivery of a listed event is still told apart.
                self.seen = self.arrivals.reduce(into: [:]) { counts, arrival in
                    if let id = arrival.webhookID { counts[id] = max(counts[id] ?? 0, arrival.delivery) }
                }
            }
            delivery = (self.seen[webhookID] ?? 0) + 1
            self.seen[webhookID] = delivery
        }
        let arrival = Arrival(
            receivedAt: receivedAt, webhookID: webhookID, timestamp: timestamp, eventType: eventType, body: body,
            verdict: verdict, delivery: delivery)
        self.arrivals.append(arrival)
        if self.arrivals.count > Self.kept { self.arrivals.removeFirst(self.arrivals.count - Self.kept) }
        return arrival
    }

    /// The arrivals kept, newest first.
    func latest() -> [Arrival] {
        self.arrivals.reversed()
    }
}

/// `/sandbox/webhooks`: the demo's own webhook receiver. `POST` records what arrives and whether its signature
/// verifies against the secrets of the endpoints pointing here; `GET` shows it as a page, `GET arrivals.json` as
/// JSON. Anyone who reaches the server can read it, so it is served only for trying Billfold out.
struct SandboxWebhooksController {
    let receiver: SandboxWebhookReceiver
    let webhooks: WebhookService
    let templates: PageTemplates

    /// The path an endpoint's URL must have for its secrets to be checked here.
    static let path = "/sandbox/webhooks"
    /// The most of a body shown; a longer one is cut.
    static let shownBodyBytes = 64 * 1024

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post(use: self.receive)
        group.get(use: self.show)
        group.get("arrivals.json", use: self.list)
    }

    // MARK: - Receiving

    /// `POST /sandbox/webhooks`: records the request and answers 204, verified or not, so the sender never retries.
    @Sendable func receive(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = Array(try await JSONCoding.collect(request, upTo: context.maxUploadSize).readableBytesView)
        let receivedAt = Date()
        let id = request.headers[Self.webhookID]
        let timestamp = request.headers[Self.webhookTimestamp]
        let verdict = await self.verify(
            id: id, timestamp: timestamp, signature: request.headers[Self.webhookSignature], body: body,
            now: receivedAt)
        let (eventType, shown) = Self.describe(body)
        _ = await self.receiver.record(
            receivedAt: receivedAt, webhookID: id, timestamp: timestamp, eventType: eventType, body: shown,
            verdict: verdict)
        return Response(status: .noContent)
    }

    static let webhookID = HTTPField.Name("webhook-id")!
    static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    static let webhookSignature = HTTPField.Name("webhook-signature")!

    /// Checks the signature as a platform's receiver should: all three headers, a timestamp within the tolerance
    /// of the receiver's clock (`now`, the real time), and a `v1` entry made with the secret of an endpoint that
    /// points here.
    func verify(id: String?, timestamp: String?, signature: String?, body: [UInt8], now: Date) async
        -> SandboxWebhookReceiver.Verdict
    {
        let missing = [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)]
            .filter { $0.1?.isEmpty ?? true }.map(\.0)
        guard missing.isEmpty, let id, let timestamp, let signature else {
            return .notVerified(
                reason: "unsigned: the request has no \(missing.joined(separator: ", ")) header"
                    + (missing.count == 1 ? "" : "s"))
        }
        guard let seconds = Int64(timestamp) else {
            return .notVerified(reason: "webhook-timestamp is not a whole number of Unix seconds: \(timestamp)")
        }
        let skew = Int64(now.timeIntervalSince1970.rounded()) - seconds
        guard abs(Double(skew)) <= WebhookSignature.tolerance else {
            return .notVerified(
                reason: "stale timestamp: webhook-timestamp is \(abs(skew)) seconds "
                    + (skew > 0 ? "behind" : "ahead of") + " this server's clock, more than the "
                    + "\(Int(WebhookSignature.tolerance)) allowed (a replayed request, or a clock that is off)")
        }
        let endpoints: [WebhookEndpoint]
        do {
            endpoints = try await self.endpointsPointingHere()
        } catch {
            return .notVerified(reason: "the endpoints could not be read: \(error)")
        }
        guard !endpoints.isEmpty else {
            return .notVerified(
                reason: "no webhook endpoint points at \(Self.path), so there is no secret to check against")
        }
        var problems: [String] = []
        let secretsTime = self.webhooks.clock.now
        for endpoint in endpoints {
            do {
                guard let sealed = try await self.webhooks.database.store.webhooks.secrets(of: endpoint.id) else {
                    continue
                }
                let secrets = try self.webhooks.signingSecrets(sealed, of: endpoint.id, at: secretsTime)
                for secret in secrets
                where WebhookSignature.verify(
                    header: signature, id: id, timestamp: timestamp, body: body, secret: secret, now: now)
                {
                    return .verified(endpoint.id)
                }
            } catch let error as EngineError {
                problems.append("the secrets of \(endpoint.id) could not be opened: \(error.message)")
            } catch {
                problems.append("the secrets of \(endpoint.id) could not be read: \(error)")
            }
        }
        let count = endpoints.count
        return .notVerified(
            reason: "no matching secret: the signature matches no secret of the \(count) endpoint"
                + (count == 1 ? "" : "s") + " pointing at \(Self.path) (the body or headers changed on the way, or "
                + "another secret signed it)" + (problems.isEmpty ? "" : "; " + problems.joined(separator: "; ")))
    }

    /// Every endpoint, enabled or not, whose URL's path is `/sandbox/webhooks`.
    private func endpointsPointingHere() async throws -> [WebhookEndpoint] {
        let repository = self.webhooks.database.store.webhooks
        var found: [WebhookEndpoint] = []
        var after: WebhookEndpointID?
        while true {
            let page = try await repository.endpoints(limit: 100, startingAfter: after)
            found += page.filter { Self.pointsHere($0.url) }
            guard page.count == 100, let last = page.last else { return found }
            after = last.id
        }
    }

    static func pointsHere(_ url: String) -> Bool {
        guard let path = URLComponents(string: url)?.path else { return false }
        return path == Self.path || path == Self.path + "/"
    }

    /// The body's event type, and the body as shown: pretty-printed JSON when it parses, cut when very long.
    static func describe(_ body: [UInt8]) -> (type: String?, shown: String) {
        var type: String?
        var text = String(decoding: body, as: UTF8.self)
        if let object = try? JSONSerialization.jsonObject(with: Data(body)),
            object is [String: Any] || object is [Any]
        {
            type = (object as? [String: Any])?["type"] as? String
            if let pretty = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            {
                text = String(decoding: pretty, as: UTF8.self)
            }
        }
        if text.utf8.count > Self.shownBodyBytes {
            text =
                String(decoding: text.utf8.prefix(Self.shownBodyBytes), as: UTF8.self)
                + "\n… (cut: the body is \(body.count) bytes)"
        }
        return (type, text)
    }

    // MARK: - Showing

    /// What `sandbox-webhooks.mustache` shows.
    struct ReceivedPage: PageView {
        static let template = "sandbox-webhooks"

        struct EndpointView {
            let id: String
            let url: String
            let isEnabled: Bool
        }

        struct ArrivalView {
            let receivedAt: String
            let webhookID: String
            let timestamp: String
            let type: String
            let verified: Bool
            let endpointID: String?
            let reason: String?
            let redelivery: Int?
            let body: String
        }

        let endpoints: [EndpointView]
        let hasEndpoints: Bool
        let arrivals: [ArrivalView]
        let kept: Int
    }

    /// `GET /sandbox/webhooks`.
    @Sendable func show(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let endpoints = try await self.endpointsPointingHere()
        let page = ReceivedPage(
            endpoints: endpoints.map { .init(id: $0.id.rawValue, url: $0.url, isEnabled: $0.isEnabled) },
            hasEndpoints: !endpoints.isEmpty,
            arrivals: await self.receiver.latest().map { arrival in
                let endpoint: String?
                let reason: String?
                switch arrival.verdict {
                case .verified(let id): (endpoint, reason) = (id.rawValue, nil)
                case .notVerified(let why): (endpoint, reason) = (nil, why)
                }
                return ReceivedPage.ArrivalView(
                    receivedAt: ISO8601Instant.format(arrival.receivedAt), webhookID: arrival.webhookID ?? "(none)",
                    timestamp: Self.describeTimestamp(arrival.timestamp), type: arrival.eventType ?? "(no type)",
                    verified: endpoint != nil, endpointID: endpoint, reason: reason,
                    redelivery: arrival.delivery > 1 ? arrival.delivery - 1 : nil, body: arrival.body)
            },
            kept: SandboxWebhookReceiver.kept)
        var response = try self.templates.page(page)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `1767225600 (2026-01-01T00:00:00Z)`, or the header as it came when it is not Unix seconds.
    static func describeTimestamp(_ timestamp: String?) -> String {
        guard let timestamp else { return "(none)" }
        guard let seconds = Int64(timestamp) else { return timestamp }
        return "\(seconds) (\(ISO8601Instant.format(Date(timeIntervalSince1970: TimeInterval(seconds)))))"
    }

    /// `GET /sandbox/webhooks/arrivals.json`: the arrivals kept, newest first.
    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let arrivals = await self.receiver.latest().map { arrival in
            var json = ArrivalJSON(
                receivedAt: ISO8601Instant.format(arrival.receivedAt), webhookID: arrival.webhookID,
                webhookTimestamp: arrival.timestamp, type: arrival.eventType, body: arrival.body, verified: false,
                endpointID: nil, reason: nil, delivery: arrival.delivery, redelivery: arrival.delivery > 1)
            switch arrival.verdict {
            case .verified(let id): (json.verified, json.endpointID) = (true, id.rawValue)
            case .notVerified(let reason): json.reason = reason
            }
            return json
        }
        var response = try JSONCoding.response(ArrivalsJSON(data: arrivals))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// One arrival as `arrivals.json` shows it.
    struct ArrivalJSON: Encodable {
        let receivedAt: String
        let webhookID: String?
        let webhookTimestamp: String?
        let type: String?
        let body: String
        var verified: Bool
        /// The endpoint whose secret verified it.
        var endpointID: String?
        /// Why it did not verify.
        var reason: String?
        let delivery: Int
        let redelivery: Bool

        enum CodingKeys: String, CodingKey {
            case receivedAt, type, body, verified, reason, delivery, redelivery
            case webhookID = "webhookId"
            case webhookTimestamp
            case endpointID = "endpointId"
        }
    }

    struct ArrivalsJSON: Encodable {
        let data: [ArrivalJSON]
    }
}
