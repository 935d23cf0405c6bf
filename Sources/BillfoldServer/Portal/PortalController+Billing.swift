import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// The dashboard, the billing history and the invoice detail.
extension PortalController {
    /// Every status a person sees, draft aside: drafts are the operator's, not yet the customer's.
    static let listedStatuses: [InvoiceDisplayStatus] = [.pending, .paid, .overdue, .processing, .failed, .cancelled]

    @Sendable func dashboard(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.workspace(context)
        let store = self.database.store
        let today = self.clock.today
        let preview = try await self.billing.preview(for: workspace.id)
        let balance = try await store.wallet.balance(of: workspace.id, in: workspace.currency)
        let totals = InvoiceTotals(
            try await store.invoices.summary(InvoiceFilter(workspaceID: workspace.id), today: today),
            currency: workspace.currency)
        func figure(_ figure: InvoiceTotals.Figure) -> DashboardView.Figure {
            DashboardView.Figure(
                amount: figure.amount.formatted(), detail: figure.count == 1 ? "1 invoice" : "\(figure.count) invoices")
        }
        // The last twelve months of issued invoices, not cancelled, for both charts.
        let firstMonth = today.firstOfMonth.adding(months: -11)
        let spending = try await store.invoices.spending(
            InvoiceFilter(
                workspaceID: workspace.id, statuses: Set(Self.listedStatuses).subtracting([.cancelled]),
                kinds: [.invoice], from: firstMonth),
            today: today)
        let layout = try await self.pages.layout("Dashboard", section: .dashboard, context: context)
        let view = DashboardView(
            layout: layout, workspace: workspace, preview: preview, balance: balance,
            paid: figure(totals.paid), pending: figure(totals.pending), overdue: figure(totals.overdue),
            monthlyChart: PortalCharts.monthly(spending.months, from: firstMonth, currency: workspace.currency),
            servicesChart: PortalCharts.services(spending.charges, currency: workspace.currency))
        return try self.pages.render(view)
    }

    // MARK: Billing history

    /// `items` as a query string's parameters.
    static func parameters(_ items: [String: String]) -> Parameters {
        Parameters(items.sorted { $0.key < $1.key }.map { (key: Substring($0.key), value: Substring($0.value)) })
    }

    /// The list's filters as the page's links and forms carry them.
    struct ListQuery {
        var status: InvoiceDisplayStatus?
        /// Invoices, receipts or credit notes alone; `nil` lists every kind.
        var kind: DocumentKind?
        var from: String
        var to: String
        var q: String

        init(_ parameters: Parameters) throws {
            let status = parameters.get("status").flatMap { $0.isEmpty || $0 == "all" ? nil : $0 }
            self.status = try status.map { try Validate.enumeration($0, param: "status") }
            if self.status == .draft { throw APIError.invalid("status", "drafts are not part of the billing history") }
            let kind = parameters.get("kind").flatMap { $0.isEmpty || $0 == "all" ? nil : $0 }
            self.kind = try kind.map { try Validate.enumeration($0, param: "kind") }
            self.from = parameters.get("from") ?? ""
            self.to = parameters.get("to") ?? ""
            self.q = parameters.get("q") ?? ""
        }

        init(_ form: PortalForm) throws {
            var parameters: [String: String] = [:]
            for name in ["status", "kind", "from", "to", "q"] { parameters[name] = form[name] }
            try self.init(PortalController.parameters(parameters))
        }

        /// The filter parameters, without the empty ones; `status` as the API's comma list.
        func items(status: InvoiceDisplayStatus?? = .none) -> [String: String] {
            var items: [String: String] = [:]
            let chosen = status ?? self.status
            if let chosen { items["status"] = chosen.rawValue }
            if let kind = self.kind { items["kind"] = kind.rawValue }
            if !self.from.isEmpty { items["from"] = self.from }
            if !self.to.isEmpty { items["to"] = self.to }
            if !self.q.isEmpty { items["q"] = self.q }
            return items
        }

        func path(_ extra: [String: String] = [:], status: InvoiceDisplayStatus?? = .none) -> String {
            let items = self.items(status: status).merging(extra) { $1 }
            return "/portal/invoices" + (items.isEmpty ? "" : "?" + Redirect.query(items))
        }
    }

    @Sendable func invoices(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.workspace(context)
        let parameters = request.uri.queryParameters
        let query = try ListQuery(parameters)
        var apiQuery = query.items()
        if query.status == nil { apiQuery["status"] = Self.listedStatuses.map(\.rawValue).joined(separator: ",") }
        var filter = try InvoicesController.filter(from: PortalController.parameters(apiQuery), context: context)
        filter.workspaceID = workspace.id
        let store = self.database.store
        let today = self.clock.today
        let startingAfter = parameters.get("starting_after").flatMap(InvoiceID.init(validating:))
        let endingBefore = parameters.get("ending_before").flatMap(InvoiceID.init(validating:))
        let rows: [InvoiceListItem]
        var hasPrevious: Bool
        var hasNext: Bool
        if let endingBefore {
            // The page before `endingBefore`, and one row more to tell whether there is a page before it.
            let page = try await store.invoices.list(
                filter, today: today, limit: Self.pageSize + 1, startingAfter: nil, endingBefore: endingBefore)
            rows = Array(page.suffix(Self.pageSize))
            hasPrevious = page.count > Self.pageSize
            hasNext = true
        } else {
            let page = try await store.invoices.list(
                filter, today: today, limit: Self.pageSize + 1, startingAfter: startingAfter)
            rows = Array(page.prefix(Self.pageSize))
            hasPrevious = startingAfter != nil
            hasNext = page.count > Self.pageSize
        }
        if rows.isEmpty { (hasPrevious, hasNext) = (false, false) }
        let layout = try await self.pages.layout("Billing history", section: .invoices, context: context)
        var exportItems = apiQuery
        exportItems["workspace_id"] = workspace.id.rawValue
        let options = try await self.paymentOptions(for: workspace)
        let view = InvoicesView(
            layout: layout, query: query,
            rows: rows.map { InvoiceRow($0, takesOnlinePayments: options.takesOnlinePayments) },
            nextHref: hasNext ? rows.last.map { query.path(["starting_after": $0.id.rawValue]) } : nil,
            previousHref: hasPrevious ? rows.first.map { query.path(["ending_before": $0.id.rawValue]) } : nil,
            exportHref: "/api/v1/invoices/export.csv?" + Redirect.query(exportItems),
            notice: parameters.get("notice").flatMap(InvoicesView.notice(for:)),
            statement: StatementForm(today: today), otherWaysToPay: options.otherWaysToPay())
        return try self.pages.render(view)
    }

