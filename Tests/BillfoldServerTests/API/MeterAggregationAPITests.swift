import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Meter aggregation API")
struct MeterAggregationAPITests {
    /// 2026-12-01 at noon in India: November has ended and is not billed yet.
    static let now = Date(timeIntervalSince1970: 1_796_112_000)

    /// Block storage in tiers: 0–100 GB at ₹1 with a ₹50 fee for reaching it, beyond at ₹0.50.
    static let storage = """
        {"code": "storage-gb", "name": "Block storage", "resource_type": "storage", "unit": "GB-month",
         "pricing": {"model": "graduated", "tiers": [{"up_to": "100", "unit_price": "1", "flat_fee": 5000},
                                                      {"unit_price": "0.5"}]}}
        """
    /// Egress by the started 10 GB, ₹5 each, every resource on its own.
    static let egress = """
        {"code": "egress-gb", "name": "Network egress", "resource_type": "network", "unit": "GB",
         "aggregation": "per_resource", "pricing": {"model": "package", "package_size": "10", "unit_price": "5"}}
        """

    @Test(
        "a meter is per_meter unless it says per_resource; any other aggregation is refused",
        arguments: TestDatabase.kinds)
    func meters(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let storage = try await client.call(.post, "/api/v1/meters", json: Self.storage)
            #expect(storage.status == .created && storage.object["aggregation"] as? String == "per_meter")
            let egress = try await client.call(.post, "/api/v1/meters", json: Self.egress)
            #expect(egress.status == .created && egress.object["aggregation"] as? String == "per_resource")
            let listed = try #require(try await client.call(.get, "/api/v1/meters").object["data"] as? [[String: Any]])
            #expect(listed.map { $0["code"] as? String } == ["storage-gb", "egress-gb"])
            #expect(listed.map { $0["aggregation"] as? String } == ["per_meter", "per_resource"])
            for value in [#""per_workspace""#, #""PER_METER""#, #""""#, "5", "null"] {
                let body = """
                    {"code": "m", "name": "M", "resource_type": "pod", "unit": "u", "aggregation": \(value),
                     "pricing": {"model": "per_unit", "unit_price": "1"}}
                    """
                let response = try await client.call(.post, "/api/v1/meters", json: body)
                if value == "null" {
                    // Null is the same as leaving it out.
                    #expect(response.status == .created && response.object["aggregation"] as? String == "per_meter")
                } else {
                    #expect(response.status == .unprocessableContent, "\(value)")
                    #expect(response.error["param"] as? String == "aggregation", "\(value)")
                }
            }
        }
    }

    @Test(
        "two volumes on one tiered meter: the upcoming invoice, both dashboards and the issued invoice agree",
        arguments: TestDatabase.kinds)
    func previewDashboardAndRunAgree(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let workspaceID = try await Self.subscribedWorkspace(client)
            #expect(try await client.call(.post, "/api/v1/meters", json: Self.storage).status == .created)
            #expect(try await client.call(.post, "/api/v1/meters", json: Self.egress).status == .created)
            func record(_ event: String, _ meter: String, _ resource: String, _ quantity: String, day: Int) -> String {
                """
                {"event_id": "\(event)", "workspace_id": "\(workspaceID)", "meter": "\(meter)",
                 "resource_name": "\(resource)", "quantity": "\(quantity)",
                 "started_at": "2026-11-\(day)T00:00:00Z", "ended_at": "2026-11-\(day)T01:00:00Z"}
                """
            }
            let records = [
                record("a-1", "storage-gb", "vol-a", "40", day: 10),
                record("b-1", "storage-gb", "vol-b", "50.5", day: 11),
                record("a-2", "storage-gb", "vol-a", "30", day: 20), record("c-1", "egress-gb", "cdn", "5", day: 12),
                record("d-1", "egress-gb", "api", "5", day: 13),
            ]
            let usage = try await client.call(
                .post, "/api/v1/usage", json: "{\"records\": [\(records.joined(separator: ","))]}")
            #expect(usage.status == .ok)

            // Storage: 120.5 GB-month is 100 × 1.00 + 50.00 + 20.5 × 0.50 = 160.25, shared 70 : 50.5, that is
            // 93.09128… and 67.15871…, the paisa left over going to the larger remainder. Egress per resource:
            // a package each, 5.00 + 5.00. Subtotal 2,999.00 + 10.00 + 160.25 = 3,169.25; IGST 18% 570.465 → 570.47.
            let total = 373_972
            let upcoming = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/upcoming_invoice")
            let preview = try #require(upcoming.object["invoice"] as? [String: Any])
            let previewLines = try #require(preview["lines"] as? [[String: Any]])
            #expect(previewLines.map { $0["resource_name"] as? String } == ["Starter", "api", "cdn", "vol-a", "vol-b"])
            #expect(previewLines.map { $0["amount"] as? Int } == [299_900, 500, 500, 9_309, 6_716])
            #expect(previewLines.suffix(2).map { $0["quantity"] as? String } == ["70", "50.5"])
            #expect(previewLines.suffix(2).allSatisfy { $0["unit_price"] as? String == "1.329876" })
            #expect(
                previewLines.suffix(2).allSatisfy {
                    $0["description"] as? String
                        == "Block storage (priced on the meter's total of 120.5 GB-month: 0–100 at 1 plus a 50.00 fee, above 100 at 0.5)"
                })
            #expect(preview["subtotal"] as? Int == 316_925 && preview["total"] as? Int == total)

            let dashboard = try await client.call(.get, "/api/v1/workspaces/\(workspaceID)/dashboard")
            #expect(dashboard.object["invoice_total"] as? Int == total)
            var browser = try await PortalPageTests.Browser.signedIn(
                client, "owner@ops.example", password: "correct-horse-9")
            let page = String(buffer: try await browser.get(client, "/portal").body)
            let shown = PortalPageTests.text(of: "invoice-total", in: page)
            #expect(shown?.contains(PortalPageTests.money(total)) == true, "\(shown ?? "no invoice total")")

            let run = try await client.call(.post, "/api/v1/billing_runs", json: "{}")
            #expect(run.object["periods_closed"] as? Int == 1)
            let invoiceID = try #require((run.object["invoices"] as? [String])?.first)
            let issued = try await client.call(.get, "/api/v1/invoices/\(invoiceID)")
            #expect(issued.object["total"] as? Int == total && issued.object["subtotal"] as? Int == 316_925)
            let issuedLines = try #require(issued.object["lines"] as? [[String: Any]])
            let fields = ["resource_name", "description", "quantity", "unit", "unit_price", "amount"]
            func rows(_ lines: [[String: Any]]) -> [String] {
                lines.map { line in fields.map { "\(line[$0] ?? "-")" }.joined(separator: " | ") }
            }
            #expect(rows(issuedLines) == rows(previewLines))
            #expect(issued.object["period_start"] as? String == preview["period_start"] as? String)
        }
    }

    /// A supplier in Karnataka, a workspace in Maharashtra with an owner who can sign in, on ₹2,999 a month from
    /// 1 November; returns the workspace's id.
    static func subscribedWorkspace(_ client: any ServerTestClient) async throws -> String {
        _ = try await client.call(
            .put, "/api/v1/supplier",
            json:
                #"{"name": "Nimbus", "email": "b@nimbus.example", "gstin": "29AAGCN4821K1Z5", "address": {"line1": "1", "city": "Bengaluru", "state_code": "29", "pin": "560001"}}"#
        )
        let workspace = try await client.call(
            .post, "/api/v1/workspaces",
            json:
                #"{"name": "Ops", "email": "ops@ops.example", "address": {"line1": "1", "city": "Pune", "state_code": "27", "pin": "411001"}}"#
        )
        let workspaceID = try #require(workspace.object["id"] as? String)
        let member = try await client.call(
            .post, "/api/v1/workspaces/\(workspaceID)/members",
            json: #"{"email": "owner@ops.example", "name": "Owner", "role": "owner", "password": "correct-horse-9"}"#)
        #expect(member.status == .created)
        let plan = try await client.call(
            .post, "/api/v1/plans", json: #"{"code": "starter", "name": "Starter", "platform_fee": 299900}"#)
        let planID = try #require(plan.object["id"] as? String)
        let subscription = try await client.call(
            .post, "/api/v1/subscriptions",
            json: "{\"workspace_id\": \"\(workspaceID)\", \"plan_id\": \"\(planID)\", \"start_date\": \"2026-11-01\"}")
        #expect(subscription.status == .created && subscription.object["current_period_end"] as? String == "2026-12-01")
        return workspaceID
    }
}
