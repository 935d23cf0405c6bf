import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import BillfoldServer

@Suite("Disputes in the billing portal")
struct PortalDisputeTests {
    typealias Browser = PortalPageTests.Browser

    static let now = PortalPageTests.now
    /// The start of a PNG file, enough for its content to be recognised.
    static let png: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D] + Array("IHDR".utf8)
    /// An executable's first bytes.
    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00]

    /// A field or a file of the dispute form.
    enum Field {
        case text(String, String)
        case file(String, filename: String, bytes: [UInt8])
    }

    /// The dispute form's fields for a reason, an expected total and a message, the first line ticked.
    static func fields(
        reason: String = "usage_wrong", expectedTotal: String = "0", message: String = "The usage is double counted.",
        files: [(String, [UInt8])] = []
    ) -> [Field] {
        [
            .text("reason", reason), .text("lines", "0"), .text("expected_total", expectedTotal),
            .text("message", message),
        ] + files.map { .file("attachments", filename: $0.0, bytes: $0.1) }
    }

    /// One of Chai Labs' invoices in `status` (by default paid), its id and total in paise.
    static func invoice(
        _ client: some ServerTestClient, status: String = "paid"
    ) async throws -> (id: String, total: Int) {
        let workspace = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
        let list = try await client.call(
            .get, "/api/v1/invoices?workspace_id=\(workspace)&status=\(status)&kind=invoice&limit=1")
        let invoice = try #require((list.object["data"] as? [[String: Any]])?.first)
        return (try #require(invoice["id"] as? String), try #require(invoice["total"] as? Int))
    }

    /// The id in a `/portal/disputes/{id}?…` redirect.
    static func disputeID(_ response: ServerTestResponse) throws -> String {
        let location = try #require(response.headers[.location])
        #expect(location.hasPrefix("/portal/disputes/dsp_"), "\(location)")
        return String(location.dropFirst("/portal/disputes/".count).prefix { $0 != "?" })
    }

    @Test(
        "an owner raises a dispute with a PNG: the invoice shows Disputed, the thread the message and the file",
        arguments: TestDatabase.kinds)
    func raise(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var browser = try await Browser.signedIn(client)
            let (invoiceID, total) = try await Self.invoice(client, status: "pending,overdue")
            let page = String(buffer: try await browser.get(client, "/portal/invoices/\(invoiceID)").body)
            #expect(PortalPageTests.href("dispute-invoice", in: page) == "/portal/invoices/\(invoiceID)/dispute")
            let form = try await browser.get(client, "/portal/invoices/\(invoiceID)/dispute")
            #expect(form.status == .ok)
            let html = String(buffer: form.body)
            for part in [
                "enctype=\"multipart/form-data\"", "name=\"reason\"", "name=\"lines\"", "name=\"expected_total\"",
                "name=\"message\"", "type=\"file\"", "multiple", "accept=\"image/png,image/jpeg,application/pdf\"",
                "<legend>", "Usage is wrong",
            ] {
                #expect(html.contains(part), "\(part)")
            }

            let raised = try await browser.postMultipart(
                client, "/portal/invoices/\(invoiceID)/dispute",
                Self.fields(expectedTotal: "1,000.50", files: [("usage.png", Self.png)]))
            #expect(raised.status == .seeOther)
            let disputeID = try Self.disputeID(raised)

            let stored = try await client.call(.get, "/api/v1/disputes/\(disputeID)")
            #expect(stored.status == .ok)
            #expect(stored.object["status"] as? String == "open")
            #expect(stored.object["expected_total"] as? Int == 100_050)
            #expect(stored.object["disputed_amount"] as? Int == total - 100_050)
            #expect(stored.object["line_positions"] as? [Int] == [0])

            let thread = String(buffer: try await browser.get(client, "/portal/disputes/\(disputeID)").body)
            #expect(PortalPageTests.text(of: "dispute-status", in: thread) == "Open")
            #expect(PortalPageTests.text(of: "dispute-comment", in: thread)?.contains("double counted") == true)
            #expect(PortalPageTests.text(of: "dispute-comment", in: thread)?.contains("You") == true)
            let download = try #require(PortalPageTests.href("attachment", in: thread))
            #expect(download.hasPrefix("/portal/disputes/\(disputeID)/attachments/"))
            let file = try await browser.get(client, download)
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "image/png")
            #expect(file.headers[.contentDisposition] == "attachment; filename=\"usage.png\"")
            #expect(Array(file.body.readableBytesView) == Self.png)

            let invoicePage = String(buffer: try await browser.get(client, "/portal/invoices/\(invoiceID)").body)
            #expect(PortalPageTests.text(of: "status", in: invoicePage) == "Disputed")
            #expect(PortalPageTests.href("open-dispute-link", in: invoicePage) == "/portal/disputes/\(disputeID)")
            #expect(!invoicePage.contains("data-testid=\"dispute-invoice\""), "one open dispute at a time")

            let list = String(buffer: try await browser.get(client, "/portal/disputes").body)
            #expect(list.contains("data-id=\"\(disputeID)\""))
            #expect(list.contains("data-testid=\"nav-disputes\" aria-current=\"page\""))

            // A second dispute on the same invoice is refused: the form says where the open one is.
            let again = try await browser.get(client, "/portal/invoices/\(invoiceID)/dispute")
            #expect(again.status == .conflict)
        }
    }

    @Test(
        "a renamed executable, a file over 2 MB, no message and a wrong amount show the form again with a 4xx",
        arguments: TestDatabase.kinds)
    func refusals(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var browser = try await Browser.signedIn(client)
            let (invoiceID, _) = try await Self.invoice(client)
            let path = "/portal/invoices/\(invoiceID)/dispute"
            _ = try await browser.get(client, path)
            let workspace = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            func disputeCount() async throws -> Int? {
                let list = try await client.call(.get, "/api/v1/disputes?workspace_id=\(workspace)&limit=100")
                return (list.object["data"] as? [Any])?.count
            }
            let before = try #require(try await disputeCount())

            let executable = try await browser.postMultipart(
                client, path, Self.fields(files: [("x.pdf", Self.elf + [UInt8](repeating: 0, count: 64))]))
            #expect(executable.status == .unprocessableContent)
            let executableError = PortalPageTests.text(of: "error", in: String(buffer: executable.body))
            #expect(
                executableError?.contains("x.pdf is not a PNG, JPEG or PDF") == true,
                "\(String(buffer: executable.body))")
            #expect(String(buffer: executable.body).contains("The usage is double counted."), "the message is kept")

            let big = Self.png + [UInt8](repeating: 0x41, count: DisputeAttachment.maximumBytes)
            let tooBig = try await browser.postMultipart(client, path, Self.fields(files: [("scan.png", big)]))
            #expect(tooBig.status == .contentTooLarge)
            #expect(PortalPageTests.text(of: "error", in: String(buffer: tooBig.body))?.contains("2 MB") == true)

            let overTheLimit = [UInt8](repeating: 0x41, count: MultipartForm.maximumBodySize)
            let huge = try await browser.postMultipart(client, path, Self.fields(files: [("huge.png", overTheLimit)]))
            #expect(huge.status == .contentTooLarge)
            #expect(PortalPageTests.text(of: "error", in: String(buffer: huge.body))?.contains("too large") == true)

            let four = try await browser.postMultipart(
                client, path, Self.fields(files: (1...4).map { ("shot-\($0).png", Self.png) }))
            #expect(four.status == .unprocessableContent)

            let silent = try await browser.postMultipart(client, path, Self.fields(message: "  "))
            #expect(silent.status == .unprocessableContent)
            #expect(PortalPageTests.text(of: "error", in: String(buffer: silent.body))?.contains("message") == true)

            for amount in ["1.234", "ten", "-5", "99999999999"] {
                let wrong = try await browser.postMultipart(client, path, Self.fields(expectedTotal: amount))
                #expect(wrong.status == .unprocessableContent, "\(amount)")
                #expect(String(buffer: wrong.body).contains("value=\"\(amount)\""), "\(amount) is kept")
            }

            let forged = try await browser.postMultipart(client, path, Self.fields(), token: "forged")
            #expect(forged.status == .forbidden)
            #expect(String(buffer: forged.body).contains("data-testid=\"csrf-error\""))

            #expect(try await disputeCount() == before, "nothing was raised")
        }
    }

    @Test(
        "another workspace's dispute and attachment are not found; withdrawing closes the dispute",
        arguments: TestDatabase.kinds)
    func visibilityAndWithdrawal(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var owner = try await Browser.signedIn(client)
            let (invoiceID, _) = try await Self.invoice(client)
            _ = try await owner.get(client, "/portal/invoices/\(invoiceID)/dispute")
            let raised = try await owner.postMultipart(
                client, "/portal/invoices/\(invoiceID)/dispute", Self.fields(files: [("usage.png", Self.png)]))
            let disputeID = try Self.disputeID(raised)
            let thread = String(buffer: try await owner.get(client, "/portal/disputes/\(disputeID)").body)
            let download = try #require(PortalPageTests.href("attachment", in: thread))

            var stranger = try await Browser.signedIn(client, "meera.iyer@mail.example")
            for path in [
                "/portal/disputes/\(disputeID)", download, "/portal/disputes/dsp_nothing",
                "/portal/disputes/\(disputeID)/attachments/att_nothing",
            ] {
                let refused = try await stranger.get(client, path)
                #expect(refused.status == .notFound, "\(path)")
            }
            #expect(!String(buffer: try await stranger.get(client, "/portal/disputes").body).contains(disputeID))
            _ = try await stranger.get(client, "/portal/disputes")
            let theirs = try await stranger.post(client, "/portal/disputes/\(disputeID)/withdraw", [])
            #expect(theirs.status == .notFound)

            // A comment, then the withdrawal.
            let commented = try await owner.post(
                client, "/portal/disputes/\(disputeID)/comments", [("body", "Here is the meter export.")])
            #expect(commented.status == .seeOther)
            let empty = try await owner.post(client, "/portal/disputes/\(disputeID)/comments", [("body", " ")])
            #expect(empty.status == .unprocessableContent)
            let withdrawn = try await owner.post(client, "/portal/disputes/\(disputeID)/withdraw", [])
            #expect(withdrawn.status == .seeOther)
            let closed = String(buffer: try await owner.get(client, "/portal/disputes/\(disputeID)").body)
            #expect(PortalPageTests.text(of: "dispute-status", in: closed) == "Withdrawn")
            #expect(closed.contains("Here is the meter export."))
            #expect(!closed.contains("data-testid=\"withdraw-dispute\""))
            #expect(!closed.contains("data-testid=\"comment-form\""))
            let invoice = String(buffer: try await owner.get(client, "/portal/invoices/\(invoiceID)").body)
            #expect(PortalPageTests.text(of: "status", in: invoice) == "Paid")
            #expect(invoice.contains("data-testid=\"dispute-invoice\""), "it can be disputed again")
        }
    }

    @Test(
        "a resolution with a credit note shows on the dispute and the invoice; the credit balance on the wallet page",
        arguments: TestDatabase.kinds)
    func resolution(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var owner = try await Browser.signedIn(client)
            let (invoiceID, _) = try await Self.invoice(client)
            _ = try await owner.get(client, "/portal/invoices/\(invoiceID)/dispute")
            let disputeID = try Self.disputeID(
                try await owner.postMultipart(client, "/portal/invoices/\(invoiceID)/dispute", Self.fields()))
            // A paid invoice keeps its status, with a badge beside it.
            let disputed = String(buffer: try await owner.get(client, "/portal/invoices/\(invoiceID)").body)
            #expect(PortalPageTests.text(of: "status", in: disputed) == "Paid")
            #expect(PortalPageTests.text(of: "disputed-badge", in: disputed) == "Disputed")
            let resolved = try await client.call(
                .post, "/api/v1/disputes/\(disputeID)/resolve",
                json: """
                    {"explanation": "The usage was counted twice; credited.",
                     "credit_note": {"lines": [{"position": 0, "amount": 10000}], "destination": "credit_balance"}}
                    """)
            #expect(resolved.status == .ok, "\(String(buffer: resolved.body))")
            let note = try #require(resolved.object["credit_note"] as? [String: Any])
            let number = try #require(note["number"] as? String)

            let thread = String(buffer: try await owner.get(client, "/portal/disputes/\(disputeID)").body)
            #expect(PortalPageTests.text(of: "dispute-status", in: thread) == "Resolved")
            #expect(PortalPageTests.text(of: "dispute-resolution", in: thread)?.contains("counted twice") == true)
            #expect(PortalPageTests.text(of: "dispute-credit-note", in: thread)?.contains(number) == true)

            let invoice = String(buffer: try await owner.get(client, "/portal/invoices/\(invoiceID)").body)
            #expect(PortalPageTests.text(of: "corrections", in: invoice)?.contains(number) == true)

            let wallet = String(buffer: try await owner.get(client, "/portal/wallet").body)
            #expect(PortalPageTests.text(of: "credit-balance-amount", in: wallet) != nil, "the credit is kept")
        }
    }
}

