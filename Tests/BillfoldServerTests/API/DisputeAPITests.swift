import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Disputes through the operator API")
struct DisputeAPITests {
    /// A PNG's signature and a few bytes after it: enough to be taken for an image.
    static let screenshot: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4]

    /// A dispute on the first workspace's first invoice (line 1, ₹30 of pods, contested: it expects ₹1,180) with a
    /// screenshot, and one on the other workspace's invoice.
    static func openDisputes(_ engine: Engine, _ seeded: CorrectionHarness.Seeded) async throws {
        _ = try await engine.disputes.open(
            on: seeded.invoiceIDs[0], of: seeded.workspaceID,
            .init(
                reason: .usageWrong, linePositions: [1], expectedTotal: Money(minorUnits: 118_000, currency: .inr),
                message: "We ran no pods in October.",
                uploads: [.init(filename: "../pods dashboard.png", bytes: Self.screenshot)]),
            author: "owner@acme.example")
        _ = try await engine.disputes.open(
            on: seeded.otherInvoiceID, of: seeded.otherWorkspaceID,
            .init(
                reason: .rateWrong, linePositions: [], expectedTotal: Money(minorUnits: 100_000, currency: .inr),
                message: "The platform fee should be lower.", uploads: []),
            author: "owner@bharat.example")
    }

    func disputes(_ server: CorrectionHarness, _ query: String = "") async throws -> [[String: Any]] {
        let response = try await server.client.call(.get, "/api/v1/disputes\(query)")
        #expect(response.status == .ok, "\(query): \(response.object)")
        return response.object["data"] as? [[String: Any]] ?? []
    }

    @Test("the list filters by workspace, invoice and status, and pages", arguments: TestDatabase.kinds)
    func list(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind, prepare: Self.openDisputes) { server in
            let all = try await self.disputes(server)
            #expect(all.count == 2)
            let mine = try await self.disputes(server, "?workspace_id=\(server.workspaceID)")
            #expect(mine.map { $0["invoice_id"] as? String } == [server.invoiceIDs[0]])
            let theirs = try await self.disputes(server, "?workspace_id=\(server.otherWorkspaceID)")
            #expect(theirs.map { $0["workspace_id"] as? String } == [server.otherWorkspaceID])
            #expect(!theirs.contains { $0["invoice_id"] as? String == server.invoiceIDs[0] })
            let byInvoice = try await self.disputes(server, "?invoice_id=\(server.otherInvoiceID)")
            #expect(byInvoice.count == 1)
            #expect(try await self.disputes(server, "?status=open,under_review").count == 2)
            #expect(try await self.disputes(server, "?status=resolved&status=rejected").isEmpty)

            let first = try await server.client.call(.get, "/api/v1/disputes?limit=1")
            #expect(first.object["has_more"] as? Bool == true)
            let firstID = try #require((first.object["data"] as? [[String: Any]])?.first?["id"] as? String)
            let second = try await server.client.call(.get, "/api/v1/disputes?limit=1&starting_after=\(firstID)")
            #expect(second.object["has_more"] as? Bool == false)
            let secondID = (second.object["data"] as? [[String: Any]])?.first?["id"] as? String
            #expect(Set([firstID, secondID]) == Set(all.map { $0["id"] as? String }))

            for (query, status, param) in [
                ("?status=closed", HTTPResponse.Status.unprocessableContent, "status"),
                ("?workspace_id=inv_1", .unprocessableContent, "workspace_id"),
                ("?invoice_id=nope", .unprocessableContent, "invoice_id"),
                ("?limit=0", .unprocessableContent, "limit"),
                ("?starting_after=dsp_nothing", .notFound, "starting_after"),
            ] {
                let response = try await server.client.call(.get, "/api/v1/disputes\(query)")
                #expect(response.status == status, "\(query)")
                #expect(response.error["param"] as? String == param, "\(query)")
            }
        }
    }

    @Test("a dispute in full: its thread, its attachments and their bytes, only its own", arguments: TestDatabase.kinds)
    func detailAndAttachments(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind, prepare: Self.openDisputes) { server in
            let mine = try #require(try await self.disputes(server, "?workspace_id=\(server.workspaceID)").first)
            let theirs = try #require(try await self.disputes(server, "?workspace_id=\(server.otherWorkspaceID)").first)
            let id = try #require(mine["id"] as? String)
            #expect(mine["status"] as? String == "open")
            #expect(mine["disputed_amount"] as? Int == 121_540 - 118_000)
            #expect(mine["line_positions"] as? [Int] == [1])

            let invoice = try await server.invoice(server.invoiceIDs[0])
            #expect(invoice["status"] as? String == "disputed")
            let carried = try #require(invoice["dispute"] as? [String: Any])
            #expect(carried["id"] as? String == id)
            #expect(carried["disputed_amount"] as? Int == 3_540)

            let detail = try await server.client.call(.get, "/api/v1/disputes/\(id)")
            #expect(detail.status == .ok)
            let comments = try #require(detail.object["comments"] as? [[String: Any]])
            #expect(comments.count == 1)
            #expect(comments.first?["role"] as? String == "customer")
            #expect(comments.first?["author"] as? String == "owner@acme.example")
            #expect(comments.first?["body"] as? String == "We ran no pods in October.")
            let attachments = try #require(detail.object["attachments"] as? [[String: Any]])
            #expect(attachments.count == 1)
            let attachment = try #require(attachments.first)
            #expect(attachment["filename"] as? String == "pods dashboard.png")
            #expect(attachment["content_type"] as? String == "image/png")
            let url = try #require(attachment["url"] as? String)
            let download = try await server.client.call(.get, url)
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == Self.screenshot)
            #expect(download.headers[.contentType] == "image/png")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"pods dashboard.png\"")

            // The attachment is reached only through its own dispute.
            let theirID = try #require(theirs["id"] as? String)
            let attachmentID = try #require(attachment["id"] as? String)
            let crossed = try await server.client.call(.get, "/api/v1/disputes/\(theirID)/attachments/\(attachmentID)")
            #expect(crossed.status == .notFound)
            #expect(crossed.error["param"] as? String == "attachment_id")
            #expect(try await server.client.call(.get, "/api/v1/disputes/\(id)/attachments/bogus").status == .notFound)
            #expect(try await server.client.call(.get, "/api/v1/disputes/dsp_nothing").status == .notFound)
            #expect(try await server.client.call(.get, "/api/v1/disputes/inv_1").status == .notFound)
            #expect(try await server.client.call(.get, "/api/v1/disputes", key: nil).status == .unauthorized)
        }
    }

    @Test("comment, review, then resolve with a partial credit note", arguments: TestDatabase.kinds)
    func resolveWithCredit(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind, prepare: Self.openDisputes) { server in
            let mine = try #require(try await self.disputes(server, "?workspace_id=\(server.workspaceID)").first)
            let id = try #require(mine["id"] as? String)
            let base = "/api/v1/disputes/\(id)"

            let comment = try await server.client.call(
                .post, "\(base)/comments", json: #"{"body": "Looking at the pod meter now."}"#)
            #expect(comment.status == .created, "\(comment.object)")
            #expect(comment.object["role"] as? String == "operator")
            #expect((comment.object["author"] as? String)?.hasPrefix("api_key:") == true)
            let blank = try await server.client.call(.post, "\(base)/comments", json: #"{"body": "  "}"#)
            #expect(blank.status == .unprocessableContent)
            #expect(blank.error["param"] as? String == "body")
            let broken = try await server.client.call(.post, "\(base)/comments", json: #"{"body": "#)
            #expect(broken.status == .badRequest)

            let review = try await server.client.call(.post, "\(base)/review")
            #expect(review.status == .ok, "\(review.object)")
            #expect(review.object["status"] as? String == "under_review")
            #expect(try await server.client.call(.post, "\(base)/review").status == .conflict)

            let over = try await server.client.call(
                .post, "\(base)/resolve",
                json: #"{"explanation": "Refunded", "credit_note": {"lines": [{"position": 1, "amount": 9000}]}}"#)
            #expect(over.status == .unprocessableContent)
            #expect((try await server.client.call(.get, base)).object["status"] as? String == "under_review")

            let resolved = try await server.client.call(
                .post, "\(base)/resolve",
                json: #"""
                    {"explanation": "The pods ran 10 hours, not 12.5: credited.",
                     "credit_note": {"lines": [{"position": 1, "quantity": "2.5"}]}}
                    """#)
            #expect(resolved.status == .ok, "\(resolved.object)")
            let dispute = try #require(resolved.object["dispute"] as? [String: Any])
            #expect(dispute["status"] as? String == "resolved")
            #expect(dispute["resolution"] as? String == "The pods ran 10 hours, not 12.5: credited.")
            #expect(dispute["closed_at"] is String)
            let note = try #require(resolved.object["credit_note"] as? [String: Any])
            #expect(note["total"] as? Int == 708)
            #expect(dispute["credit_note_id"] as? String == note["id"] as? String)
            let invoice = try #require(resolved.object["invoice"] as? [String: Any])
            #expect(invoice["dispute"] is NSNull)
            #expect(invoice["amount_due"] as? Int == 121_540 - 708)
            #expect(try await server.invoice(server.invoiceIDs[0])["status"] as? String == "pending")

            let thread = try await server.client.call(.get, base).object["comments"] as? [[String: Any]] ?? []
            #expect(thread.map { $0["role"] as? String } == ["customer", "operator", "operator"])
            let closed = try await server.client.call(.post, "\(base)/comments", json: #"{"body": "One more"}"#)
            #expect(closed.status == .conflict)
        }
    }

    @Test("reject with an explanation; closed disputes refuse more", arguments: TestDatabase.kinds)
    func reject(kind: DatabaseKind) async throws {
        try await withCorrectionServer(kind, prepare: Self.openDisputes) { server in
            let theirs = try #require(try await self.disputes(server, "?workspace_id=\(server.otherWorkspaceID)").first)
            let base = "/api/v1/disputes/\(try #require(theirs["id"] as? String))"
            let missing = try await server.client.call(.post, "\(base)/reject", json: #"{}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.error["param"] as? String == "explanation")
            let notJSON = try await server.client.call(.post, "\(base)/reject", json: "explanation")
            #expect(notJSON.status == .badRequest)

            let rejected = try await server.client.call(
                .post, "\(base)/reject", json: #"{"explanation": "The fee is the plan's, as agreed."}"#)
            #expect(rejected.status == .ok, "\(rejected.object)")
            #expect(rejected.object["status"] as? String == "rejected")
            #expect(rejected.object["resolution"] as? String == "The fee is the plan's, as agreed.")
            #expect(rejected.object["credit_note_id"] is NSNull)
            #expect(try await server.invoice(server.otherInvoiceID)["dispute"] is NSNull)
            let again = try await server.client.call(.post, "\(base)/resolve", json: #"{"explanation": "Oops"}"#)
            #expect(again.status == .conflict)
            #expect(try await self.disputes(server, "?status=rejected").count == 1)
        }
    }
}
