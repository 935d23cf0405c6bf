import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Subscriptions API")
struct SubscriptionAPITests {
    /// 2026-12-01 at noon in India.
    static let now = Date(timeIntervalSince1970: 1_796_112_000)

    @Test("subscribe a workspace, refuse a second or mismatched one, and bill it", arguments: TestDatabase.kinds)
    func subscribeAndBill(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let noSupplier = try await client.call(.get, "/api/v1/supplier")
            #expect(noSupplier.status == .notFound)
            let badSupplier = try await client.call(
                .put, "/api/v1/supplier",
                json:
                    #"{"name": "Nimbus", "email": "b@nimbus.example", "gstin": "29AAGCN4821K1Z6", "address": {"line1": "1", "city": "Bengaluru", "state_code": "29", "pin": "560001"}}"#
            )
            #expect(badSupplier.status == .unprocessableContent && badSupplier.error["param"] as? String == "gstin")
            let supplier = try await client.call(
                .put, "/api/v1/supplier",
                json:
                    #"{"name": "Nimbus", "email": "b@nimbus.example", "gstin": "29AAGCN4821K1Z5", "address": {"line1": "1", "city": "Bengaluru", "state_code": "29", "pin": "560001"}}"#
            )
            #expect(supplier.status == .ok && supplier.object["state_code"] as? String == "29")
            let workspace = try await client.call(
                .post, "/api/v1/workspaces",
                json:
                    #"{"name": "Ops", "email": "ops@ops.example", "address": {"line1": "1", "city": "Pune", "state_code": "27", "pin": "411001"}}"#
            )
            let workspaceID = try #require(workspace.object["id"] as? String)
            let bare = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/dashboard")
            #expect(
                bare.status == .ok && bare.object["next_issue_date"] == nil && bare.object["invoice_total"] as? Int == 0
            )
            let nothingComing = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/upcoming_invoice")
            #expect(nothingComing.status == .notFound && nothingComing.error["code"] as? String == "no_subscription")
            let plan = try await client.call(
                .post, "/api/v1/plans", json: #"{"code": "starter", "name": "Starter", "platform_fee": 299900}"#)
            let planID = try #require(plan.object["id"] as? String)
            let dollars = try await client.call(
                .post, "/api/v1/plans", json: #"{"code": "usd", "name": "USD", "currency": "USD", "platform_fee": 100}"#
            )
            let dollarPlanID = try #require(dollars.object["id"] as? String)

            let mismatch = try await client.call(
                .post, "/api/v1/subscriptions",
                json: "{\"workspace_id\": \"\(workspaceID)\", \"plan_id\": \"\(dollarPlanID)\"}")
            #expect(mismatch.status == .unprocessableContent && mismatch.error["param"] as? String == "plan_id")
            let unknown = try await client.call(
                .post, "/api/v1/subscriptions",
                json: "{\"workspace_id\": \"\(workspaceID)\", \"plan_id\": \"plan_nope\"}")
            #expect(unknown.status == .notFound)

            let created = try await client.call(
                .post, "/api/v1/subscriptions",
                json:
                    "{\"workspace_id\": \"\(workspaceID)\", \"plan_id\": \"\(planID)\", \"seats\": 3, \"start_date\": \"2026-10-31\"}"
            )
            #expect(created.status == .created)
            #expect(created.object["current_period_end"] as? String == "2026-11-30")
            let id = try #require(created.object["id"] as? String)
            let again = try await client.call(
                .post, "/api/v1/subscriptions",
                json: "{\"workspace_id\": \"\(workspaceID)\", \"plan_id\": \"\(planID)\"}")
            #expect(again.status == .conflict)

            let dashboard = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/dashboard")
            #expect(dashboard.object["next_issue_date"] as? String == "2026-11-30")
            #expect(
                dashboard.object["invoice_total"] as? Int == 353_882 && dashboard.object["plan"] as? String == "Starter"
            )
            #expect((dashboard.object["seats"] as? [String: Int])?["subscribed"] == 3)
            let upcoming = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/upcoming_invoice")
            let preview = try #require(upcoming.object["invoice"] as? [String: Any])
            #expect(upcoming.object["next_issue_date"] as? String == "2026-11-30")
            #expect(preview["total"] as? Int == 353_882 && preview["period_end"] as? String == "2026-11-29")
            let run = try await client.call(.post, "/api/v1/billing_runs", json: "{}")
            #expect(run.object["periods_closed"] as? Int == 1)
            let fetched = try await client.call(.get, "/api/v1/subscriptions/\(id)")
            #expect(fetched.object["current_period_start"] as? String == "2026-11-30")
            #expect(fetched.object["current_period_end"] as? String == "2026-12-31")
            let invoices = try await client.call(.get, "/api/v1/invoices?workspace_id=\(workspaceID)")
            let items = try #require(invoices.object["data"] as? [[String: Any]])
            // ₹2,999.00 to a Maharashtra customer from Karnataka: IGST 18% is ₹539.82.
            #expect(items.count == 1 && items.first?["total"] as? Int == 353_882)
            #expect(items.first?["issue_date"] as? String == "2026-11-30")
            let next = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/dashboard")
            #expect(next.object["next_issue_date"] as? String == "2026-12-31")
        }
    }
}
