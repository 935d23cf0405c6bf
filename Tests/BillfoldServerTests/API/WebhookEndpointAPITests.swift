import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Webhook endpoints through the operator API")
struct WebhookEndpointAPITests {
    static let now = Fixtures.now

    /// The created endpoint's body, after checking the answer was 201.
    static func create(
        _ client: any ServerTestClient, _ json: String = #"{"url": "http://127.0.0.1:9/hooks"}"#
    ) async throws -> [String: Any] {
        let response = try await client.call(.post, "/api/v1/webhook_endpoints", json: json)
        #expect(response.status == .created, "\(response.object)")
        return response.object
    }

    /// The bytes of a `whsec_` secret, or `nil` when `value` is not one.
    static func secretBytes(_ value: Any?) -> [UInt8]? {
        guard let text = value as? String, text.hasPrefix("whsec_"),
            let data = Data(base64Encoded: String(text.dropFirst("whsec_".count)))
        else { return nil }
        return Array(data)
    }

    @Test("create, list, read, change and delete an endpoint", arguments: TestDatabase.kinds)
    func lifecycle(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let created = try await Self.create(
                client,
                #"{"url": "https://hooks.example.com/billfold", "event_types": ["invoice.paid", "invoice.finalized"], "#
                    + #""description": "Billing sync"}"#)
            let id = try #require(created["id"] as? String)
            #expect(id.hasPrefix("we_"))
            #expect(created["object"] as? String == "webhook_endpoint")
            #expect(created["url"] as? String == "https://hooks.example.com/billfold")
            #expect(created["event_types"] as? [String] == ["invoice.finalized", "invoice.paid"])
            #expect(created["description"] as? String == "Billing sync")
            #expect(created["enabled"] as? Bool == true)
            #expect(created["disabled_reason"] is NSNull)
            #expect(created["created_at"] as? String == ISO8601Instant.format(Self.now))
            #expect(created["updated_at"] as? String == ISO8601Instant.format(Self.now))

            // Every type, three ways; and enabled false, description defaulted.
            let all = try await Self.create(client, #"{"url": "https://a.example.com/1"}"#)
            #expect(all["event_types"] as? [String] == [])
            #expect(all["description"] as? String == "")
            let star = try await Self.create(client, #"{"url": "https://a.example.com/2", "event_types": ["*"]}"#)
            #expect(star["event_types"] as? [String] == [])
            let off = try await Self.create(
                client, #"{"url": "https://a.example.com/3", "event_types": [], "enabled": false}"#)
            #expect(off["event_types"] as? [String] == [])
            #expect(off["enabled"] as? Bool == false)

            let read = try await client.call(.get, "/api/v1/webhook_endpoints/\(id)")
            #expect(read.status == .ok)
            #expect(read.object["url"] as? String == "https://hooks.example.com/billfold")
            #expect(read.object["secret"] == nil)
            #expect(read.object["previous_secret_expires_at"] == nil)

            // Oldest first, paged.
            let list = try await client.call(.get, "/api/v1/webhook_endpoints")
            #expect(list.status == .ok)
            #expect(list.object["object"] as? String == "list")
            let ids = (list.object["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids == [id] + [all, star, off].compactMap { $0["id"] as? String })
            #expect((list.object["data"] as? [[String: Any]] ?? []).allSatisfy { $0["secret"] == nil })
            let first = try await client.call(.get, "/api/v1/webhook_endpoints?limit=3")
            #expect(first.object["has_more"] as? Bool == true)
            let rest = try await client.call(.get, "/api/v1/webhook_endpoints?limit=3&starting_after=\(ids[2])")
            #expect((rest.object["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[3]])
            #expect(rest.object["has_more"] as? Bool == false)

            // A change names only what changes; an empty one changes nothing.
            let patched = try await client.call(
                .patch, "/api/v1/webhook_endpoints/\(id)",
                json: #"{"event_types": ["dispute.opened"], "enabled": false, "unknown_field": 1}"#)
            #expect(patched.status == .ok, "\(patched.object)")
            #expect(patched.object["event_types"] as? [String] == ["dispute.opened"])
            #expect(patched.object["enabled"] as? Bool == false)
            #expect(patched.object["url"] as? String == "https://hooks.example.com/billfold")
            #expect(patched.object["description"] as? String == "Billing sync")
            let renamed = try await client.call(
                .patch, "/api/v1/webhook_endpoints/\(id)",
                json: #"{"url": "https://hooks.example.com/v2", "description": "", "event_types": ["*"]}"#)
            #expect(renamed.object["url"] as? String == "https://hooks.example.com/v2")
            #expect(renamed.object["description"] as? String == "")
            #expect(renamed.object["event_types"] as? [String] == [])
            #expect(renamed.object["enabled"] as? Bool == false)
            let unchanged = try await client.call(.patch, "/api/v1/webhook_endpoints/\(id)", json: "{}")
            #expect(unchanged.status == .ok)
            #expect(unchanged.object["url"] as? String == "https://hooks.example.com/v2")

            let deleted = try await client.call(.delete, "/api/v1/webhook_endpoints/\(id)")
            #expect(deleted.status == .ok)
            #expect(deleted.object["id"] as? String == id)
            #expect(deleted.object["object"] as? String == "webhook_endpoint")
            #expect(deleted.object["deleted"] as? Bool == true)
            #expect(try await client.call(.get, "/api/v1/webhook_endpoints/\(id)").status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/webhook_endpoints/\(id)").status == .notFound)
            let after = try await client.call(.get, "/api/v1/webhook_endpoints")
            #expect((after.object["data"] as? [[String: Any]])?.count == 3)
            // Its (empty) delivery log stays readable only while something is in it.
            #expect(try await client.call(.get, "/api/v1/webhook_endpoints/\(id)/deliveries").status == .notFound)
        }
    }

    @Test("the secret is whsec_ and 32 bytes, shown on creation and rotation only", arguments: TestDatabase.kinds)
    func secretAndRotation(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let created = try await client.call(
                .post, "/api/v1/webhook_endpoints", json: #"{"url": "https://hooks.example.com/x"}"#)
            #expect(created.headers[.cacheControl] == "no-store")
            let id = try #require(created.object["id"] as? String)
            let secret = try #require(Self.secretBytes(created.object["secret"]))
            #expect(secret.count == 32)
            #expect(created.object["previous_secret_expires_at"] == nil)

            let rotated = try await client.call(.post, "/api/v1/webhook_endpoints/\(id)/rotate_secret")
            #expect(rotated.status == .ok, "\(rotated.object)")
            #expect(rotated.headers[.cacheControl] == "no-store")
            let next = try #require(Self.secretBytes(rotated.object["secret"]))
            #expect(next.count == 32)
            #expect(next != secret)
            #expect(rotated.object["id"] as? String == id)
            #expect(
                rotated.object["previous_secret_expires_at"] as? String
                    == ISO8601Instant.format(Self.now.addingTimeInterval(86_400)))

            let read = try await client.call(.get, "/api/v1/webhook_endpoints/\(id)")
            #expect(read.object["secret"] == nil)
            #expect(read.object["previous_secret_expires_at"] == nil)
            #expect(
                try await client.call(.post, "/api/v1/webhook_endpoints/we_nothing/rotate_secret").status == .notFound)

            // An answer with a secret is not kept for replay, so an Idempotency-Key is refused and nothing is done.
            var headers: HTTPFields = [.authorization: "Bearer \(testAPIKey)", .contentType: "application/json"]
            headers[HTTPField.Name("Idempotency-Key")!] = "create-1"
            for uri in ["/api/v1/webhook_endpoints", "/api/v1/webhook_endpoints/\(id)/rotate_secret"] {
                let refused = try await client.execute(
                    uri: uri, method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"url": "https://hooks.example.com/y"}"#))
                #expect(refused.status == .badRequest, "\(uri)")
                #expect(refused.error["code"] as? String == "idempotency_key_not_accepted", "\(uri)")
            }
            let list = try await client.call(.get, "/api/v1/webhook_endpoints")
            #expect((list.object["data"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test(
        "a wrong field is 422 naming it",
        arguments: [
            (#"{}"#, "url", "missing_field"),
            (#"{"url": null}"#, "url", "missing_field"),
            (#"{"url": 5}"#, "url", "invalid_field"),
            (#"{"url": "not a url"}"#, "url", "invalid_field"),
            (#"{"url": "ftp://hooks.example.com/x"}"#, "url", "invalid_field"),
            (#"{"url": "https://user:pw@hooks.example.com/x"}"#, "url", "invalid_field"),
            (#"{"url": "https://hooks.example.com/x#top"}"#, "url", "invalid_field"),
            (
                #"{"url": "https://hooks.example.com/x", "event_types": ["invoice.paid", "invoice.eaten"]}"#,
                "event_types[1]", "invalid_field"
            ),
            (
                #"{"url": "https://hooks.example.com/x", "event_types": ["*", "invoice.paid"]}"#, "event_types[0]",
                "invalid_field"
            ),
            (#"{"url": "https://hooks.example.com/x", "event_types": "invoice.paid"}"#, "event_types", "invalid_field"),
            (#"{"url": "https://hooks.example.com/x", "description": "line\u0007"}"#, "description", "invalid_field"),
            (#"{"url": "https://hooks.example.com/x", "enabled": "yes"}"#, "enabled", "invalid_field"),
        ])
    func invalidFields(json: String, param: String, code: String) async throws {
        try await withTestServer(.sqlite, now: Self.now) { client in
            let response = try await client.call(.post, "/api/v1/webhook_endpoints", json: json)
            #expect(response.status == .unprocessableContent, "\(json): \(response.object)")
            #expect(response.error["param"] as? String == param, "\(json)")
            #expect(response.error["code"] as? String == code, "\(json)")
        }
    }

    @Test("long text, a malformed body and bad changes are refused with a 4xx", arguments: TestDatabase.kinds)
    func refusals(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let long = String(repeating: "d", count: 501)
            let tooLong = try await client.call(
                .post, "/api/v1/webhook_endpoints",
                json: #"{"url": "https://hooks.example.com/x", "description": ""# + long + #""}"#)
            #expect(tooLong.status == .unprocessableContent)
            #expect(tooLong.error["param"] as? String == "description")
            let longURL = "https://hooks.example.com/" + String(repeating: "a", count: 2_048)
            let urlTooLong = try await client.call(
                .post, "/api/v1/webhook_endpoints", json: #"{"url": ""# + longURL + #""}"#)
            #expect(urlTooLong.status == .unprocessableContent)
            #expect(urlTooLong.error["param"] as? String == "url")
            let types = Array(repeating: #""invoice.paid""#, count: 101).joined(separator: ",")
            let tooMany = try await client.call(
                .post, "/api/v1/webhook_endpoints",
                json: #"{"url": "https://a.example.com", "event_types": ["#
                    + types + "]}")
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.error["param"] as? String == "event_types")
            for body in ["", "[]", "{nope"] {
                let response = try await client.call(.post, "/api/v1/webhook_endpoints", json: body)
                #expect(response.status == .badRequest, "\(body)")
            }

            let id = try #require(try await Self.create(client)["id"] as? String)
            for (json, param) in [
                (#"{"url": "gopher://x.example.com"}"#, "url"),
                (#"{"event_types": ["invoice.nope"]}"#, "event_types[0]"),
                (#"{"description": ""# + long + #""}"#, "description"),
                (#"{"enabled": 1}"#, "enabled"),
            ] {
                let response = try await client.call(.patch, "/api/v1/webhook_endpoints/\(id)", json: json)
                #expect(response.status == .unprocessableContent, "\(json): \(response.object)")
                #expect(response.error["param"] as? String == param, "\(json)")
            }
            let read = try await client.call(.get, "/api/v1/webhook_endpoints/\(id)")
            #expect(read.object["url"] as? String == "http://127.0.0.1:9/hooks")
            #expect(read.object["event_types"] as? [String] == [])

            for (query, status, param) in [
                ("?limit=0", HTTPResponse.Status.unprocessableContent, "limit"),
                ("?starting_after=ws_1", .unprocessableContent, "starting_after"),
                ("?starting_after=we_nothing", .notFound, "starting_after"),
            ] {
                let response = try await client.call(.get, "/api/v1/webhook_endpoints\(query)")
                #expect(response.status == status, "\(query)")
                #expect(response.error["param"] as? String == param, "\(query)")
            }
        }
    }

    @Test(
        "without --allow-http-webhooks only https to public addresses is taken",
        arguments: [
            "http://hooks.example.com/x", "https://127.0.0.1/x", "https://10.0.0.1/x",
            "https://169.254.169.254/latest", "https://[::1]/x", "https://localhost/x", "https://192.168.1.20/x",
        ])
    func addressPolicy(url: String) async throws {
        try await withTestServer(.sqlite, now: Self.now, allowsHTTPWebhooks: false) { client in
            let refused = try await client.call(.post, "/api/v1/webhook_endpoints", json: #"{"url": ""# + url + #""}"#)
            #expect(refused.status == .unprocessableContent, "\(url): \(refused.object)")
            #expect(refused.error["param"] as? String == "url")
            #expect(refused.error["code"] as? String == "invalid_field")
            // An IP literal resolves without the network, so the check is the same offline.
            let taken = try await Self.create(client, #"{"url": "https://203.0.113.10/hooks"}"#)
            let id = try #require(taken["id"] as? String)
            let moved = try await client.call(
                .patch, "/api/v1/webhook_endpoints/\(id)", json: #"{"url": ""# + url + #""}"#)
            #expect(moved.status == .unprocessableContent, "\(url)")
            #expect(moved.error["param"] as? String == "url")
        }
    }

    @Test("without BILLFOLD_MASTER_KEY no endpoint is created: 409 naming it", arguments: TestDatabase.kinds)
    func noMasterKey(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now, masterKey: nil) { client in
            let response = try await client.call(
                .post, "/api/v1/webhook_endpoints", json: #"{"url": "https://hooks.example.com/x"}"#)
            #expect(response.status == .conflict)
            #expect(response.error["code"] as? String == "master_key_not_configured")
            #expect((response.error["message"] as? String)?.contains("BILLFOLD_MASTER_KEY") == true)
            let list = try await client.call(.get, "/api/v1/webhook_endpoints")
            #expect(list.status == .ok)
            #expect((list.object["data"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test("unknown ids are 404", arguments: TestDatabase.kinds)
    func unknownIDs(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            for (method, uri) in [
                (HTTPRequest.Method.get, "/api/v1/webhook_endpoints/we_nothing"),
                (.get, "/api/v1/webhook_endpoints/ws_1"),
                (.patch, "/api/v1/webhook_endpoints/we_nothing"),
                (.delete, "/api/v1/webhook_endpoints/we_nothing"),
                (.post, "/api/v1/webhook_endpoints/we_nothing/rotate_secret"),
                (.get, "/api/v1/webhook_endpoints/we_nothing/deliveries"),
                (.post, "/api/v1/events/evt_nothing/redeliver"),
                (.post, "/api/v1/events/inv_1/redeliver"),
            ] {
                let response = try await client.call(method, uri, json: method == .patch ? "{}" : nil)
                #expect(response.status == .notFound, "\(method) \(uri)")
                #expect(response.error["code"] as? String == "resource_missing", "\(method) \(uri)")
                #expect(response.error["param"] as? String == "id", "\(method) \(uri)")
            }
            // Operator keys only.
            let member = try await client.call(.get, "/api/v1/webhook_endpoints", key: nil)
            #expect(member.status == .unauthorized)
        }
    }

    /// An endpoint that wants `invoice.paid`, an event of that type and one of another, and two tries at
    /// delivering the first: a 503 and then a 204.
    struct Seeded: Sendable {
        let endpoint: WebhookEndpoint
        let paid: BillingEvent
        let voided: BillingEvent
        let key: MasterKey
    }

    static func seeded() -> Seeded {
        Seeded(
            endpoint: WebhookEndpoint(
                url: "http://127.0.0.1:9/hooks", eventTypes: [.invoicePaid], description: "seeded",
                createdAt: Self.now.addingTimeInterval(-3_600)),
            paid: BillingEvent(
                type: .invoicePaid, workspaceID: nil, invoiceID: .generate(), data: ["number": "INV/26-27/000001"],
                at: Self.now.addingTimeInterval(-120)),
            voided: BillingEvent(
                type: .invoiceVoided, workspaceID: nil, invoiceID: .generate(), at: Self.now.addingTimeInterval(-90)),
            key: MasterKey.generate().key)
    }

    static func seed(_ seeded: Seeded) -> @Sendable (Store) async throws -> Void {
        { store in try await Self.seed(seeded, into: store) }
    }

    static func seed(_ seeded: Seeded, into store: Store) async throws {
        let endpoint = seeded.endpoint
        try await store.events.record([seeded.paid, seeded.voided])
        let sealed = try seeded.key.seal(WebhookSecret.generate().bytes, context: endpoint.id.rawValue)
        try await store.webhooks.createEndpoint(endpoint, secrets: SealedWebhookSecrets(current: sealed))
        let delivery = WebhookDelivery(
            eventID: seeded.paid.id, eventType: seeded.paid.type, endpointID: endpoint.id, trigger: .event,
            createdAt: seeded.paid.createdAt)
        try await store.webhooks.enqueue([delivery])
        for (number, status) in [(1, 503), (2, 204)] {
            let time = Self.now.addingTimeInterval(TimeInterval(-60 + number * 10))
            let claimed = try await store.webhooks.claim(
                due: time, claimant: "test", leaseExpiresAt: time.addingTimeInterval(60), limit: 10)
            #expect(claimed.map(\.delivery.id) == [delivery.id])
            let succeeded = status == 204
            let attempt = WebhookAttempt(
                deliveryID: delivery.id, endpointID: endpoint.id, eventID: seeded.paid.id, eventType: seeded.paid.type,
                number: number, url: endpoint.url, attemptedAt: time, durationMilliseconds: 40 * number,
                statusCode: status, outcome: succeeded ? .succeeded : .retrying,
                error: succeeded ? nil : "the endpoint answered 503", responseBody: succeeded ? "" : "busy",
                nextAttemptAt: succeeded ? nil : time.addingTimeInterval(5))
            _ = try await store.webhooks.record(
                [WebhookDeliveryResult(attempt: attempt, status: succeeded ? .succeeded : .pending)], claimant: "test",
                at: time)
        }
    }

    @Test("the delivery log, newest first, and an event sent again", arguments: TestDatabase.kinds)
    func deliveriesAndRedelivery(kind: DatabaseKind) async throws {
        let seeded = Self.seeded()
        let endpointID = seeded.endpoint.id.rawValue
        try await withTestServer(kind, now: Self.now, seed: Self.seed(seeded), masterKey: seeded.key) { client in
            let log = try await client.call(.get, "/api/v1/webhook_endpoints/\(endpointID)/deliveries")
            #expect(log.status == .ok, "\(log.object)")
            let attempts = try #require(log.object["data"] as? [[String: Any]])
            #expect(attempts.map { $0["attempt"] as? Int } == [2, 1])
            let last = try #require(attempts.first)
            #expect(last["object"] as? String == "webhook_attempt")
            #expect(last["event_id"] as? String == seeded.paid.id.rawValue)
            #expect(last["event_type"] as? String == "invoice.paid")
            #expect(last["status_code"] as? Int == 204)
            #expect(last["outcome"] as? String == "succeeded")
            #expect(last["error"] is NSNull)
            #expect(last["next_attempt_at"] is NSNull)
            #expect(last["duration_ms"] as? Int == 80)
            #expect(last["url"] as? String == "http://127.0.0.1:9/hooks")
            #expect((last["delivery_id"] as? String)?.hasPrefix("whd_") == true)
            let first = try #require(attempts.last)
            #expect(first["outcome"] as? String == "retrying")
            #expect(first["status_code"] as? Int == 503)
            #expect(first["error"] as? String == "the endpoint answered 503")
            #expect(first["response_body"] as? String == "busy")
            #expect(first["next_attempt_at"] as? String == ISO8601Instant.format(Self.now.addingTimeInterval(-45)))
            #expect(first["attempted_at"] as? String == ISO8601Instant.format(Self.now.addingTimeInterval(-50)))

            let page = try await client.call(.get, "/api/v1/webhook_endpoints/\(endpointID)/deliveries?limit=1")
            #expect(page.object["has_more"] as? Bool == true)
            let lastID = try #require(attempts.first?["id"] as? String)
            let next = try await client.call(
                .get, "/api/v1/webhook_endpoints/\(endpointID)/deliveries?limit=1&starting_after=\(lastID)")
            #expect((next.object["data"] as? [[String: Any]])?.map { $0["attempt"] as? Int } == [1])
            #expect(next.object["has_more"] as? Bool == false)
            let other = try await client.call(
                .get, "/api/v1/webhook_endpoints/\(endpointID)/deliveries?event_id=\(seeded.voided.id.rawValue)")
            #expect((other.object["data"] as? [[String: Any]])?.isEmpty == true)
            for (query, param) in [("?event_id=inv_1", "event_id"), ("?starting_after=evt_1", "starting_after")] {
                let response = try await client.call(.get, "/api/v1/webhook_endpoints/\(endpointID)/deliveries\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.error["param"] as? String == param, "\(query)")
            }

            // Sent again to every endpoint that wants it: no body at all, or an empty object.
            let again = try await client.call(.post, "/api/v1/events/\(seeded.paid.id.rawValue)/redeliver")
            #expect(again.status == .accepted, "\(again.object)")
            let deliveries = try #require(again.object["data"] as? [[String: Any]])
            #expect(again.object["object"] as? String == "list")
            #expect(deliveries.count == 1)
            let delivery = try #require(deliveries.first)
            #expect(delivery["object"] as? String == "webhook_delivery")
            #expect((delivery["id"] as? String)?.hasPrefix("whd_") == true)
            #expect(delivery["event_id"] as? String == seeded.paid.id.rawValue)
            #expect(delivery["event_type"] as? String == "invoice.paid")
            #expect(delivery["endpoint_id"] as? String == endpointID)
            #expect(delivery["trigger"] as? String == "redelivery")
            #expect(delivery["status"] as? String == "pending")
            #expect(delivery["attempts"] as? Int == 0)
            #expect(delivery["next_attempt_at"] as? String == ISO8601Instant.format(Self.now))
            #expect(delivery["created_at"] as? String == ISO8601Instant.format(Self.now))
            #expect(delivery["delivered_at"] is NSNull)
            #expect(delivery["last_status_code"] is NSNull)
            #expect(delivery["last_error"] is NSNull)
            let empty = try await client.call(.post, "/api/v1/events/\(seeded.paid.id.rawValue)/redeliver", json: "{}")
            #expect(empty.status == .accepted)

            // To one endpoint, even one that does not want the type; a disabled one or none that wants it is 409.
            let named = try await client.call(
                .post, "/api/v1/events/\(seeded.voided.id.rawValue)/redeliver",
                json: #"{"endpoint_id": "\#(endpointID)"}"#)
            #expect(named.status == .accepted, "\(named.object)")
            #expect((named.object["data"] as? [[String: Any]])?.first?["event_type"] as? String == "invoice.voided")
            let unwanted = try await client.call(.post, "/api/v1/events/\(seeded.voided.id.rawValue)/redeliver")
            #expect(unwanted.status == .conflict)
            #expect(unwanted.error["code"] as? String == "invalid_state")
            _ = try await client.call(.patch, "/api/v1/webhook_endpoints/\(endpointID)", json: #"{"enabled": false}"#)
            let disabled = try await client.call(
                .post, "/api/v1/events/\(seeded.paid.id.rawValue)/redeliver",
                json: #"{"endpoint_id": "\#(endpointID)"}"#)
            #expect(disabled.status == .conflict)
            #expect(disabled.error["code"] as? String == "invalid_state")
            #expect(
                try await client.call(.post, "/api/v1/events/\(seeded.paid.id.rawValue)/redeliver").status == .conflict)

            for (json, status, param) in [
                (#"{"endpoint_id": "we_nothing"}"#, HTTPResponse.Status.notFound, "endpoint_id"),
                (#"{"endpoint_id": "ws_1"}"#, .unprocessableContent, "endpoint_id"),
                (#"{"endpoint_id": 7}"#, .unprocessableContent, "endpoint_id"),
            ] {
                let response = try await client.call(
                    .post, "/api/v1/events/\(seeded.paid.id.rawValue)/redeliver", json: json)
                #expect(response.status == status, "\(json)")
                #expect(response.error["param"] as? String == param, "\(json)")
            }
            let malformed = try await client.call(
                .post, "/api/v1/events/\(seeded.paid.id.rawValue)/redeliver", json: "{nope")
            #expect(malformed.status == .badRequest)

            // GET /events/{id} is still the event.
            let event = try await client.call(.get, "/api/v1/events/\(seeded.paid.id.rawValue)")
            #expect(event.status == .ok)
            #expect(event.object["type"] as? String == "invoice.paid")

            // The rotation opens the seeded secret with the server's key; the log outlives the endpoint.
            let rotated = try await client.call(.post, "/api/v1/webhook_endpoints/\(endpointID)/rotate_secret")
            #expect(rotated.status == .ok, "\(rotated.object)")
            #expect(try await client.call(.delete, "/api/v1/webhook_endpoints/\(endpointID)").status == .ok)
            let kept = try await client.call(.get, "/api/v1/webhook_endpoints/\(endpointID)/deliveries")
            #expect(kept.status == .ok)
            #expect((kept.object["data"] as? [[String: Any]])?.count == 2)
        }
    }
}
