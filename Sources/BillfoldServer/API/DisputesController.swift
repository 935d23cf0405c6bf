import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/disputes`: the operator's side of disputes. Customers raise them in the portal; the operator reads the
/// thread and the attachments, answers, takes a dispute up, and closes it with a credit note or an explanation.
struct DisputesController {
    let database: Database
    let clock: BillingClock
    let disputes: DisputeService

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.get("disputes", use: self.list)
        group.get("disputes/:id", use: self.get)
        group.get("disputes/:id/attachments/:attachment_id", use: self.attachment)
        group.post("disputes/:id/comments", use: self.comment)
        group.post("disputes/:id/review", use: self.review)
        group.post("disputes/:id/resolve", use: self.resolve)
        group.post("disputes/:id/reject", use: self.reject)
    }

    struct CommentResponse: Encodable {
        let object = "dispute_comment"
        let id: String
        /// `customer` or `operator`.
        let role: String
        let author: String
        let body: String
        let createdAt: String

        init(_ comment: DisputeComment) {
            self.id = comment.id.rawValue
            self.role = comment.role.rawValue
            self.author = comment.author
            self.body = comment.body
            self.createdAt = Timestamp.string(comment.createdAt)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, role, author, body, createdAt
        }
    }

    struct AttachmentResponse: Encodable {
        let id: String
        let filename: String
        let contentType: String
        let byteCount: Int
        let createdAt: String
        /// Where the operator downloads it, with the API key.
        let url: String

        init(_ attachment: DisputeAttachment) {
            self.id = attachment.id.rawValue
            self.filename = attachment.filename
            self.contentType = attachment.contentType.rawValue
            self.byteCount = attachment.byteCount
            self.createdAt = Timestamp.string(attachment.createdAt)
            self.url = "/api/v1/disputes/\(attachment.disputeID.rawValue)/attachments/\(attachment.id.rawValue)"
        }
    }

    /// A dispute; the detail adds its thread and its attachments.
    struct DisputeResponse: Encodable {
        let object = "dispute"
        let id: String
        let workspaceId: String
        let invoiceId: String
        let invoiceNumber: String
        /// `open`, `under_review`, `resolved`, `rejected` or `withdrawn`.
        let status: String
        let reason: String
        let reasonLabel: String
        let linePositions: [Int]
        let currency: String
        let expectedTotal: Int64
        let disputedAmount: Int64
        let openedBy: String
        let resolution: String?
        let creditNoteId: String?
        let createdAt: String
        let updatedAt: String
        let closedAt: String?
        let comments: [CommentResponse]?
        let attachments: [AttachmentResponse]?

        init(_ dispute: Dispute, comments: [DisputeComment]? = nil, attachments: [DisputeAttachment]? = nil) {
            self.id = dispute.id.rawValue
            self.workspaceId = dispute.workspaceID.rawValue
            self.invoiceId = dispute.invoiceID.rawValue
            self.invoiceNumber = dispute.invoiceNumber
            self.status = dispute.state.rawValue
            self.reason = dispute.reason.rawValue
            self.reasonLabel = dispute.reason.label
            self.linePositions = dispute.linePositions
            self.currency = dispute.disputedAmount.currency.code
            self.expectedTotal = dispute.expectedTotal.minorUnits
            self.disputedAmount = dispute.disputedAmount.minorUnits
            self.openedBy = dispute.openedBy
            self.resolution = dispute.resolution
            self.creditNoteId = dispute.creditNoteID?.rawValue
            self.createdAt = Timestamp.string(dispute.createdAt)
            self.updatedAt = Timestamp.string(dispute.updatedAt)
            self.closedAt = dispute.closedAt.map(Timestamp.string)
            self.comments = comments.map { $0.map(CommentResponse.init) }
            self.attachments = attachments.map { $0.map(AttachmentResponse.init) }
        }

        /// `resolution`, `credit_note_id` and `closed_at` are `null` until they apply; `comments` and `attachments`
        /// come with the detail only.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.object, forKey: .object)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.workspaceId, forKey: .workspaceId)
            try container.encode(self.invoiceId, forKey: .invoiceId)
            try container.encode(self.invoiceNumber, forKey: .invoiceNumber)
            try container.encode(self.status, forKey: .status)
            try container.encode(self.reason, forKey: .reason)
            try container.encode(self.reasonLabel, forKey: .reasonLabel)
            try container.encode(self.linePositions, forKey: .linePositions)
            try container.encode(self.currency, forKey: .currency)
            try container.encode(self.expectedTotal, forKey: .expectedTotal)
            try container.encode(self.disputedAmount, forKey: .disputedAmount)
            try container.encode(self.openedBy, forKey: .openedBy)
            try container.encode(self.resolution, forKey: .resolution)
            try container.encode(self.creditNoteId, forKey: .creditNoteId)
            try container.encode(self.createdAt, forKey: .createdAt)
            try container.encode(self.updatedAt, forKey: .updatedAt)
            try container.encode(self.closedAt, forKey: .closedAt)
            try container.encodeIfPresent(self.comments, forKey: .comments)
            try container.encodeIfPresent(self.attachments, forKey: .attachments)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, workspaceId, invoiceId, invoiceNumber, status, reason, reasonLabel, linePositions
            case currency, expectedTotal, disputedAmount, openedBy, resolution, creditNoteId, createdAt, updatedAt
            case closedAt, comments, attachments
        }
    }

    /// Newest first; filters `workspace_id`, `invoice_id` and `status` (repeated or comma separated), paged with
    /// `limit` and `starting_after`.
    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = DisputeFilter()
        if let workspace = query.get("workspace_id") {
            filter.workspaceID = try Validate.identifier(workspace, as: WorkspaceID.self, param: "workspace_id")
        }
        if let invoice = query.get("invoice_id") {
            filter.invoiceID = try Validate.identifier(invoice, as: InvoiceID.self, param: "invoice_id")
        }
        for value in query.getAll("status").flatMap({ $0.split(separator: ",") }) {
            let state: DisputeLifecycle.State = try Validate.enumeration(
                value.trimmingCharacters(in: .whitespaces), param: "status")
            filter.states.insert(state)
        }
        let limit = try Validate.limit(query.get("limit"))
        let startingAfter = try query.get("starting_after").map {
            try Validate.identifier($0, as: DisputeID.self, param: "starting_after")
        }
        let store = self.database.store
        if let startingAfter, try await store.disputes.find(startingAfter) == nil {
            throw APIError.notFound("dispute", id: startingAfter.rawValue, param: "starting_after")
        }
        let disputes = try await store.disputes.list(filter, limit: limit + 1, startingAfter: startingAfter)
        return try JSONCoding.response(
            ListResponse(data: disputes.prefix(limit).map { DisputeResponse($0) }, hasMore: disputes.count > limit))
    }

    /// A dispute with its thread, oldest first, and its attachments.
    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.dispute(in: context)
        return try await self.detail(dispute)
    }

    /// An attachment's bytes, offered as a download under the name it was uploaded with.
    @Sendable func attachment(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.dispute(in: context)
        let raw = try context.parameters.require("attachment_id")
        guard let id = AttachmentID(validating: raw),
            let (attachment, bytes) = try await self.database.store.disputes.attachment(id, of: dispute.id)
        else {
            throw APIError.notFound("attachment of dispute \(dispute.id.rawValue)", id: raw, param: "attachment_id")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: attachment.contentType.rawValue,
                .contentDisposition: "attachment; filename=\"\(attachment.filename)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    struct CommentBody: Decodable {
        var body: String?
    }

    /// Adds the operator's message to the thread; the billing contacts are told.
    @Sendable func comment(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.dispute(in: context)
        let body = try await JSONCoding.decode(CommentBody.self, from: request, context: context)
        guard let text = body.body else { throw APIError.missing("body") }
        let comment = try await self.disputes.comment(
            on: dispute.id, of: nil, role: .platformOperator, author: context.actor, body: text)
        return try JSONCoding.response(CommentResponse(comment), status: .created)
    }

    /// Takes an open dispute up: it shows `under_review` and the customer can no longer withdraw it.
    @Sendable func review(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.dispute(in: context)
        let reviewed = try await self.disputes.review(dispute.id, actor: context.actor)
        return try await self.detail(reviewed)
    }

    struct CreditNoteBody: Decodable {
        var lines: [CorrectionsController.LineBody]?
        /// The credit note's reason; the dispute's reason when left out.
        var reason: String?
        var adjustsGST: Bool?
        var destination: String?

        private enum CodingKeys: String, CodingKey {
            case lines, reason, destination
            case adjustsGST = "adjustsGst"
        }
    }

    struct ResolveBody: Decodable {
        var explanation: String?
        var creditNote: CreditNoteBody?
    }

    struct ResolutionResponse: Encodable {
        let object = "dispute_resolution"
        let dispute: DisputeResponse
        let invoice: InvoiceResponse?
        let creditNote: InvoiceResponse?
        let refunds: [InvoiceResponse.RefundResponse]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.object, forKey: .object)
            try container.encode(self.dispute, forKey: .dispute)
            try container.encode(self.invoice, forKey: .invoice)
            try container.encode(self.creditNote, forKey: .creditNote)
            try container.encode(self.refunds, forKey: .refunds)
        }

        private enum CodingKeys: String, CodingKey {
            case object, dispute, invoice, creditNote, refunds
        }
    }

    /// Closes a dispute in the customer's favour, with `explanation` and, when `credit_note` names lines, a credit
    /// note for them issued in the same transaction.
    @Sendable func resolve(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.dispute(in: context)
        let body = try await JSONCoding.decode(ResolveBody.self, from: request, context: context)
        guard let explanation = body.explanation else { throw APIError.missing("explanation") }
        let credit = try body.creditNote.map { note in
            guard let lines = note.lines else { throw APIError.missing("credit_note.lines") }
            let reason = try Validate.text(
                note.reason ?? "Dispute: \(dispute.reason.label)", param: "credit_note.reason", maximumLength: 200)
            return try CorrectionsController.creditRequest(
                lines: lines, reason: reason, adjustsGST: note.adjustsGST, destination: note.destination,
                currency: dispute.disputedAmount.currency, param: "credit_note.")
        }
        let (resolved, outcome) = try await self.disputes.resolve(
            dispute.id, explanation: explanation, credit: credit, actor: context.actor)
        let today = self.clock.today
        return try JSONCoding.response(
            ResolutionResponse(
                dispute: DisputeResponse(resolved), invoice: outcome.map { InvoiceResponse($0.invoice, today: today) },
                creditNote: outcome.map { InvoiceResponse($0.creditNote, today: today) },
                refunds: (outcome?.refunds ?? []).map(InvoiceResponse.RefundResponse.init)))
    }

    struct RejectBody: Decodable {
        var explanation: String?
    }

    /// Closes a dispute with the invoice standing, saying why.
    @Sendable func reject(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.dispute(in: context)
        let body = try await JSONCoding.decode(RejectBody.self, from: request, context: context)
        guard let explanation = body.explanation else { throw APIError.missing("explanation") }
        let rejected = try await self.disputes.reject(dispute.id, explanation: explanation, actor: context.actor)
        return try await self.detail(rejected)
    }

    /// The dispute the route's `:id` names, or a 404.
    private func dispute(in context: BillfoldRequestContext) async throws -> Dispute {
        let raw = try context.parameters.require("id")
        guard let id = DisputeID(validating: raw), let dispute = try await self.database.store.disputes.find(id) else {
            throw APIError.notFound("dispute", id: raw)
        }
        return dispute
    }

    private func detail(_ dispute: Dispute) async throws -> Response {
        let store = self.database.store
        let comments = try await store.disputes.comments(of: dispute.id)
        let attachments = try await store.disputes.attachments(of: dispute.id)
        return try JSONCoding.response(DisputeResponse(dispute, comments: comments, attachments: attachments))
    }
}