extension PortalPageTests.Browser {
    /// Posts a `multipart/form-data` form, as a browser does for a form with files, with the page's token unless
    /// `token` says otherwise.
    mutating func postMultipart(
        _ client: some ServerTestClient, _ uri: String, _ fields: [PortalDisputeTests.Field], token: String? = nil
    ) async throws -> ServerTestResponse {
        let boundary = "----BillfoldTestBoundary\(UInt32.random(in: 0...UInt32.max))"
        var body: [UInt8] = []
        func part(_ disposition: String, type: String?, _ bytes: [UInt8]) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; \(disposition)\r\n".utf8)
            if let type { body += Array("Content-Type: \(type)\r\n".utf8) }
            body += Array("\r\n".utf8) + bytes + Array("\r\n".utf8)
        }
        part("name=\"csrf_token\"", type: nil, Array((token ?? self.token).utf8))
        for field in fields {
            switch field {
            case .text(let name, let value): part("name=\"\(name)\"", type: nil, Array(value.utf8))
            case .file(let name, let filename, let bytes):
                part("name=\"\(name)\"; filename=\"\(filename)\"", type: "application/octet-stream", bytes)
            }
        }
        body += Array("--\(boundary)--\r\n".utf8)
        let response = try await client.execute(
            uri: uri, method: .post,
            headers: [.cookie: self.cookieHeader, .contentType: "multipart/form-data; boundary=\(boundary)"],
            body: ByteBuffer(bytes: body))
        self.keep(response)
        return response
    }
}
