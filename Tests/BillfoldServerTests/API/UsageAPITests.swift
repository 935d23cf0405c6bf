import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Meters and usage API")
struct UsageAPITests {
    /// The server's billing clock: 2026-11-21T08:00:00Z, so usage of November 2026 is recent.
    static let now = InvoiceAPITests.now

    static let meter = """
        {"code": "pod-vcpu-hours", "name": "Pod vCPU", "resource_type": "pod", "unit": "vCPU-hour",
         "pricing": {"model": "graduated", "tiers": [{"up_to": "1000", "unit_price": "2.4"},
                                                      {"unit_price": "1.8", "flat_fee": 5000}]}}
        """

    func workspace(_ client: some ServerTestClient) async throws -> String {
        let created = try await client.call(
            .post, "/api/v1/workspaces",
            json:
                #"{"name": "Ops", "email": "ops@ops.example", "address": {"line1": "1", "city": "Pune", "state_code": "27", "pin": "411001"}}"#
        )
        return try #require(created.object["id"] as? String)
    }

    @Test("meters are created with exact decimal pricing, and bad pricing is refused", arguments: TestDatabase.kinds)
    func meters(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            let created = try await client.call(.post, "/api/v1/meters", json: Self.meter)
            #expect(created.status == .created)
            let pricing = try #require(created.object["pricing"] as? [String: Any])
            let tiers = try #require(pricing["tiers"] as? [[String: Any]])
            #expect(pricing["model"] as? String == "graduated" && tiers.count == 2)
            #expect(tiers[0]["unit_price"] as? String == "2.4" && tiers[1]["flat_fee"] as? Int == 5_000)
            #expect(created.object["sac"] as? String == "998315")
            #expect(try await client.call(.post, "/api/v1/meters", json: Self.meter).status == .conflict)
            let listed = try await client.call(.get, "/api/v1/meters")
            #expect((listed.object["data"] as? [[String: Any]])?.first?["code"] as? String == "pod-vcpu-hours")
            let bad: [(String, String)] = [
                (#"{"code": "m", "name": "M", "resource_type": "pod", "unit": "u"}"#, "pricing"),
                (
                    #"{"code": "m", "name": "M", "resource_type": "pod", "unit": "u", "pricing": {"model": "free"}}"#,
                    "pricing.model"
                ),
                (
                    #"{"code": "m", "name": "M", "resource_type": "pod", "unit": "u", "pricing": {"model": "per_unit", "unit_price": "1e3"}}"#,
                    "pricing.unit_price"
                ),
                (
                    #"{"code": "m", "name": "M", "resource_type": "pod", "unit": "u", "pricing": {"model": "volume", "tiers": [{"up_to": "5", "unit_price": "1"}]}}"#,
                    "pricing"
                ),
                (
                    #"{"code": "m", "name": "M", "resource_type": "pod", "unit": "u", "pricing": {"model": "package", "unit_price": "5", "package_size": "0"}}"#,
                    "pricing"
                ),
            ]
            for (body, param) in bad {
                let response = try await client.call(.post, "/api/v1/meters", json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.error["param"] as? String == param, "\(body)")
            }
        }
    }

