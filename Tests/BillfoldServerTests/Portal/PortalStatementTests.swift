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
    static func text(of response: TestResponse) throws -> String {
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
}
