import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import ChildProcesses
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Documents over HTTP: PDF, ZIP and statement")
struct DocumentAPITests {
    /// Runs a command and returns its exit status and standard output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run(arguments[0], Array(arguments.dropFirst()), mergingStandardError: true)
        return (result.termination.status, result.output)
    }

    static func temporaryFile(_ name: String, _ bytes: ByteBuffer) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name)
        try Data(buffer: bytes).write(to: file)
        return file
    }

    @Test("an invoice's PDF passes qpdf and carries its number, GSTINs and total", arguments: TestDatabase.kinds)
    func invoicePDF(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let list = try await client.call(.get, "/api/v1/invoices?status=paid&kind=invoice&limit=1")
            let item = try #require((list.object["data"] as? [[String: Any]])?.first)
            let id = try #require(item["id"] as? String)
            let detail = try await client.call(.get, "/api/v1/invoices/\(id)")
            let response = try await client.call(.get, "/api/v1/invoices/\(id)/pdf")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/pdf")
            let number = try #require(item["number"] as? String)
            let fileName = number.replacingOccurrences(of: "/", with: "-") + ".pdf"
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"\(fileName)\"")
            let file = try Self.temporaryFile(fileName, response.body)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let check = try Self.run(["qpdf", "--check", file.path])
            #expect(check.status == 0, "\(check.output)")
            let text = try Self.run(["pdftotext", "-layout", file.path, "-"]).output
            #expect(text.contains(number))
            let supplier = try #require(detail.object["supplier"] as? [String: Any])
            #expect(text.contains(try #require(supplier["gstin"] as? String)))
            if let customer = detail.object["customer"] as? [String: Any], let gstin = customer["gstin"] as? String {
                #expect(text.contains(gstin))
            }
            #expect(text.contains(try #require(detail.object["amount_in_words"] as? String).prefix(30)))
        }
    }

    @Test("a ZIP of documents opens with Python's zipfile, each entry a valid PDF", arguments: TestDatabase.kinds)
    func zipDownload(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let list = try await client.call(.get, "/api/v1/invoices?status=paid,overdue,cancelled&limit=12")
            let items = try #require(list.object["data"] as? [[String: Any]])
            let ids = items.compactMap { $0["id"] as? String }
            #expect(ids.count == 12)
            let body = #"{"ids": ["# + (ids + [ids[0]]).map { "\"\($0)\"" }.joined(separator: ", ") + "]}"
            let response = try await client.call(.post, "/api/v1/invoices/download", json: body)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/zip")
            let file = try Self.temporaryFile("invoices.zip", response.body)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let script = """
                import subprocess, sys, tempfile, zipfile
                with zipfile.ZipFile(sys.argv[1]) as archive:
                    assert archive.testzip() is None
                    for name in archive.namelist():
                        data = archive.read(name)
                        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
                            pdf.write(data)
                            pdf.flush()
                            check = subprocess.run(["qpdf", "--check", pdf.name], capture_output=True)
                        print(name, data[:8].decode("latin-1"), check.returncode)
                """
            let result = try Self.run(["python3", "-c", script, file.path])
            #expect(result.status == 0, "\(result.output)")
            let lines = result.output.split(separator: "\n")
            // The repeated id is archived once.
            #expect(lines.count == 12)
            let numbers = items.compactMap { $0["number"] as? String }
            for (line, number) in zip(lines, numbers) {
                #expect(line == "\(number.replacingOccurrences(of: "/", with: "-")).pdf %PDF-1.7 0")
            }
        }
    }

    @Test("a download names the id at fault", arguments: TestDatabase.kinds)
    func downloadRefusals(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let list = try await client.call(.get, "/api/v1/invoices?limit=100")
            let items = try #require(list.object["data"] as? [[String: Any]])
            let good = try #require(items.first { $0["status"] as? String == "paid" }?["id"] as? String)
            let draft = try #require(items.first { $0["status"] as? String == "draft" }?["id"] as? String)
            let tooMany = "[" + Array(repeating: "\"\(good)\"", count: 10_001).joined(separator: ",") + "]"
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"ids": []}"#, .unprocessableContent, "ids"),
                (#"{}"#, .unprocessableContent, "ids"),
                (#"{"ids": "\#(good)"#, .badRequest, ""),
                (#"{"ids": ["\#(good)", "pay_123"]}"#, .unprocessableContent, "ids[1]"),
                (#"{"ids": ["\#(good)", "inv_nosuchinvoice"]}"#, .notFound, "ids[1]"),
                (#"{"ids": ["\#(draft)"]}"#, .conflict, "ids[0]"),
                (#"{"ids": \#(tooMany)}"#, .unprocessableContent, "ids"),
            ]
            for (body, status, param) in cases {
                let response = try await client.call(.post, "/api/v1/invoices/download", json: body)
                #expect(response.status == status, "\(body.prefix(80))")
                if !param.isEmpty { #expect(response.error["param"] as? String == param, "\(body.prefix(80))") }
            }
            let draftPDF = try await client.call(.get, "/api/v1/invoices/\(draft)/pdf")
            #expect(draftPDF.status == .conflict)
        }
    }

    @Test("a statement lists the period's documents between opening and closing balance", arguments: TestDatabase.kinds)
    func statement(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let response = try await client.call(
                .get, "/api/v1/workspaces/\(chai)/statement.pdf?from=2026-04-01&to=2026-11-21")
            #expect(response.status == .ok)
            let file = try Self.temporaryFile("statement.pdf", response.body)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            #expect(try Self.run(["qpdf", "--check", file.path]).status == 0)
            let text = try Self.run(["pdftotext", "-layout", file.path, "-"]).output
            #expect(text.contains("Statement of Account"))
            #expect(text.contains("Opening balance") && text.contains("Closing balance"))
            let invoices = try await client.call(
                .get, "/api/v1/invoices?workspace_id=\(chai)&kind=invoice&from=2026-04-01&to=2026-11-21&limit=100")
            for item in invoices.object["data"] as? [[String: Any]] ?? [] {
                #expect(text.contains(try #require(item["number"] as? String)))
            }
            let backwards = try await client.call(
                .get, "/api/v1/workspaces/\(chai)/statement.pdf?from=2026-11-01&to=2026-10-01")
            #expect(backwards.status == .unprocessableContent)
            #expect(backwards.error["param"] as? String == "to")
        }
    }

    @Test("the print view shows the invoice as HTML with the print stylesheet", arguments: TestDatabase.kinds)
    func printView(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let list = try await client.call(.get, "/api/v1/invoices?status=paid&kind=invoice&limit=1")
            let item = try #require((list.object["data"] as? [[String: Any]])?.first)
            let id = try #require(item["id"] as? String)
            let detail = try await client.call(.get, "/api/v1/invoices/\(id)")
            let page = try await client.call(.get, "/portal/invoices/\(id)/print")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.contains("<link rel=\"stylesheet\" href=\"/portal/assets/billfold.css\">"))
            #expect(html.contains(try #require(item["number"] as? String)))
            let supplier = try #require(detail.object["supplier"] as? [String: Any])
            #expect(html.contains(try #require(supplier["gstin"] as? String)))
            #expect(html.contains(try #require(detail.object["amount_in_words"] as? String)))
            #expect(html.contains("href=\"/api/v1/invoices/\(id)/pdf\""))
            let css = try await client.call(.get, "/portal/assets/billfold.css", key: nil)
            #expect(css.status == .ok)
            #expect(String(buffer: css.body).contains("@media print"))
            // A member of another workspace, and anyone without a session, are kept out.
            #expect(try await client.call(.get, "/portal/invoices/\(id)/print", key: nil).status == .unauthorized)
        }
    }
}