    @Test("usage is idempotent by event id and answers the same ids again", arguments: TestDatabase.kinds)
    func idempotentIngestion(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            _ = try await client.call(.post, "/api/v1/meters", json: Self.meter)
            let workspace = try await self.workspace(client)
            let batch = """
                {"records": [
                  {"event_id": "e-1", "workspace_id": "\(workspace)", "meter": "pod-vcpu-hours",
                   "resource_name": "api", "quantity": "12.5",
                   "started_at": "2026-11-01T00:00:00Z", "ended_at": "2026-11-01T01:00:00Z"},
                  {"event_id": "e-2", "workspace_id": "\(workspace)", "meter": "pod-vcpu-hours",
                   "resource_name": "api", "quantity": "0.125",
                   "started_at": "2026-11-01T01:00:00.5+05:30", "ended_at": "2026-11-01T02:00:00+05:30"}
                ]}
                """
            let first = try await client.call(.post, "/api/v1/usage", json: batch)
            #expect(first.status == .ok && first.object["count"] as? Int == 2)
            let again = try await client.call(.post, "/api/v1/usage", json: batch)
            #expect(again.status == .ok)
            let ids = { (response: ServerTestResponse) in
                (response.object["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            }
            #expect(ids(first).count == 2 && ids(first) == ids(again))
        }
    }

    @Test("a batch with invalid records names each by index and stores nothing", arguments: TestDatabase.kinds)
    func invalidBatch(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            _ = try await client.call(.post, "/api/v1/meters", json: Self.meter)
            let workspace = try await self.workspace(client)
            func record(
                _ event: String, quantity: String = "1", meter: String = "pod-vcpu-hours",
                workspaceID: String? = nil, ended: String = "2026-11-01T01:00:00Z"
            ) -> String {
                """
                {"event_id": "\(event)", "workspace_id": "\(workspaceID ?? workspace)", "meter": "\(meter)",
                 "resource_name": "api", "quantity": "\(quantity)",
                 "started_at": "2026-11-01T00:00:00Z", "ended_at": "\(ended)"}
                """
            }
            let records = [
                record("ok-1"), record("bad-quantity", quantity: "-1"), record("ok-2"),
                record("bad-meter", meter: "gpu-hours"), record("bad-workspace", workspaceID: "ws_missing"),
                record("bad-time", ended: "2026-10-31T00:00:00Z"),
            ]
            let response = try await client.call(
                .post, "/api/v1/usage", json: "{\"records\": [\(records.joined(separator: ","))]}")
            #expect(response.status == .unprocessableContent)
            #expect(response.error["code"] as? String == "invalid_records")
            let errors = try #require(response.error["errors"] as? [[String: Any]])
            #expect(
                errors.compactMap { $0["param"] as? String } == [
                    "records[1].quantity", "records[3].meter", "records[4].workspace_id", "records[5].ended_at",
                ])
            let retry = try await client.call(.post, "/api/v1/usage", json: "{\"records\": [\(record("ok-1"))]}")
            #expect(retry.status == .ok)
            let empty = try await client.call(.post, "/api/v1/usage", json: #"{"records": []}"#)
            #expect(empty.status == .unprocessableContent && empty.error["param"] as? String == "records")
        }
    }

    /// A record with the times given, and the field its refusal names (`nil`: taken).
    struct UsageTimes: Sendable, CustomTestStringConvertible {
        let startedAt: String
        let endedAt: String
        let param: String?
        var testDescription: String { "\(self.startedAt) to \(self.endedAt)" }
    }

    /// The window around the server's 2026-11-21T08:00:00Z: from 2025-10-17T08:00:00Z to 2026-11-22T08:00:00Z.
    static let usageTimes: [UsageTimes] = [
        UsageTimes(startedAt: "0000-01-01T00:00:00Z", endedAt: "0000-01-01T01:00:00Z", param: "started_at"),
        UsageTimes(startedAt: "9999-12-31T00:00:00Z", endedAt: "9999-12-31T01:00:00Z", param: "started_at"),
        UsageTimes(startedAt: "2026-11-21T00:00:00Z", endedAt: "9999-12-31T23:59:59Z", param: "ended_at"),
        UsageTimes(startedAt: "1970-01-01T00:00:00Z", endedAt: "2026-11-21T00:00:00Z", param: "started_at"),
        UsageTimes(startedAt: "2025-10-17T07:59:59Z", endedAt: "2025-10-17T09:00:00Z", param: "started_at"),
        UsageTimes(startedAt: "2025-10-17T08:00:00Z", endedAt: "2025-10-17T09:00:00Z", param: nil),
        UsageTimes(startedAt: "2026-11-22T07:00:00Z", endedAt: "2026-11-22T08:00:00Z", param: nil),
        UsageTimes(startedAt: "2026-11-22T07:00:00Z", endedAt: "2026-11-22T08:00:01Z", param: "ended_at"),
        UsageTimes(startedAt: "2026-11-22T13:00:00+05:30", endedAt: "2026-11-22T13:30:00+05:30", param: nil),
        UsageTimes(startedAt: "2026-11-22T08:00:01Z", endedAt: "2026-11-22T09:00:00Z", param: "started_at"),
    ]

    @Test(
        "usage is taken from 400 days before the server's time to a day after it, and refused outside that",
        arguments: TestDatabase.kinds, Self.usageTimes)
    func timeWindow(kind: DatabaseKind, times: UsageTimes) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            _ = try await client.call(.post, "/api/v1/meters", json: Self.meter)
            let workspace = try await self.workspace(client)
            let response = try await client.call(
                .post, "/api/v1/usage",
                json: """
                    {"records": [{"event_id": "e-1", "workspace_id": "\(workspace)", "meter": "pod-vcpu-hours",
                     "resource_name": "api", "quantity": "1",
                     "started_at": "\(times.startedAt)", "ended_at": "\(times.endedAt)"}]}
                    """)
            guard let param = times.param else {
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                return
            }
            #expect(response.status == .unprocessableContent)
            #expect(response.error["code"] as? String == "invalid_records")
            let errors = try #require(response.error["errors"] as? [[String: Any]])
            #expect(errors.count == 1)
            #expect(errors.first?["param"] as? String == "records[0].\(param)")
            let message = errors.first?["message"] as? String ?? ""
            #expect(message.contains("2025-10-17T08:00:00Z") && message.contains("2026-11-22T08:00:00Z"), "\(message)")
        }
    }

    @Test("event ids with quotes, backslashes and other scripts come back exactly", arguments: TestDatabase.kinds)
    func eventIDsRoundTrip(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: Self.now) { client in
            _ = try await client.call(.post, "/api/v1/meters", json: Self.meter)
            let workspaceID = try await self.workspace(client)
            let eventIDs = [#"say "hi""#, #"back\slash/and/slash"#, "देवनागरी-42", "emoji 🧾 ünïcode", "plain-1"]
            let records = try eventIDs.map { eventID -> [String: String] in
                [
                    "event_id": eventID, "workspace_id": workspaceID, "meter": "pod-vcpu-hours",
                    "resource_name": "api", "quantity": "1", "started_at": "2026-11-01T10:00:00Z",
                    "ended_at": "2026-11-01T11:00:00Z",
                ]
            }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["records": records]), as: UTF8.self)
            let response = try await client.call(.post, "/api/v1/usage", json: body)
            #expect(response.status == .ok)
            #expect(response.object["object"] as? String == "list" && response.object["count"] as? Int == 5)
            let data = try #require(response.object["data"] as? [[String: Any]])
            #expect(data.map { $0["event_id"] as? String } == eventIDs)
            #expect(data.allSatisfy { ($0["id"] as? String)?.hasPrefix("use_") == true })
            let again = try await client.call(.post, "/api/v1/usage", json: body)
            let repeated = try #require(again.object["data"] as? [[String: Any]])
            #expect(repeated.map { $0["id"] as? String } == data.map { $0["id"] as? String })
        }
    }
}
