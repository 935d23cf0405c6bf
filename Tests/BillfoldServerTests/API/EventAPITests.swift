import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GET /api/v1/events")
struct EventAPITests {
    /// Two workspaces' events, a second apart from `Fixtures.now`: finalized, paid, another's finalized, voided.
    struct Seeded: Sendable {
        let acme: WorkspaceID
        let zeta: WorkspaceID
        let invoice: InvoiceID
        let events: [BillingEvent]
        let workspaces: [Workspace]
    }

    static func seeded() -> Seeded {
        let workspaces = [Fixtures.workspace(name: "Acme"), Fixtures.workspace(name: "Zeta")]
        let acme = workspaces[0].id
        let zeta = workspaces[1].id
        let invoice = InvoiceID.generate()
        let total = EventValue.money(Money(minorUnits: 121_540, currency: .inr))
        func at(_ second: TimeInterval) -> Date { Fixtures.now.addingTimeInterval(second) }
        return Seeded(
            acme: acme, zeta: zeta, invoice: invoice,
            events: [
                BillingEvent(
                    type: .invoiceFinalized, workspaceID: acme, invoiceID: invoice,
                    data: ["number": "INV/26-27/000001", "currency": "INR", "total": total, "due_date": .null],
                    at: at(0)),
                BillingEvent(
                    type: .invoicePaid, workspaceID: acme, invoiceID: invoice, paymentID: .generate(),
                    data: ["currency": "INR", "amount_due": .money(.zero(.inr)), "payment_method": "upi"], at: at(1)),
                BillingEvent(type: .invoiceFinalized, workspaceID: zeta, invoiceID: .generate(), at: at(2)),
                BillingEvent(
                    type: .invoiceVoided, workspaceID: acme, invoiceID: invoice, creditNoteID: .generate(),
                    data: ["final": true, "count": 2], at: at(3)),
            ], workspaces: workspaces)
    }

    static func seed(_ seeded: Seeded) -> @Sendable (Store) async throws -> Void {
        { store in
            for workspace in seeded.workspaces { try await Fixtures.seed(store, workspace: workspace) }
            try await store.events.record(seeded.events)
        }
    }

