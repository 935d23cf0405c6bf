import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Billing runs API")
struct BillingRunAPITests {
    /// 2026-11-21 and 2026-12-01, both at noon in India.
    static let seeded = Date(timeIntervalSince1970: 1_795_248_000)
    static let december = Date(timeIntervalSince1970: 1_796_112_000)

    @Test("a run bills the demo's November once; future and malformed as_of are refused", arguments: TestDatabase.kinds)
    func run(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.december, demoSeededAt: Self.seeded) { client in
            let before = try await client.call(.get, "/api/v1/invoices?from=2026-12-01&limit=100")
            #expect((before.object["data"] as? [Any])?.isEmpty == true)
            let first = try await client.call(.post, "/api/v1/billing_runs", json: "{}")
            #expect(first.status == .ok)
            #expect(first.object["periods_closed"] as? Int == 7)
            #expect((first.object["invoices"] as? [String])?.count == 7)
            #expect((first.object["failures"] as? [Any])?.isEmpty == true)
            let again = try await client.call(
                .post, "/api/v1/billing_runs", json: #"{"as_of": "2026-12-01T06:30:00Z"}"#)
            #expect(again.status == .ok && again.object["periods_closed"] as? Int == 0)
            let december = try await client.call(.get, "/api/v1/invoices?from=2026-12-01&kind=invoice&limit=100")
            let items = try #require(december.object["data"] as? [[String: Any]])
            #expect(items.count == 7)
            #expect(items.allSatisfy { ($0["period_start"] as? String) == "2026-11-01" })
            #expect(items.allSatisfy { ($0["period_end"] as? String) == "2026-11-30" })
            #expect(
                Set(items.compactMap { $0["description"] as? String }).isSubset(of: [
                    "Growth - Monthly", "Starter - Monthly", "Growth (USD) - Monthly",
                ]))
            let future = try await client.call(
                .post, "/api/v1/billing_runs", json: #"{"as_of": "2027-01-01T00:00:00Z"}"#)
            #expect(future.status == .unprocessableContent && future.error["param"] as? String == "as_of")
            let malformed = try await client.call(.post, "/api/v1/billing_runs", json: #"{"as_of": "tomorrow"}"#)
            #expect(malformed.status == .unprocessableContent && malformed.error["param"] as? String == "as_of")
        }
    }
}
