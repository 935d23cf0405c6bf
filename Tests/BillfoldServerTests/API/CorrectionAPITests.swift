import BillfoldCore
import BillfoldEngine
import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A server over two workspaces in Karnataka, the supplier's state, each with open invoices of ₹1,215.40: a platform
/// fee of ₹1,000 (line 0) and 12.5 vCPU-hours at ₹2.40 (line 1), CGST and SGST at 9% each.
struct CorrectionHarness: Sendable {
    let client: any ServerTestClient
    let clock: ManualClock
    let workspaceID: String
    let otherWorkspaceID: String
    /// The first workspace's invoices.
    let invoiceIDs: [String]
    /// The other workspace's invoice.
    let otherInvoiceID: String

    func invoice(_ id: String) async throws -> [String: Any] {
        try await self.client.call(.get, "/api/v1/invoices/\(id)").object
    }

    /// The invoice's number, as credit and debit notes quote it.
    func number(of id: String) async throws -> String {
        try #require(try await self.invoice(id)["number"] as? String)
    }
}

/// 2026-11-21 at noon in India, in the financial year 2026-27.
let correctionTestNow = Date(timeIntervalSince1970: 1_795_248_000)

/// Seeds the harness's workspaces and invoices, lets `prepare` act through the engine (disputes are opened in the
/// portal, so tests open them here), then serves the database.
func withCorrectionServer(
    _ kind: DatabaseKind, invoices count: Int = 2,
    prepare: (@Sendable (Engine, CorrectionHarness.Seeded) async throws -> Void)? = nil,
    _ body: @escaping @Sendable (CorrectionHarness) async throws -> Void
) async throws {
    let clock = ManualClock(correctionTestNow)
    try await TestDatabase.withLocation(kind) { location in
        let seeded = try await Database.withOpen(location, logger: Logger(label: "test")) { database in
            try await Migrations.run(on: database)
            let workspace = Fixtures.workspace(name: "Acme")
            let other = Fixtures.workspace(name: "Bharat", gstin: nil)
            try await Fixtures.seed(database.store, workspace: workspace)
            try await Fixtures.seed(database.store, workspace: other)
            let engine = Engine(database: database, clock: clock.billingClock(), gateway: nil)
            func issue(for workspaceID: WorkspaceID) async throws -> InvoiceID {
                let draft = try await engine.invoices.createDraft(
                    kind: .invoice, workspaceID: workspaceID, subscriptionID: nil,
                    periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
                    periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: "Growth - Monthly",
                    lines: Fixtures.lines())
                return try await engine.invoices.finalize(draft.id, actor: "test").id
            }
            var invoiceIDs: [InvoiceID] = []
            for _ in 0..<count { invoiceIDs.append(try await issue(for: workspace.id)) }
            let seeded = CorrectionHarness.Seeded(
                workspaceID: workspace.id, otherWorkspaceID: other.id, invoiceIDs: invoiceIDs,
                otherInvoiceID: try await issue(for: other.id))
            try await prepare?(engine, seeded)
            return seeded
        }
        let configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, database: location, bootstrapAPIKey: testAPIKey, logLevel: .error,
            clock: clock.billingClock(), signInPolicy: SignInPolicy(bcryptCost: 4), gateway: .disabled)
        let app = try await buildApplication(configuration)
        try await app.withTestClient(.live) { client in
            try await body(
                CorrectionHarness(
                    client: client, clock: clock, workspaceID: seeded.workspaceID.rawValue,
                    otherWorkspaceID: seeded.otherWorkspaceID.rawValue,
                    invoiceIDs: seeded.invoiceIDs.map(\.rawValue), otherInvoiceID: seeded.otherInvoiceID.rawValue))
        }
    }
}

extension CorrectionHarness {
    /// What was seeded, as the engine names it.
    struct Seeded: Sendable {
        let workspaceID: WorkspaceID
        let otherWorkspaceID: WorkspaceID
        let invoiceIDs: [InvoiceID]
        let otherInvoiceID: InvoiceID
    }
}

