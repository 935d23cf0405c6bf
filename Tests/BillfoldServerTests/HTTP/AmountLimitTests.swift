import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Amounts too large to hold are refused with a 4xx, never a trap that takes the server down.
@Suite("Amounts past what Billfold can hold")
struct AmountLimitTests {
    @Test(
        "usage worth more than an amount can hold gets 422 on the dashboard and preview", arguments: TestDatabase.kinds)
    func hugeUsage(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let workspace = try #require(
                try await client.call(
                    .post, "/api/v1/workspaces",
                    json: #"{"name": "Huge", "email": "a@huge.example", "address": {"line1": "1", "city": "Pune", "#
                        + #""state_code": "27", "pin": "411001"}}"#
                ).object["id"] as? String)
            let plans = try await client.call(.get, "/api/v1/plans")
            let plan = try #require(
                (plans.object["data"] as? [[String: Any]])?.first { $0["code"] as? String == "starter-monthly" }?["id"]
                    as? String)
            let subscribed = try await client.call(
                .post, "/api/v1/subscriptions", json: #"{"workspace_id": "\#(workspace)", "plan_id": "\#(plan)"}"#)
            #expect(subscribed.status == .created)
            let meter = try await client.call(
                .post, "/api/v1/meters",
                json: #"{"code": "gpu-hour", "name": "GPU", "resource_type": "vm", "unit": "GPU-hour", "#
                    + #""pricing": {"model": "per_unit", "unit_price": "90000"}}"#)
            #expect(meter.status == .created)
            let usage = try await client.call(
                .post, "/api/v1/usage",
                json: #"{"records": [{"event_id": "e1", "workspace_id": "\#(workspace)", "meter": "gpu-hour", "#
                    + #""resource_name": "a", "quantity": "1000000000000", "started_at": "2026-11-21T10:00:00Z", "#
                    + #""ended_at": "2026-11-21T11:00:00Z"}]}"#)
            #expect(usage.status == .ok)
            for path in ["dashboard", "upcoming_invoice"] {
                let response = try await client.call(.get, "/api/v1/workspaces/\(workspace)/\(path)")
                #expect(response.status == .unprocessableContent, "\(path)")
                #expect(response.error["code"] as? String == "amount_out_of_range", "\(path)")
            }
            // The server is still up.
            #expect(try await client.call(.get, "/health", key: nil).status == .ok)
        }
    }

    @Test("a plan's monthly credits are capped so an annual allowance fits", arguments: TestDatabase.kinds)
    func creditsCap(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let response = try await client.call(
                .post, "/api/v1/plans",
                json: #"{"code": "big", "name": "Big", "interval": "year", "platform_fee": 100, "#
                    + #""monthly_credits": 1000000000000}"#)
            #expect(response.status == .unprocessableContent)
            #expect(response.error["param"] as? String == "monthly_credits")
        }
    }

    @Test("a body of null is malformed JSON")
    func nullBody() async throws {
        try await withTestServer(.sqlite) { client in
            let response = try await client.call(.post, "/api/v1/workspaces", json: "null")
            #expect(response.status == .badRequest)
            #expect(response.error["code"] as? String == "malformed_json")
        }
    }
}
