import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import HTTPTypes
import Hummingbird

/// Disputes: raising one on an invoice (a form with files), the workspace's list, and one dispute's thread, files,
/// comment form and withdrawal.
extension PortalController {
    /// Disputes on one page of the list.
    static let disputesPageSize = 20

    /// Registers the dispute pages. The form that raises one carries files, so its post goes through `uploads`, whose
    /// form check reads larger bodies; every other route is on `billing`.
    func addDisputeRoutes(
        billing: RouterGroup<BillfoldRequestContext>, uploads: RouterGroup<BillfoldRequestContext>
    ) {
        billing.get("invoices/:id/dispute", use: self.disputeForm)
        uploads.post("invoices/:id/dispute", use: self.raiseDispute)
        billing.get("disputes", use: self.disputes)
        billing.get("disputes/:id", use: self.dispute)
        billing.post("disputes/:id/comments", use: self.commentOnDispute)
        billing.post("disputes/:id/withdraw", use: self.withdrawDispute)
        billing.get("disputes/:id/attachments/:attachment_id", use: self.disputeAttachment)
    }

    // MARK: Raising a dispute

    @Sendable func disputeForm(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        if let refusal = try await self.disputeRefusal(invoice, context: context) { return refusal }
        return try await self.disputeFormPage(
            invoice, fields: DisputeFormView.Fields(), errors: [], status: .ok, context: context)
    }

    private func disputeFormPage(
        _ invoice: Invoice, fields: DisputeFormView.Fields, errors: [String], status: HTTPResponse.Status,
        context: BillfoldRequestContext
    ) async throws -> Response {
        let layout = try await self.pages.layout(
            "Dispute invoice \(invoice.number ?? "")", section: .invoices, context: context)
        return try self.pages.render(
            DisputeFormView(layout: layout, invoice: invoice, fields: fields, errors: errors), status: status)
    }

    /// The page for an invoice that cannot be disputed, or `nil` when it can: an issued invoice or debit note, open
    /// or paid, without a dispute already open.
    private func disputeRefusal(_ invoice: Invoice, context: BillfoldRequestContext) async throws -> Response? {
        let link = ("/portal/invoices/\(invoice.id.rawValue)", "Back to the invoice")
        if let open = invoice.openDispute {
            return try await self.pages.message(
                "This invoice is already disputed",
                "A dispute on this invoice is open. Add what you want to say to its thread instead.",
                testID: "error", status: .conflict, link: ("/portal/disputes/\(open.id.rawValue)", "Open the dispute"),
                context: context)
        }
        guard invoice.isDisputable else {
            return try await self.pages.message(
                "This document cannot be disputed",
                "Only an issued invoice or debit note that is open or paid can be disputed.", testID: "error",
                status: .conflict, link: link, context: context)
        }
        return nil
    }

