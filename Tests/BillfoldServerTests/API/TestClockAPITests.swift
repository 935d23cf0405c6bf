import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The test clock: GET /api/v1/test_clock and POST /api/v1/test_clock/advance")
struct TestClockAPITests {
    /// 21 November 2026, 13:30 in India: Chai Labs' November invoice, due on the 16th, is overdue.
    static let now = MailAndDunningAPITests.now

    @Test("a server without a test clock has no /test_clock", arguments: TestDatabase.kinds)
    func absent(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            #expect(try await client.call(.get, "/api/v1/test_clock").status == .notFound)
            let advance = try await client.call(
                .post, "/api/v1/test_clock/advance", json: #"{"to": "2027-01-01T00:00:00Z"}"#)
            #expect(advance.status == .notFound)
        }
    }

    @Test(
        "the clock reads now, today and the billing time zone; a bad advance is a 422 naming to",
        arguments: TestDatabase.kinds)
    func readAndRefusals(kind: DatabaseKind) async throws {
        try await MailAndDunningAPITests.withDemoServer(kind, testClock: true) { client, _ in
            let read = try await client.call(.get, "/api/v1/test_clock")
            #expect(read.status == .ok)
            let body = read.object
            #expect(body["object"] as? String == "test_clock")
            #expect(body["now"] as? String == "2026-11-21T08:00:00Z")
            #expect(body["today"] as? String == "2026-11-21" && body["time_zone"] as? String == "Asia/Kolkata")
            #expect(body["steps"] == nil, "steps only after an advance")

            let refusals: [(String, String)] = [
                (#"{"to": "2026-11-21T07:59:59Z"}"#, "in the past"),
                (#"{"to": "2026-11-21T13:30:00+05:30"}"#, "now itself"),
                (#"{}"#, "missing"),
                (#"{"to": null}"#, "null"),
                (#"{"to": "next tuesday"}"#, "malformed"),
                (#"{"to": "2026-12-01"}"#, "a date without a time"),
                (#"{"to": "2027-12-26T08:00:01Z"}"#, "more than 400 days ahead"),
            ]
            for (json, what) in refusals {
                let response = try await client.call(.post, "/api/v1/test_clock/advance", json: json)
                #expect(response.status == .unprocessableContent, "\(what): \(String(buffer: response.body))")
                #expect(response.error["param"] as? String == "to", "\(what): \(String(buffer: response.body))")
            }
            let still = try await client.call(.get, "/api/v1/test_clock").object
            #expect(still["now"] as? String == "2026-11-21T08:00:00Z", "a refused advance leaves the clock")

            // Within the day, before the next midnight in India: one step, at the target.
            let short = try await client.call(
                .post, "/api/v1/test_clock/advance", json: #"{"to": "2026-11-21T20:00:00+05:30"}"#)
            #expect(short.status == .ok, "\(String(buffer: short.body))")
            #expect(short.object["now"] as? String == "2026-11-21T14:30:00Z" && short.object["steps"] as? Int == 1)
            #expect(short.object["today"] as? String == "2026-11-21")
            // Past midnight in India though not in UTC: the billing day moves.
            let midnight = try await client.call(
                .post, "/api/v1/test_clock/advance", json: #"{"to": "2026-11-21T19:00:00Z"}"#)
            #expect(midnight.object["steps"] as? Int == 2 && midnight.object["today"] as? String == "2026-11-22")
        }
    }

    @Test(
        "advancing 40 days, a few days at a time, runs dunning and mail at each midnight: the overdue workspace is reminded and loses service",
        arguments: TestDatabase.kinds)
    func advanceThroughDunning(kind: DatabaseKind) async throws {
        try await MailAndDunningAPITests.withDemoServer(kind, testClock: true) { client, server in
            let chai = try await MailAndDunningAPITests.workspace(client, named: "Chai Labs")
            let id = try #require(chai["id"] as? String)
            #expect(chai["service_state"] as? String == "active", "no dunning pass has run yet")
            let overdue = try await client.call(.get, "/api/v1/invoices?status=overdue&workspace_id=\(id)")
            let invoice = try #require(MailAndDunningAPITests.data(overdue).first?["id"] as? String)
            #expect(MailAndDunningAPITests.ids(try await client.call(.get, "/api/v1/messages")).isEmpty)

            // Three or four days at a time: each advance starts at the midnight after the last one ended.
            var steps = 0
            var last: [String: Any] = [:]
            let days = [
                "2026-11-25", "2026-11-28", "2026-12-01", "2026-12-05", "2026-12-08", "2026-12-12", "2026-12-15",
                "2026-12-19", "2026-12-22", "2026-12-26", "2026-12-29", "2026-12-31",
            ]
            for day in days {
                let advance = try await client.call(
                    .post, "/api/v1/test_clock/advance", json: #"{"to": "\#(day)T13:30:00+05:30"}"#)
                #expect(advance.status == .ok, "\(String(buffer: advance.body))")
                steps += advance.object["steps"] as? Int ?? 0
                last = advance.object
            }
            #expect(last["now"] as? String == "2026-12-31T08:00:00Z")
            #expect(last["today"] as? String == "2026-12-31")
            // The 40 midnights from 22 November to 31 December, and each advance's target.
            #expect(steps == 40 + days.count)
            #expect(
                try await client.call(.get, "/api/v1/test_clock").object["now"] as? String == "2026-12-31T08:00:00Z")

            let after = try await client.call(.get, "/api/v1/workspaces/\(id)").object
            let state = after["service_state"] as? String
            #expect(state == "grace" || state == "suspended", "\(state ?? "none")")
            // Suspended on 24 November, at the first midnight past the seven grace days.
            #expect(after["service_state_since"] as? String == "2026-11-23T18:30:00Z")

            let overdueEvents = try await client.call(
                .get, "/api/v1/events?type=invoice.overdue&invoice_id=\(invoice)")
            #expect(MailAndDunningAPITests.data(overdueEvents).count == 1)
            let reminders = try await client.call(
                .get, "/api/v1/events?type=reminder.sent&workspace_id=\(id)&limit=100")
            #expect(!MailAndDunningAPITests.data(reminders).isEmpty)
            let changes = try await client.call(
                .get, "/api/v1/events?type=workspace.service_state_changed&workspace_id=\(id)")
            let moves = MailAndDunningAPITests.data(changes).compactMap { $0["data"] as? [String: Any] }
            #expect(moves.map { "\($0["from"] ?? "?")→\($0["to"] ?? "?")" } == ["active→grace", "grace→suspended"])
            #expect(moves.allSatisfy { $0["set_by"] as? String == "dunning" })

            // The billing run on 1 December issued the November periods' invoices, and mail told each workspace.
            let issued = try await client.call(.get, "/api/v1/invoices?workspace_id=\(id)&from=2026-12-01")
            #expect(!MailAndDunningAPITests.data(issued).isEmpty, "\(String(buffer: issued.body))")
            let messages = try await client.call(.get, "/api/v1/messages?workspace_id=\(id)&limit=100")
            let templates = Set(
                MailAndDunningAPITests.data(messages).compactMap { $0["template"] as? String })
            #expect(
                templates.isSuperset(of: ["reminder_overdue", "final_warning", "service_suspended", "invoice_issued"]),
                "\(templates)")
            let sent = try await client.call(.get, "/api/v1/messages?status=sent&limit=1")
            #expect(!MailAndDunningAPITests.ids(sent).isEmpty, "delivered by the advance")
            let files = try FileManager.default.contentsOfDirectory(atPath: server.mailDirectory.path)
            #expect(files.contains { $0.hasSuffix(".eml") }, "\(files)")

            let past = try await client.call(
                .post, "/api/v1/test_clock/advance", json: #"{"to": "2026-12-31T08:00:00Z"}"#)
            #expect(past.status == .unprocessableContent && past.error["param"] as? String == "to")
        }
    }

    @Test(
        "grace set by hand stands past the suspension day, and then shows no suspension date in the past",
        arguments: TestDatabase.kinds)
    func graceByHand(kind: DatabaseKind) async throws {
        try await MailAndDunningAPITests.withDemoServer(kind, testClock: true) { client, _ in
            let chai = try await MailAndDunningAPITests.workspace(client, named: "Chai Labs")
            let id = try #require(chai["id"] as? String)
            let path = "/api/v1/workspaces/\(id)"
            let grace = try await client.call(.patch, path, json: #"{"service_state": "grace"}"#)
            #expect(grace.status == .ok && grace.object["service_state"] as? String == "grace")
            let advance = try await client.call(
                .post, "/api/v1/test_clock/advance", json: #"{"to": "2026-11-30T13:30:00+05:30"}"#)
            #expect(advance.status == .ok)
            let after = try await client.call(.get, path).object
            #expect(after["service_state"] as? String == "grace", "dunning leaves a state an operator set")
            #expect(after["suspends_at"] == nil, "no suspension date in the past: \(after["suspends_at"] ?? "")")
            let changes = try await client.call(
                .get, "/api/v1/events?type=workspace.service_state_changed&workspace_id=\(id)")
            #expect(MailAndDunningAPITests.data(changes).count == 1, "only the operator's change")
            let reminders = try await client.call(
                .get, "/api/v1/events?type=reminder.sent&workspace_id=\(id)")
            #expect(!MailAndDunningAPITests.data(reminders).isEmpty, "reminders still go")
        }
    }
}
