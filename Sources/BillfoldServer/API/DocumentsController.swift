import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// Documents as files: one invoice's PDF, a ZIP of many, and a workspace's statement.
struct DocumentsController {
    let database: Database
    let documents: DocumentService
    let clock: BillingClock

    /// The most documents one ZIP download holds.
    static let maximumDownload = 10_000

    /// `billing` routes change nothing, so they sit outside `Idempotency-Key`, whose stored answers are text.
    func addRoutes(to billing: RouterGroup<BillfoldRequestContext>) {
        billing.get("invoices/:id/pdf", use: self.pdf)
        billing.post("invoices/download", use: self.download)
        billing.get("workspaces/:id/statement.pdf", use: self.statement)
    }

    @Sendable func pdf(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let file = try await self.documents.pdf(of: invoice)
        return Self.response(file)
    }

    struct DownloadBody: Decodable {
        var ids: [String]?
    }

    /// A ZIP of the documents `ids` names, streamed a document at a time. Every id is checked before the first
    /// byte is sent, so a wrong one gets a clean 4xx naming it.
    @Sendable func download(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(DownloadBody.self, from: request, context: context)
        guard let raw = body.ids else { throw APIError.missing("ids") }
        guard (1...Self.maximumDownload).contains(raw.count) else {
            throw APIError.invalid("ids", "ids must name 1 to \(Self.maximumDownload) documents")
        }
        var ids: [InvoiceID] = []
        var seen: Set<InvoiceID> = []
        for (index, text) in raw.enumerated() {
            let id = try Validate.identifier(text, as: InvoiceID.self, param: "ids[\(index)]")
            if seen.insert(id).inserted { ids.append(id) }
        }
        let owners = try await self.database.store.invoices.owners(of: ids)
        for (index, text) in raw.enumerated() {
            let id = InvoiceID(rawValue: text)
            guard let owner = owners[id] else { throw APIError.notFound("invoice", id: text, param: "ids[\(index)]") }
            try context.requireVisible(owner.workspaceID, "invoice", id: text, param: "ids[\(index)]")
            guard owner.number != nil else { throw APIError.notFinalized(text, param: "ids[\(index)]") }
        }
        let documents = self.documents
        let unique = ids
        let archive = ResponseBody { writer in
            try await documents.writeArchive(of: unique) { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"invoices.zip\""],
            body: archive)
    }

    @Sendable func statement(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let query = request.uri.queryParameters
        let (from, to) = try Self.statementRange(from: query.get("from"), to: query.get("to"), today: self.clock.today)
        let file = try await self.documents.statement(of: workspace.id, from: from, to: to)
        return Self.response(file)
    }

    /// The longest range one statement covers, in months.
    static let longestStatement = 120

    /// A statement's range from the `from` and `to` a request gave (empty counts as left out): `to` defaults to
    /// today, `from` to the first day of `to`'s financial year. Refused: not dates, `to` before `from`, a `from`
    /// after today (there is nothing yet to show), and more than ten years at once.
    static func statementRange(from fromText: String?, to toText: String?, today: CalendarDate) throws -> (
        from: CalendarDate, to: CalendarDate
    ) {
        func given(_ text: String?) -> String? {
            text.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        let to = try Validate.date(given(toText), param: "to") ?? today
        let from = try Validate.date(given(fromText), param: "from") ?? FinancialYear(containing: to).firstDay
        guard from <= to else { throw APIError.backwards(from: from, to: to) }
        guard from <= today else {
            throw APIError.invalid(
                "from", "from (\(from)) is after today (\(today)): a statement shows what has happened")
        }
        guard to < from.adding(months: Self.longestStatement) else {
            throw APIError.invalid(
                "to", "a statement covers at most ten years; \(from) to \(to) is longer: ask for a shorter range")
        }
        return (from, to)
    }

    static func response(_ file: DocumentFile) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "application/pdf", .contentDisposition: "attachment; filename=\"\(file.name)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