    /// Raises the dispute the form describes, with its files, and opens its thread; a mistake shows the form again.
    @Sendable func raiseDispute(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let (_, member) = try SessionsController.memberSession(context)
        let form: MultipartForm
        do {
            guard let read = try await MultipartForm.read(request) else {
                return try await self.disputeFormPage(
                    invoice, fields: DisputeFormView.Fields(),
                    errors: ["The form was not sent as a form with files. Reload the page and try again."],
                    status: .unsupportedMediaType, context: context)
            }
            form = read
        } catch let error as MultipartFormError {
            return try await self.disputeFormPage(
                invoice, fields: DisputeFormView.Fields(),
                errors: ["The form arrived incomplete (\(error.message)). Send it again."], status: .badRequest,
                context: context)
        }
        var fields = DisputeFormView.Fields(
            reason: form["reason"] ?? "",
            linePositions: Set(form.all("lines").compactMap { Int($0) }),
            expectedTotal: (form["expected_total"] ?? "").trimmingCharacters(in: .whitespaces),
            message: form["message"] ?? "")
        var errors: [String] = []
        let reason = DisputeReason(rawValue: fields.reason)
        if reason == nil {
            fields.reason = ""
            errors.append("Choose the reason for the dispute.")
        }
        let expected = Self.minorUnits(fields.expectedTotal, currency: invoice.currency)
        if expected == nil {
            errors.append(
                "Enter the total you believe is right, in \(invoice.currency.code), such as 1,500.00: at least 0 "
                    + "and less than the invoice's \(invoice.total.formatted()).")
        }
        if fields.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.append("Write a message that says what is wrong.")
        }
        let uploads = form.files("attachments").map {
            DisputeService.Upload(filename: $0.filename ?? "", bytes: $0.bytes)
        }
        if uploads.contains(where: { $0.bytes.count > DisputeAttachment.maximumBytes }) {
            // Checked here as well as by the service, so a file too big is answered as one.
            let names = uploads.filter { $0.bytes.count > DisputeAttachment.maximumBytes }.map(\.filename)
            errors.append(
                "\(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") larger than 2 MB; attach files "
                    + "of at most 2 MB each.")
            return try await self.disputeFormPage(
                invoice, fields: fields, errors: errors + [Self.chooseFilesAgain], status: .contentTooLarge,
                context: context)
        }
        guard errors.isEmpty, let reason, let expected else {
            if !uploads.isEmpty { errors.append(Self.chooseFilesAgain) }
            return try await self.disputeFormPage(
                invoice, fields: fields, errors: errors, status: .unprocessableContent, context: context)
        }
        let opening = DisputeService.Opening(
            reason: reason, linePositions: fields.linePositions.sorted(),
            expectedTotal: Money(minorUnits: expected, currency: invoice.currency), message: fields.message,
            uploads: uploads)
        let dispute: Dispute
        do {
            dispute = try await self.disputes.open(
                on: invoice.id, of: member.workspaceID, opening, author: member.email)
        } catch let error as EngineError where error.code == .invalidField || error.code == .invalidState {
            var errors = [Self.sentence(error)]
            if !uploads.isEmpty { errors.append(Self.chooseFilesAgain) }
            return try await self.disputeFormPage(
                invoice, fields: fields, errors: errors,
                status: error.code == .invalidState ? .conflict : .unprocessableContent, context: context)
        }
        return Redirect.to("/portal/disputes/\(dispute.id.rawValue)?notice=opened")
    }

    private static let chooseFilesAgain = "Choose the files to attach again: a form shown again cannot keep them."

    /// An engine's message as a sentence: capitalised, unless it opens with a file's name, with its full stop.
    static func sentence(_ error: EngineError) -> String {
        let message = error.message
        let capitalised =
            error.param == "attachments" ? message : message.prefix(1).uppercased() + message.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }

    // MARK: The disputes

    @Sendable func disputes(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.workspace(context)
        let startingAfter = request.uri.queryParameters.get("starting_after").flatMap(DisputeID.init(validating:))
        let page = try await self.database.store.disputes.list(
            DisputeFilter(workspaceID: workspace.id), limit: Self.disputesPageSize + 1, startingAfter: startingAfter)
        let rows = Array(page.prefix(Self.disputesPageSize))
        let layout = try await self.pages.layout("Disputes", section: .disputes, context: context)
        let view = DisputesView(
            layout: layout, rows: rows.map { DisputeRow($0, timeZone: self.clock.timeZone) }, isEmpty: rows.isEmpty,
            nextHref: page.count > Self.disputesPageSize
                ? rows.last.map { "/portal/disputes?starting_after=\($0.id.rawValue)" } : nil)
        return try self.pages.render(view)
    }

    @Sendable func dispute(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.visibleDispute(context)
        return try await self.disputePage(
            dispute, notice: DisputeView.notice(for: request.uri.queryParameters.get("notice")), status: .ok,
            context: context)
    }

    private func disputePage(
        _ dispute: Dispute, notice: PortalNotice?, commentError: String? = nil, draft: String = "",
        status: HTTPResponse.Status, context: BillfoldRequestContext
    ) async throws -> Response {
        let (_, member) = try SessionsController.memberSession(context)
        let store = self.database.store
        let invoice = try await store.invoices.find(dispute.invoiceID)
        var creditNote: Invoice?
        if let id = dispute.creditNoteID { creditNote = try await store.invoices.find(id) }
        let layout = try await self.pages.layout(
            "Dispute on \(dispute.invoiceNumber)", section: .disputes, context: context)
        let view = DisputeView(
            layout: layout, dispute: dispute, invoice: invoice,
            comments: try await store.disputes.comments(of: dispute.id),
            attachments: try await store.disputes.attachments(of: dispute.id), creditNote: creditNote, member: member,
            timeZone: self.clock.timeZone, notice: notice, commentError: commentError, draft: draft)
        return try self.pages.render(view, status: status)
    }

    /// The dispute the path names, when it is the member's workspace's; any other is not found.
    private func visibleDispute(_ context: BillfoldRequestContext) async throws -> Dispute {
        let raw = try context.parameters.require("id")
        guard let id = DisputeID(validating: raw), let dispute = try await self.database.store.disputes.find(id) else {
            throw APIError.notFound("dispute", id: raw)
        }
        try context.requireVisible(dispute.workspaceID, "dispute", id: raw)
        return dispute
    }

    @Sendable func commentOnDispute(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.visibleDispute(context)
        let (_, member) = try SessionsController.memberSession(context)
        let body = try await PortalForm.read(request)["body"] ?? ""
        do {
            _ = try await self.disputes.comment(
                on: dispute.id, of: member.workspaceID, role: .customer, author: member.email, body: body)
        } catch let error as EngineError where error.code == .invalidField || error.code == .invalidState {
            return try await self.disputePage(
                dispute, notice: nil, commentError: Self.sentence(error), draft: body,
                status: error.code == .invalidState ? .conflict : .unprocessableContent, context: context)
        }
        return Redirect.to("/portal/disputes/\(dispute.id.rawValue)?notice=commented")
    }

    @Sendable func withdrawDispute(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.visibleDispute(context)
        let (_, member) = try SessionsController.memberSession(context)
        do {
            _ = try await self.disputes.withdraw(dispute.id, of: member.workspaceID, actor: member.email)
        } catch let error as EngineError where error.code == .invalidState {
            return try await self.disputePage(
                dispute, notice: PortalNotice(kind: "warning", message: Self.sentence(error)),
                status: .conflict, context: context)
        }
        return Redirect.to("/portal/disputes/\(dispute.id.rawValue)?notice=withdrawn")
    }

    /// One file of the dispute, as a download: the type its content was recognised as, never shown inline.
    @Sendable func disputeAttachment(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let dispute = try await self.visibleDispute(context)
        let raw = try context.parameters.require("attachment_id")
        guard let id = AttachmentID(validating: raw),
            let (attachment, bytes) = try await self.database.store.disputes.attachment(id, of: dispute.id)
        else { throw APIError.notFound("attachment", id: raw) }
        let filename = DisputeAttachment.safeFilename(attachment.filename, type: attachment.contentType)
        return Response(
            status: .ok,
            headers: [
                .contentType: attachment.contentType.rawValue,
                .contentDisposition: "attachment; filename=\"\(filename)\"",
                .cacheControl: "private, no-store",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