    /// The ids of a list response's page.
    static func ids(_ response: ServerTestResponse) -> [String] {
        (response.object["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test(
        "an event in full: type, related ids, data with amounts as integers, created_at", arguments: TestDatabase.kinds)
    func detail(kind: DatabaseKind) async throws {
        let seeded = Self.seeded()
        try await withTestServer(kind, seed: Self.seed(seeded)) { client in
            let first = seeded.events[0]
            let response = try await client.call(.get, "/api/v1/events/\(first.id)")
            #expect(response.status == .ok)
            let body = response.object
            #expect(body["object"] as? String == "event" && body["id"] as? String == first.id.rawValue)
            #expect(body["type"] as? String == "invoice.finalized")
            #expect(body["workspace_id"] as? String == seeded.acme.rawValue)
            #expect(body["invoice_id"] as? String == seeded.invoice.rawValue)
            #expect(body["created_at"] as? String == "2026-09-21T14:13:20Z")
            // An id with no value is left out, as everywhere in the API.
            #expect(body["payment_id"] == nil && body["credit_note_id"] == nil && body["refund_id"] == nil)
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["total"] as? Int == 121_540 && data["currency"] as? String == "INR")
            #expect(data["number"] as? String == "INV/26-27/000001" && data["due_date"] is NSNull)
            let voided = try await client.call(.get, "/api/v1/events/\(seeded.events[3].id)").object
            #expect(voided["credit_note_id"] as? String == seeded.events[3].creditNoteID?.rawValue)
            let flags = try #require(voided["data"] as? [String: Any])
            #expect(flags["final"] as? Bool == true && flags["count"] as? Int == 2)

            for missing in ["evt_00000000000000000000", "inv_1", "nonsense"] {
                let response = try await client.call(.get, "/api/v1/events/\(missing)")
                #expect(response.status == .notFound, "\(missing)")
                #expect(response.error["code"] as? String == "resource_missing")
            }
        }
    }

    @Test("the list is oldest first, filtered, and paged with starting_after", arguments: TestDatabase.kinds)
    func list(kind: DatabaseKind) async throws {
        let seeded = Self.seeded()
        let ids = seeded.events.map(\.id.rawValue)
        try await withTestServer(kind, seed: Self.seed(seeded)) { client in
            let all = try await client.call(.get, "/api/v1/events")
            #expect(all.status == .ok && all.object["object"] as? String == "list")
            #expect(Self.ids(all) == ids && all.object["has_more"] as? Bool == false)
            let filters: [(String, [String])] = [
                ("workspace_id=\(seeded.zeta)", [ids[2]]),
                ("invoice_id=\(seeded.invoice)", [ids[0], ids[1], ids[3]]),
                ("type=invoice.voided,invoice.paid", [ids[1], ids[3]]),
                ("type=invoice.voided&type=invoice.finalized", [ids[0], ids[2], ids[3]]),
                ("type=invoice.finalized&workspace_id=\(seeded.acme)", [ids[0]]),
                ("created_after=2026-09-21T14:13:20Z&created_before=2026-09-21T14:13:23Z", [ids[1], ids[2]]),
                ("type=reminder.sent", []),
            ]
            for (query, expected) in filters {
                let response = try await client.call(.get, "/api/v1/events?\(query)")
                #expect(response.status == .ok, "\(query)")
                #expect(Self.ids(response) == expected, "\(query)")
            }
            let first = try await client.call(.get, "/api/v1/events?limit=3")
            #expect(Self.ids(first) == Array(ids.prefix(3)) && first.object["has_more"] as? Bool == true)
            let second = try await client.call(.get, "/api/v1/events?limit=3&starting_after=\(ids[2])")
            #expect(Self.ids(second) == [ids[3]] && second.object["has_more"] as? Bool == false)
            let acme = try await client.call(
                .get, "/api/v1/events?workspace_id=\(seeded.acme)&limit=1&starting_after=\(ids[0])")
            #expect(Self.ids(acme) == [ids[1]] && acme.object["has_more"] as? Bool == true)
        }
    }

    @Test("a bad filter is a 422 naming it; an unknown cursor a 404", arguments: TestDatabase.kinds)
    func badFilters(kind: DatabaseKind) async throws {
        try await withTestServer(kind, seed: Self.seed(Self.seeded())) { client in
            let refusals: [(String, String)] = [
                ("type=invoice.sent", "type"),
                ("type=invoice.paid,nonsense", "type"),
                ("workspace_id=inv_123", "workspace_id"),
                ("invoice_id=ws_123", "invoice_id"),
                ("created_after=yesterday", "created_after"),
                ("created_before=2026-09-21", "created_before"),
                ("created_after=2026-09-22T00:00:00Z&created_before=2026-09-21T00:00:00Z", "created_before"),
                ("limit=0", "limit"),
                ("limit=101", "limit"),
                ("starting_after=inv_123", "starting_after"),
            ]
            for (query, param) in refusals {
                let response = try await client.call(.get, "/api/v1/events?\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.error["param"] as? String == param, "\(query)")
            }
            let unknown = try await client.call(.get, "/api/v1/events?starting_after=evt_00000000000000000000")
            #expect(unknown.status == .notFound && unknown.error["param"] as? String == "starting_after")
        }
    }

    @Test("the event log is the operator's: no key is a 401, a member's session a 403", arguments: TestDatabase.kinds)
    func operatorOnly(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let listed = try await client.call(.get, "/api/v1/events?limit=1")
            let id = try #require(Self.ids(listed).first)
            for path in ["/api/v1/events", "/api/v1/events/\(id)"] {
                let anonymous = try await client.call(.get, path, key: nil)
                #expect(anonymous.status == .unauthorized, "\(path)")
                let expired = try await client.call(.get, path, key: "bf_not_a_key")
                #expect(expired.status == .unauthorized, "\(path)")
                let token = try await MemberAccessTests.signIn(client, DemoData.portalEmail)
                let member = try await client.call(.get, path, key: token)
                #expect(member.status == .forbidden, "\(path)")
                #expect(member.error["code"] as? String == "operator_key_required", "\(path)")
            }
        }
    }

    @Test(
        "a payment recorded over the API is in the log at once, with the invoice's amounts",
        arguments: TestDatabase.kinds)
    func paymentThroughTheAPI(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let open = try await client.call(.get, "/api/v1/invoices?status=pending&kind=invoice&limit=1")
            let invoice = try #require((open.object["data"] as? [[String: Any]])?.first)
            let id = try #require(invoice["id"] as? String)
            let due = try #require(invoice["amount_due"] as? Int)
            let paid = try await client.call(
                .post, "/api/v1/invoices/\(id)/payments",
                json: #"{"method": "bank_transfer", "amount": \#(due), "reference": "UTR-EVENTS"}"#)
            #expect(paid.status == .created || paid.status == .ok, "\(String(buffer: paid.body))")
            let events = try await client.call(
                .get, "/api/v1/events?invoice_id=\(id)&type=payment.succeeded,invoice.paid")
            let data = try #require(events.object["data"] as? [[String: Any]])
            #expect(data.map { $0["type"] as? String } == ["payment.succeeded", "invoice.paid"])
            let payment = try #require(data.first?["data"] as? [String: Any])
            #expect(payment["amount"] as? Int == due && payment["method"] as? String == "bank_transfer")
            #expect(payment["invoice_number"] as? String == invoice["number"] as? String)
            let settled = try #require(data.last?["data"] as? [String: Any])
            #expect(settled["amount_due"] as? Int == 0 && settled["total"] as? Int == invoice["total"] as? Int)
            #expect(data.first?["payment_id"] as? String == data.last?["payment_id"] as? String)
        }
    }
}
