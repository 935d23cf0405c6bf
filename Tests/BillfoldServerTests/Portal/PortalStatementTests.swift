import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The billing history's Statement form and the PDF it downloads from `/portal/statement.pdf`.
@Suite("A statement of account from the portal")
struct PortalStatementTests {
    static let now = InvoiceAPITests.now
    /// The demo's today, in the billing clock's time zone (India).
    static let today = CalendarDate(Self.now, in: .indiaStandardTime)
    typealias Browser = PortalPageTests.Browser

    /// The PDF's text, as pdftotext extracts it.
    static func text(of response: ServerTestResponse) throws -> String {
        let file = try DocumentAPITests.temporaryFile("statement.pdf", response.body)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        #expect(try DocumentAPITests.run(["qpdf", "--check", file.path]).status == 0)
        return try DocumentAPITests.run(["pdftotext", "-layout", file.path, "-"]).output
    }

    @Test(
        "the history offers the form with this financial year so far, and it downloads the API's statement for the range",
        arguments: TestDatabase.kinds)
    func statementForTheRange(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var owner = try await Browser.signedIn(client)
            let history = String(buffer: try await owner.get(client, "/portal/invoices").body)
            let form = try #require(
                history.components(separatedBy: "data-testid=\"statement-form\"").dropFirst().first?
                    .components(separatedBy: "</form>").first)
            let yearStart = FinancialYear(containing: Self.today).firstDay
            #expect(form.contains("name=\"from\" type=\"date\" value=\"\(yearStart)\""), "\(form)")
            #expect(form.contains("name=\"to\" type=\"date\" value=\"\(Self.today)\""), "\(form)")
            #expect(history.contains("action=\"/portal/statement.pdf\""))

