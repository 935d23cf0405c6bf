import BillfoldEngine
import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("The OpenAPI document matches the server")
struct OpenAPIDocumentTests {
    /// Every operation the document describes, as `GET /api/v1/invoices/{id}`.
    static func documentedOperations(_ document: [String: Any]) -> Set<String> {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let methods = ["get", "put", "post", "delete", "patch"]
        return Set(
            paths.flatMap { path, item in item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
    }

    @Test("GET /openapi.json serves a 3.1 document that lists exactly the server's routes")
    func routesMatch() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            // With a test clock, as `serve --test-clock` runs, so that its routes are held to the document too.
            let clock = ManualClock(Date())
            let engine = Engine(database: database, clock: clock.billingClock(), gateway: nil)
            let delivery = MailDelivery(
                database: database, documents: engine.documents, transport: MailSettings.files.transport(),
                sender: nil, clock: engine.clock)
            let work = BackgroundWork(engine: engine, delivery: delivery, logger: Logger(label: "billfold-test"))
            let router = buildRouter(
                engine, templates: try .bundled(), testClock: TestClock(clock: clock, work: work))
            // The sandbox imitates Razorpay's API, which Razorpay documents; it is not part of Billfold's.
            let billfoldRoutes = router.routes.filter { $0.path.description.split(separator: "/").first != "sandbox" }
            let served = Set(
                billfoldRoutes.map { route in
                    let path = route.path.description.split(separator: "/").map { part in
                        part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                    }
                    return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
                })
            let app = Application(router: router)
            try await app.withTestClient(.router) { client in
                let response = try await client.execute(uri: "/openapi.json", method: .get)
                #expect(response.status == .ok)
                let document = try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(document["openapi"] as? String == "3.1.0")
                let documented = Self.documentedOperations(document)
                // The portal's HTML pages are for browsers, not API clients: only those already documented are held
                // to the document; every `/api/` route still is.
                let undocumented = served.subtracting(documented).filter { operation in
                    let path = operation.split(separator: " ")[1]
                    return path != "/portal" && !path.hasPrefix("/portal/")
                }
                #expect(undocumented.sorted() == [], "routes the document leaves out")
                #expect(documented.subtracting(served).sorted() == [], "operations the server does not have")
            }
        }
    }
}