    /// The workspace's statement of account for the range the history's Statement form chose (by default this
    /// financial year so far): the same PDF as `GET /api/v1/workspaces/{id}/statement.pdf`.
    @Sendable func statement(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.workspace(context)
        let query = request.uri.queryParameters
        let (from, to) = try DocumentsController.statementRange(
            from: query.get("from"), to: query.get("to"), today: self.clock.today)
        let file = try await self.documents.statement(
            of: workspace.id, from: from, to: to)
        return DocumentsController.response(file)
    }

    /// The ZIP of the ticked invoices' PDFs.
    @Sendable func download(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let form = try await PortalForm.read(request)
        let raw = form.all("ids")
        guard !raw.isEmpty else {
            throw APIError.invalid("ids", "Tick at least one invoice in the billing history, then download again.")
        }
        guard raw.count <= DocumentsController.maximumDownload else {
            throw APIError.invalid("ids", "Download at most \(DocumentsController.maximumDownload) documents at once.")
        }
        var ids: [InvoiceID] = []
        for text in raw {
            let id = try Validate.identifier(text, as: InvoiceID.self, param: "ids")
            if !ids.contains(id) { ids.append(id) }
        }
        let owners = try await self.database.store.invoices.owners(of: ids)
        for id in ids {
            guard let owner = owners[id] else { throw APIError.notFound("invoice", id: id.rawValue, param: "ids") }
            try context.requireVisible(owner.workspaceID, "invoice", id: id.rawValue, param: "ids")
            guard owner.number != nil else { throw APIError.notFinalized(id.rawValue, param: "ids") }
        }
        let documents = self.documents
        let chosen = ids
        let archive = ResponseBody { writer in
            try await documents.writeArchive(of: chosen) { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"invoices.zip\""],
            body: archive)
    }

    /// Asks the gateway about every attempt still processing in the workspace, then shows the same list again.
    @Sendable func refresh(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.workspace(context)
        let form = try await PortalForm.read(request)
        let query = try ListQuery(form)
        let processing = try await self.database.store.invoices.list(
            InvoiceFilter(workspaceID: workspace.id, statuses: [.processing]), today: self.clock.today, limit: 100,
            startingAfter: nil)
        var unreachable = false
        for item in processing {
            do {
                _ = try await self.payments.refresh(item.id, actor: context.actor)
            } catch let error as EngineError where error.code == .gatewayUnavailable {
                unreachable = true
            }
        }
        return Redirect.to(query.path(["notice": unreachable ? "gateway" : "refreshed"]))
    }

    // MARK: One invoice

    @Sendable func invoice(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let layout = try await self.pages.layout(
            invoice.number.map { "Invoice \($0)" } ?? "Draft invoice", section: .invoices, context: context)
        let workspace = try await self.workspace(context)
        var view = InvoiceDetailView(
            layout: layout, invoice: invoice, today: self.clock.today, timeZone: self.clock.timeZone,
            payment: request.uri.queryParameters.get("payment"), options: try await self.paymentOptions(for: workspace))
        let store = self.database.store
        if invoice.isDisputable { view.disputeHref = "/portal/invoices/\(invoice.id.rawValue)/dispute" }
        let disputes = try await store.disputes.list(
            DisputeFilter(workspaceID: workspace.id, invoiceID: invoice.id), limit: 20, startingAfter: nil)
        view.disputes = disputes.map { DisputeRow($0, timeZone: self.clock.timeZone) }
        view.openDispute = disputes.first { $0.id == invoice.openDispute?.id }.map {
            DisputeRow($0, timeZone: self.clock.timeZone)
        }
        view.showsDisputedBadge =
            invoice.openDispute != nil && invoice.displayStatus(today: self.clock.today) != .disputed
        view.corrections = try await store.invoices.corrections(of: invoice.id).filter { $0.number != nil }.map(
            CorrectionRow.init)
        if invoice.amountCredited.isPositive { view.amountCredited = invoice.amountCredited.formatted() }
        return try self.pages.render(view)
    }

    /// Pays what the wallet's balance covers of the invoice, then shows the invoice again.
    @Sendable func payFromWallet(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        _ = try await self.wallet.pay(invoice.id, actor: context.actor)
        return Redirect.to("/portal/invoices/\(invoice.id.rawValue)?payment=wallet")
    }
}