            let from = CalendarDate(year: 2026, month: 5, day: 1)!
            let to = CalendarDate(year: 2026, month: 10, day: 31)!
            let response = try await owner.get(client, "/portal/statement.pdf?from=\(from)&to=\(to)")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/pdf")
            #expect(
                response.headers[.contentDisposition]
                    == "attachment; filename=\"statement-Chai-Labs-\(from)-\(to).pdf\"")
            #expect(Array(response.body.readableBytesView.prefix(5)) == Array("%PDF-".utf8))
            let text = try Self.text(of: response)
            #expect(text.contains("Statement of Account"))
            #expect(text.contains("Chai Labs"))
            #expect(text.contains(from.printed) && text.contains(to.printed), "the range is printed")

            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let api = try await client.call(.get, "/api/v1/workspaces/\(chai)/statement.pdf?from=\(from)&to=\(to)")
            #expect(api.status == .ok)
            #expect(api.body == response.body, "the same PDF as the API's")

            let defaulted = try await owner.get(client, "/portal/statement.pdf")
            #expect(defaulted.status == .ok)
            #expect(defaulted.headers[.contentDisposition]?.contains("-\(yearStart)-\(Self.today).pdf") == true)
        }
    }

    /// A range the form might send and the words of its refusal.
    static let badRanges: [(query: String, words: String)] = [
        ("from=2026-11-01&to=2026-10-01", "before from"),
        ("from=2026-13-01&to=2026-11-01", "YYYY-MM-DD"),
        ("from=01/04/2026", "YYYY-MM-DD"),
        ("from=2012-04-01&to=2026-11-01", "at most ten years"),
        ("from=0001-01-01&to=9999-12-31", "at most ten years"),
        ("from=2027-01-01&to=2027-03-31", "after today"),
    ]

    @Test("a wrong range gets a 422 page that says what is wrong", arguments: TestDatabase.kinds)
    func badRange(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var owner = try await Browser.signedIn(client)
            for (query, words) in Self.badRanges {
                let response = try await owner.get(client, "/portal/statement.pdf?\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "\(query)")
                let message = PortalPageTests.text(of: "error", in: String(buffer: response.body)) ?? ""
                #expect(message.contains(words), "\(query): \(message)")
            }
            // The API refuses the same ranges the same way.
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let api = try await client.call(
                .get, "/api/v1/workspaces/\(chai)/statement.pdf?from=0001-01-01&to=9999-12-31")
            #expect(api.status == .unprocessableContent)
            #expect(api.error["param"] as? String == "to")
        }
    }

    @Test(
        "a member without billing access gets no form and a 403; another workspace's owner gets their own statement",
        arguments: TestDatabase.kinds)
    func whoGetsWhichStatement(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var stranger = Browser()
            let away = try await stranger.get(client, "/portal/statement.pdf")
            #expect(away.status == .seeOther)
            #expect(away.headers[.location] == "/portal/sign-in?next=%2Fportal%2Fstatement.pdf")

            var member = try await Browser.signedIn(client, "member@chailabs.example")
            let history = try await member.get(client, "/portal/invoices")
            #expect(!String(buffer: history.body).contains("statement-form"))
            let refused = try await member.get(client, "/portal/statement.pdf")
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("data-testid=\"no-billing-access\""))
            #expect(refused.headers[.contentType] != "application/pdf")

            var meera = try await Browser.signedIn(client, "meera.iyer@mail.example")
            let theirs = try await meera.get(client, "/portal/statement.pdf")
            #expect(theirs.status == .ok)
            #expect(theirs.headers[.contentDisposition]?.contains("statement-Meera-Iyer-") == true)
            let text = try Self.text(of: theirs)
            #expect(text.contains("Meera Iyer"))
            #expect(!text.contains("Chai Labs"))
            // The workspace is the session's: a workspace id in the query changes nothing.
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let steered = try await meera.get(client, "/portal/statement.pdf?workspace_id=\(chai)")
            #expect(steered.headers[.contentDisposition]?.contains("statement-Meera-Iyer-") == true)
        }
    }

    /// The text pdftotext extracts from `bytes`, its runs of whitespace made single spaces.
    static func flatText(of bytes: [UInt8]) throws -> String {
        let file = try DocumentAPITests.temporaryFile("statement.pdf", ByteBuffer(bytes: bytes))
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        #expect(try DocumentAPITests.run(["qpdf", "--check", file.path]).status == 0)
        let text = try DocumentAPITests.run(["pdftotext", "-layout", file.path, "-"]).output
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\u{0C}" }).joined(separator: " ")
    }

    @Test(
        "credit notes credit the account once wherever they went, a debit note debits it, and what the credit balance paid is not counted again",
        arguments: TestDatabase.kinds)
    func corrections(kind: DatabaseKind) async throws {
        func rupees(_ paise: Int64) -> Money { Money(minorUnits: paise, currency: .inr) }
        func credit(
            _ position: Int, _ paise: Int64, to destination: Correction.Destination
        ) -> CorrectionService.CreditRequest {
            CorrectionService.CreditRequest(
                adjustments: [LineAdjustment(position: position, measure: .amount(rupees(paise)))],
                reason: "Goodwill", destination: destination)
        }
        try await TestDatabase.withDatabase(kind) { database in
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            let clock = ManualClock(Fixtures.now)
            let engine = Engine(database: database, clock: clock.billingClock(), gateway: nil)
            let start = clock.billingClock().today
            // Each invoice ₹1,215.40: ₹1,000 platform fee (line 0) and ₹30 of pods (line 1), with 18% GST.
            func issue() async throws -> Invoice {
                let draft = try await engine.invoices.createDraft(
                    kind: .invoice, workspaceID: workspace.id, subscriptionID: nil,
                    periodStart: CalendarDate(year: 2026, month: 8, day: 1)!,
                    periodEnd: CalendarDate(year: 2026, month: 8, day: 31)!, description: "Growth - Monthly",
                    lines: Fixtures.lines())
                return try await engine.invoices.finalize(draft.id, actor: "test")
            }
            func pay(_ invoice: Invoice, _ amount: Money, reference: String) async throws {
                _ = try await engine.invoices.recordPayment(
                    on: invoice.id, amount: amount, method: .bankTransfer, provider: "manual", reference: reference,
                    actor: "test")
            }
            let first = try await issue()
            try await pay(first, first.total, reference: "UTR-FIRST")
            clock.advance(by: 86_400)
            let second = try await issue()
            // ₹118 off what is still due on the second.
            let partial = try await engine.corrections.issueCreditNote(
                against: second.id, credit(0, 10_000, to: .amountDue), actor: "ops")
            clock.advance(by: 86_400)
            try await pay(second, second.total - rupees(11_800), reference: "UTR-SECOND")
            clock.advance(by: 86_400)
            // ₹236 of the paid first kept as credit balance, which the third invoice uses as it is issued.
            let kept = try await engine.corrections.issueCreditNote(
                against: first.id, credit(0, 20_000, to: .creditBalance), actor: "ops")
            clock.advance(by: 86_400)
            // 10 vCPU-hours the second billed short: ₹28.32.
            let debit = try await engine.corrections.issueDebitNote(
                against: second.id, adjustments: [LineAdjustment(position: 1, measure: .quantity(FixedDecimal(10)))],
                reason: "Usage billed short", actor: "ops"
            ).debitNote
            clock.advance(by: 86_400)
            let third = try await issue()
            #expect(third.payments.map(\.method) == [.creditBalance])
            #expect(third.amountDue == rupees(121_540 - 23_600))
            clock.advance(by: 86_400)
            // ₹59 of the paid second kept for later.
            let later = try await engine.corrections.issueCreditNote(
                against: second.id, credit(0, 5_000, to: .creditBalance), actor: "ops")

            let today = clock.billingClock().today
            let file = try await engine.documents.statement(of: workspace.id, from: start, to: today)
            let text = try Self.flatText(of: file.bytes)
            // Owed: the debit note's ₹28.32 and the third's ₹979.40; less the ₹59 credit balance.
            let closing = rupees(2_832 + 97_940 - 5_900)
            #expect(text.contains("Closing balance " + closing.formatted()), "\(text)")
            // The credit note on the second comes after it the same day, taking ₹118 off the ₹1,215.40 it owes.
            #expect(
                text.contains(
                    "Growth - Monthly ₹1,215.40 ₹1,215.40 22 Sep 2026 Credit note \(partial.creditNote.number!)"))
            #expect(text.contains("₹118.00 ₹1,097.40"))
            #expect(text.contains("Credit balance available: ₹59.00"))
            #expect(text.contains("Debit note \(debit.number!) Debit note for ₹28.32"))
            for note in [partial.creditNote, kept.creditNote, later.creditNote] {
                #expect(text.contains("Credit note \(note.number!)"), "\(note.number!)")
            }
            #expect(text.contains("Invoiced and charged " + rupees(3 * 121_540 + 2_832).formatted()))
            #expect(
                text.contains("Paid and credited " + rupees(121_540 + 11_800 + 109_740 + 23_600 + 5_900).formatted()))
            #expect(
                text.components(separatedBy: "Payment for ").count - 1 == 2,
                "the bank transfers only; what the credit balance paid was credited by the note that filled it")
            #expect(!text.contains("(Credit balance)"))

            // Up to the day before the last note, its ₹59 is neither credited nor held.
            let before = try await engine.documents.statement(of: workspace.id, from: start, to: today.adding(days: -1))
            let earlier = try Self.flatText(of: before.bytes)
            #expect(earlier.contains("Closing balance " + rupees(2_832 + 97_940).formatted()))
            #expect(!earlier.contains("Credit balance available"))
        }
    }
}
