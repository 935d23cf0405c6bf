import BillfoldEngine
import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import BillfoldWebhooks
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// The operator key every server test authenticates with.
let testAPIKey = "bf_test_operator_key"

/// Runs `body` against a live Billfold server on a fresh database of `kind`, optionally seeded with the demo
/// (as of `demoSeededAt`, by default the server's `now`).
///
/// With `clock`, the server reads the time from it, so a test can move time forward. `seed` writes to the
/// migrated database before the server starts. Online payment is off, as on a server nobody configured for
/// payments, unless `gateway` says otherwise. Webhook endpoints can be created (a master key is made for the
/// server) and may point at loopback over http, unless `masterKey` and `allowsHTTPWebhooks` say otherwise;
/// `webhookSandbox` serves `/sandbox/webhooks`. `testing` is `.live` (a real socket, one connection) unless a test needs
/// requests truly at once: then `.router` calls the router directly.
func withTestServer(
    _ kind: DatabaseKind, demo: Bool = false, now: Date = Date(), demoSeededAt: Date? = nil,
    clock: ManualClock? = nil, signInPolicy: SignInPolicy = SignInPolicy(bcryptCost: 4),
    seed: (@Sendable (Store) async throws -> Void)? = nil, gateway: GatewaySettings = .disabled,
    masterKey: MasterKey? = MasterKey.generate().key, allowsHTTPWebhooks: Bool = true, webhookSandbox: Bool = false,
    testing: TestTransport = .live, _ body: @escaping @Sendable (any ServerTestClient) async throws -> Void
) async throws {
    try await TestDatabase.withLocation(kind) { location in
        if demo || seed != nil {
            try await Database.withOpen(location, logger: .init(label: "test")) { database in
                try await Migrations.run(on: database)
                if demo { _ = try await DemoData.seed(into: database, now: demoSeededAt ?? now) }
                try await seed?(database.store)
            }
        }
        let configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, database: location, bootstrapAPIKey: testAPIKey, logLevel: .error,
            clock: clock?.billingClock() ?? BillingClock { now }, signInPolicy: signInPolicy, gateway: gateway,
            masterKey: masterKey, webhookPolicy: WebhookAddressPolicy(allowsInsecure: allowsHTTPWebhooks),
            webhookSandbox: webhookSandbox)
        let app = try await buildApplication(configuration)
        try await app.withTestClient(testing, body)
    }
}

extension ServerTestClient {
    /// A request with the operator key, and a JSON body when given.
    /// `key` is an operator key or a member session token; `cookie` sends a member session as the portal does.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, key: String? = testAPIKey,
        cookie: String? = nil
    ) async throws -> ServerTestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let cookie { headers[.cookie] = cookie }
        if json != nil { headers[.contentType] = "application/json" }
        return try await self.execute(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension ServerTestResponse {
    /// The body parsed as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: self.body))) as? [String: Any] ?? [:]
    }

    /// The `error` member of an error body.
    var error: [String: Any] { self.object["error"] as? [String: Any] ?? [:] }
}