@Suite("Credit and debit notes through the API")
struct CorrectionAPITests {
    @Test(
        "a credit by amount takes its value and its tax under the invoice's heads off the amount due",
        arguments: TestDatabase.kinds)
    func creditByAmount(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind) { server in
            let id = server.invoiceIDs[0]
            let number = try await server.number(of: id)
            let response = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/credit_notes",
                json: #"{"reason": "Goodwill", "lines": [{"position": 0, "amount": 10000}]}"#)
            #expect(response.status == .created, "\(response.object)")
            let note = try #require(response.object["credit_note"] as? [String: Any])
            #expect((note["number"] as? String)?.hasPrefix("CN/") == true)
            #expect(note["kind"] as? String == "credit_note")
            #expect(note["subtotal"] as? Int == 10_000)
            #expect(note["tax"] as? [String: Int] == ["cgst": 900, "sgst": 900, "utgst": 0, "igst": 0, "total": 1_800])
            #expect(note["total"] as? Int == 11_800)
            let correction = try #require(note["correction"] as? [String: Any])
            #expect(correction["original_number"] as? String == number)
            #expect(correction["adjusts_gst"] as? Bool == true)
            #expect(correction["destination"] as? String == "amount_due")
            let invoice = try #require(response.object["invoice"] as? [String: Any])
            #expect(invoice["amount_credited"] as? Int == 11_800)
            #expect(invoice["amount_due"] as? Int == 121_540 - 11_800)
            #expect(invoice["correction"] is NSNull)
            #expect(invoice["dispute"] is NSNull)
            #expect(response.object["refunds"] as? [Any] != nil)
        }
    }

    @Test(
        "a credit by quantity is priced at the line's rate, and the line cannot be credited past what is left",
        arguments: TestDatabase.kinds)
    func creditByQuantity(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind) { server in
            let path = "/api/v1/invoices/\(server.invoiceIDs[0])/credit_notes"
            let response = try await server.client.call(
                .post, path, json: #"{"reason": "Pods idle", "lines": [{"position": 1, "quantity": "2.5"}]}"#)
            #expect(response.status == .created, "\(response.object)")
            let note = try #require(response.object["credit_note"] as? [String: Any])
            let lines = try #require(note["lines"] as? [[String: Any]])
            #expect(lines.count == 1)
            #expect(lines.first?["quantity"] as? String == "2.5")
            #expect(lines.first?["amount"] as? Int == 600)
            #expect(note["total"] as? Int == 708)

            // ₹30 was invoiced on line 1 and ₹6 credited: ₹24.01 is too much.
            // The param names the request's item at fault: here the second, for line 1.
            let over = try await server.client.call(
                .post, path,
                json:
                    #"{"reason": "Too much", "lines": [{"position": 0, "amount": 100}, {"position": 1, "amount": 2401}]}"#
            )
            #expect(over.status == .unprocessableContent)
            #expect(over.error["param"] as? String == "lines[1].amount")
            let tooMany = try await server.client.call(
                .post, path, json: #"{"reason": "Too much", "lines": [{"position": 1, "quantity": "10.5"}]}"#)
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.error["param"] as? String == "lines[0].quantity")
            // The rest of the line, exactly.
            let rest = try await server.client.call(
                .post, path, json: #"{"reason": "The rest", "lines": [{"position": 1, "quantity": "10"}]}"#)
            #expect(rest.status == .created, "\(rest.object)")
            #expect((rest.object["credit_note"] as? [String: Any])?["subtotal"] as? Int == 2_400)
        }
    }

    @Test("bad lines, destinations and bodies are refused with 4xx naming the field", arguments: TestDatabase.kinds)
    func refusals(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind) { server in
            let path = "/api/v1/invoices/\(server.invoiceIDs[0])/credit_notes"
            let cases: [(String, HTTPResponse.Status, String?)] = [
                (#"{"reason": "x", "lines": [{"position": 0}]}"#, .unprocessableContent, "lines[0]"),
                (
                    #"{"reason": "x", "lines": [{"position": 0, "amount": 5, "quantity": "1"}]}"#,
                    .unprocessableContent,
                    "lines[0]"
                ),
                (#"{"reason": "x", "lines": [{"amount": 5}]}"#, .unprocessableContent, "lines[0].position"),
                (
                    #"{"reason": "x", "lines": [{"position": 0, "quantity": "a lot"}]}"#, .unprocessableContent,
                    "lines[0].quantity"
                ),
                (
                    #"{"reason": "x", "lines": [{"position": 0, "amount": -5}]}"#, .unprocessableContent,
                    "lines[0].amount"
                ),
                (
                    #"{"reason": "x", "lines": [{"position": 7, "amount": 5}]}"#, .unprocessableContent,
                    "lines[0].position"
                ),
                (#"{"reason": "x", "lines": []}"#, .unprocessableContent, "lines"),
                (
                    #"{"reason": "x", "lines": [{"position": 0, "amount": 5}], "destination": "moon"}"#,
                    .unprocessableContent, "destination"
                ),
                (
                    #"{"reason": "x", "lines": [{"position": 0, "amount": 5}], "refund_to": "wallet"}"#,
                    .unprocessableContent, "refund_to"
                ),
                (#"{"lines": [{"position": 0, "amount": 5}]}"#, .unprocessableContent, "reason"),
                (#"{"reason": "x", "lines": "all"}"#, .unprocessableContent, "lines"),
                (#"{"reason": "x", "lines": [{"position": 0, "amount": 5}]"#, .badRequest, nil),
            ]
            for (body, status, param) in cases {
                let response = try await server.client.call(.post, path, json: body)
                #expect(response.status == status, "\(body): \(response.object)")
                #expect(response.error["param"] as? String == param, "\(body)")
            }
            let unknown = try await server.client.call(
                .post, "/api/v1/invoices/inv_nothing/credit_notes",
                json: #"{"reason": "x", "lines": [{"position": 0, "amount": 5}]}"#)
            #expect(unknown.status == .notFound)
            // Nothing refused was credited.
            let invoice = try await server.invoice(server.invoiceIDs[0])
            #expect(invoice["amount_credited"] as? Int == 0)
            #expect((invoice["credit_notes"] as? [Any])?.isEmpty == true)
            #expect(invoice["net_amount"] as? Int == 121_540)
        }
    }

    @Test(
        "a commercial credit note is numbered CCN/ and carries no tax; after the GST deadline it is the only kind",
        arguments: TestDatabase.kinds)
    func commercialCreditNote(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind) { server in
            let path = "/api/v1/invoices/\(server.invoiceIDs[0])/credit_notes"
            let commercial = try await server.client.call(
                .post, path,
                json:
                    #"{"reason": "Volume discount", "adjusts_gst": false, "lines": [{"position": 0, "amount": 5000}]}"#
            )
            #expect(commercial.status == .created, "\(commercial.object)")
            let note = try #require(commercial.object["credit_note"] as? [String: Any])
            #expect((note["number"] as? String)?.hasPrefix("CCN/") == true, "\(note["number"] ?? "")")
            #expect(note["total"] as? Int == 5_000)
            #expect((note["tax"] as? [String: Int])?["total"] == 0)
            #expect((note["correction"] as? [String: Any])?["adjusts_gst"] as? Bool == false)

            // 5 December 2027: 30 November 2027 was the last day for a GST credit note on a supply of November 2026.
            server.clock.set(Date(timeIntervalSince1970: 1_827_988_200))
            let late = try await server.client.call(
                .post, path, json: #"{"reason": "Late", "lines": [{"position": 0, "amount": 5000}]}"#)
            #expect(late.status == .unprocessableContent)
            #expect(late.error["code"] as? String == "credit_note_deadline_passed")
            #expect(late.error["param"] as? String == "adjusts_gst")
            let lateCommercial = try await server.client.call(
                .post, path,
                json: #"{"reason": "Late", "adjusts_gst": false, "lines": [{"position": 0, "amount": 5000}]}"#)
            #expect(lateCommercial.status == .created, "\(lateCommercial.object)")
        }
    }

    @Test(
        "a debit note is numbered DN/ and payable; the invoice's detail lists its notes and its net amount",
        arguments: TestDatabase.kinds)
    func debitNoteAndNetAmount(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind) { server in
            let id = server.invoiceIDs[0]
            let debit = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/debit_notes",
                json: #"{"reason": "Pods undercounted", "lines": [{"position": 1, "quantity": "5"}]}"#)
            #expect(debit.status == .created, "\(debit.object)")
            let note = try #require(debit.object["debit_note"] as? [String: Any])
            #expect((note["number"] as? String)?.hasPrefix("DN/") == true)
            #expect(note["kind"] as? String == "debit_note")
            #expect(note["total"] as? Int == 1_416)
            #expect(note["amount_due"] as? Int == 1_416)
            #expect(note["status"] as? String == "pending")
            #expect(note["due_date"] is String)
            let noteID = try #require(note["id"] as? String)
            let missing = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/debit_notes", json: #"{"reason": "x"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.error["param"] as? String == "lines")

            let credit = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/credit_notes",
                json: #"{"reason": "Goodwill", "lines": [{"position": 0, "amount": 10000}]}"#)
            #expect(credit.status == .created)
            let commercial = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/credit_notes",
                json: #"{"reason": "Discount", "adjusts_gst": false, "lines": [{"position": 0, "amount": 1000}]}"#)
            #expect(commercial.status == .created)

            let detail = try await server.invoice(id)
            let creditNotes = try #require(detail["credit_notes"] as? [[String: Any]])
            let debitNotes = try #require(detail["debit_notes"] as? [[String: Any]])
            #expect(creditNotes.count == 2)
            // Commercial credit notes are a series of their own: neither series has a gap.
            #expect(creditNotes.map { $0["number"] as? String } == ["CN/26-27/000001", "CCN/26-27/000001"])
            #expect(creditNotes.map { $0["adjusts_gst"] as? Bool } == [true, false])
            #expect(creditNotes.map { $0["destination"] as? String } == ["amount_due", "amount_due"])
            #expect(debitNotes.map { $0["id"] as? String } == [noteID])
            #expect(debitNotes.first?["destination"] is NSNull)
            #expect(debitNotes.first?["issue_date"] is String)
            #expect(detail["net_amount"] as? Int == 121_540 - 11_800 - 1_000 + 1_416)
            #expect(detail["amount_credited"] as? Int == 12_800)

            // The debit note is paid like an invoice.
            let paid = try await server.client.call(
                .post, "/api/v1/invoices/\(noteID)/payments",
                json: #"{"method": "bank_transfer", "amount": 1416, "reference": "UTR-DN"}"#)
            #expect(paid.status == .created, "\(paid.object)")
            #expect(try await server.invoice(noteID)["status"] as? String == "paid")
        }
    }

    @Test(
        "a credit on a paid invoice kept as credit balance shows in the workspace's credit balance",
        arguments: TestDatabase.kinds)
    func creditBalance(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind) { server in
            let id = server.invoiceIDs[0]
            let paid = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/payments",
                json: #"{"method": "bank_transfer", "amount": 121540, "reference": "UTR-1"}"#)
            #expect(paid.status == .created)
            let credit = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/credit_notes",
                json: #"""
                    {"reason": "Outage credit", "destination": "credit_balance",
                     "lines": [{"position": 0, "amount": 10000}]}
                    """#)
            #expect(credit.status == .created, "\(credit.object)")
            let noteID = try #require((credit.object["credit_note"] as? [String: Any])?["id"] as? String)

            let balance = try await server.client.call(.get, "/api/v1/workspaces/\(server.workspaceID)/credit_balance")
            #expect(balance.status == .ok)
            #expect(balance.object["object"] as? String == "credit_balance")
            #expect(balance.object["currency"] as? String == "INR")
            #expect(balance.object["balance"] as? Int == 11_800)
            let entries = try #require(balance.object["entries"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["reason"] as? String == "credit_note")
            #expect(entries.first?["document_id"] as? String == noteID)
            #expect(entries.first?["amount"] as? Int == 11_800)
            let other = try await server.client.call(
                .get, "/api/v1/workspaces/\(server.otherWorkspaceID)/credit_balance")
            #expect(other.object["balance"] as? Int == 0)
            #expect((other.object["entries"] as? [Any])?.isEmpty == true)
            let unknown = try await server.client.call(.get, "/api/v1/workspaces/ws_nobody/credit_balance")
            #expect(unknown.status == .notFound)
        }
    }
}
