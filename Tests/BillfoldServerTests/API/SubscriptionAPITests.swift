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

    /// A supplier in Karnataka and a prepaid workspace in Maharashtra; returns the workspace's id.
    static func prepaidWorkspace(_ client: any ServerTestClient) async throws -> String {
        _ = try await client.call(
            .put, "/api/v1/supplier",
            json:
                #"{"name": "Nimbus", "email": "b@nimbus.example", "gstin": "29AAGCN4821K1Z5", "address": {"line1": "1", "city": "Bengaluru", "state_code": "29", "pin": "560001"}}"#
        )
        let workspace = try await client.call(
            .post, "/api/v1/workspaces",
            json:
                #"{"name": "Ops", "email": "ops@ops.example", "billing_mode": "prepaid", "address": {"line1": "1", "city": "Pune", "state_code": "27", "pin": "411001"}}"#
        )
        return try #require(workspace.object["id"] as? String)
    }

    @Test(
        "seats changed by PATCH are prorated on the upcoming invoice; cancellation waits for the period's end",
        arguments: TestDatabase.kinds)
    func changeSeats(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let workspaceID = try await Self.prepaidWorkspace(client)
            let plan = try await client.call(
                .post, "/api/v1/plans",
                json:
                    #"{"code": "team", "name": "Team", "platform_fee": 100000, "included_seats": 2, "seat_price": 50000}"#
            )
            let planID = try #require(plan.object["id"] as? String)
            let created = try await client.call(
                .post, "/api/v1/subscriptions",
                json: "{\"workspace_id\": \"\(workspaceID)\", \"plan_id\": \"\(planID)\", \"seats\": 2}")
            let id = try #require(created.object["id"] as? String)
            #expect(created.object["current_period_end"] as? String == "2027-01-01")

            let refusals: [(String, String, String?)] = [
                ("{}", "nothing_to_change", "seats"),
                (#"{"seats": -1}"#, "invalid_field", "seats"),
                (#"{"seats": "four"}"#, "invalid_field", "seats"),
                (#"{"plan_id": "team"}"#, "invalid_field", "plan_id"),
                (#"{"proration_date": "2026-12-11"}"#, "invalid_field", "proration_date"),
                (#"{"seats": 4, "proration_date": "11/12/2026"}"#, "invalid_field", "proration_date"),
                (#"{"seats": 4, "proration_date": "2027-01-01"}"#, "invalid_request", nil),
            ]
            for (body, code, param) in refusals {
                let response = try await client.call(.patch, "/api/v1/subscriptions/\(id)", json: body)
                #expect(response.status.code / 100 == 4, "\(body)")
                #expect(response.error["code"] as? String == code, "\(body)")
                #expect(response.error["param"] as? String == param, "\(body)")
            }
            let missing = try await client.call(.patch, "/api/v1/subscriptions/sub_nope", json: #"{"seats": 3}"#)
            #expect(missing.status == .notFound)

            let changed = try await client.call(
                .patch, "/api/v1/subscriptions/\(id)", json: #"{"seats": 4, "proration_date": "2026-12-11"}"#)
            #expect(changed.status == .ok && changed.object["seats"] as? Int == 4)
            let upcoming = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/upcoming_invoice")
            let preview = try #require(upcoming.object["invoice"] as? [String: Any])
            let lines = try #require(preview["lines"] as? [[String: Any]])
            // Two seats beyond the two included, from 11 December: 2 × 500.00 × 21/31 = 677.42.
            #expect(lines.map { $0["amount"] as? Int } == [100_000, 67_742])
            #expect(lines.last?["quantity"] as? String == "2" && lines.last?["period_start"] as? String == "2026-12-11")

            let cancelled = try await client.call(
                .patch, "/api/v1/subscriptions/\(id)", json: #"{"cancel_at_period_end": true}"#)
            #expect(cancelled.object["cancel_at_period_end"] as? Bool == true)
            #expect(cancelled.object["status"] as? String == "active")
        }
    }

    @Test("a top-up recorded by the operator issues a paid receipt and fills the wallet", arguments: TestDatabase.kinds)
    func topUp(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let workspaceID = try await Self.prepaidWorkspace(client)
            let path = "/api/v1/workspaces/\(workspaceID)/wallet/top_ups"
            let refusals: [(String, String)] = [
                (#"{"amount": 0}"#, "amount"),
                (#"{}"#, "amount"),
                (#"{"amount": 5000, "currency": "USD"}"#, "currency"),
                (#"{"amount": 5000, "method": "wallet"}"#, "method"),
                (#"{"amount": 5000, "method": "cash"}"#, "method"),
                (#"{"amount": 5000, "reference": "   "}"#, "reference"),
            ]
            for (body, param) in refusals {
                let response = try await client.call(.post, path, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.error["param"] as? String == param, "\(body)")
            }
            let nowhere = try await client.call(
                .post, "/api/v1/workspaces/ws_nope/wallet/top_ups", json: #"{"amount": 5000}"#)
            #expect(nowhere.status == .notFound)

            let topUp = try await client.call(
                .post, path, json: #"{"amount": 250000, "method": "upi", "reference": "UTR 4411"}"#)
            #expect(topUp.status == .created && topUp.object["balance"] as? Int == 250_000)
            let receipt = try #require(topUp.object["receipt"] as? [String: Any])
            #expect(receipt["kind"] as? String == "receipt" && receipt["status"] as? String == "paid")
            #expect(receipt["total"] as? Int == 250_000 && receipt["amount_due"] as? Int == 0)
            let wallet = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/wallet")
            #expect(wallet.object["balance"] as? Int == 250_000)
            let entries = try #require(wallet.object["entries"] as? [[String: Any]])
            #expect(entries.count == 1 && entries.first?["reason"] as? String == "top_up")
            #expect(entries.first?["invoice_id"] as? String == receipt["id"] as? String)
            _ = try await client.call(
                .patch, "/api/v1/workspaces/\(workspaceID)", json: #"{"billing_mode": "postpaid"}"#)
            let postpaid = try await client.call(.post, path, json: #"{"amount": 5000}"#)
            #expect(postpaid.status == .conflict && postpaid.error["code"] as? String == "invalid_state")
        }
    }
}
