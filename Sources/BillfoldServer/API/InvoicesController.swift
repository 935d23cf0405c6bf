import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/invoices`: the billing history and each document in full.
struct InvoicesController {
    let database: Database
    let clock: BillingClock

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.get("invoices", use: self.list)
        group.get("invoices/summary", use: self.summary)
        group.get("invoices/export.csv", use: self.export)
        group.get("invoices/:id", use: self.get)
    }

    struct BucketResponse: Encodable {
        let count: Int
        let amount: Int64

        init(_ figure: InvoiceTotals.Figure) {
            self.count = figure.count
            self.amount = figure.amount.minorUnits
        }
    }

    struct StatusResponse: Encodable {
        let kind: String
        let status: String
        let count: Int
        let total: Int64
        let amountPaid: Int64
        let amountDue: Int64
    }

    struct CurrencySummaryResponse: Encodable {
        let currency: String
        /// Paid invoices and what was paid on them.
        let paid: BucketResponse
        /// Invoices awaiting payment and not yet past due (pending, processing, failed), and what is due on them.
        let pending: BucketResponse
        /// Invoices past their due date, and what is due on them.
        let overdue: BucketResponse
        /// Invoices under an open dispute, whatever their due date, and what is due on them.
        let disputed: BucketResponse
        /// Wallet top-ups received: paid receipts and their totals.
        let walletTopUps: BucketResponse
        /// Credit notes issued and their totals.
        let creditNotes: BucketResponse
        /// Every kind and display status the filter kept.
        let byStatus: [StatusResponse]
    }

    struct SummaryResponse: Encodable {
        let object = "invoice_summary"
        let currencies: [CurrencySummaryResponse]

        private enum CodingKeys: String, CodingKey {
            case object, currencies
        }
    }

    /// Total paid, pending and overdue invoices, with counts, per currency, under the list's filters; wallet top-ups
    /// and credit notes beside them.
    @Sendable func summary(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let filter = try Self.filter(from: request.uri.queryParameters, context: context)
        let rows = try await self.database.store.invoices.summary(filter, today: self.clock.today)
        let currencies = Dictionary(grouping: rows, by: \.currency).sorted { $0.key.code < $1.key.code }.map {
            currency, rows in
            let totals = InvoiceTotals(rows, currency: currency)
            return CurrencySummaryResponse(
                currency: currency.code, paid: BucketResponse(totals.paid), pending: BucketResponse(totals.pending),
                overdue: BucketResponse(totals.overdue), disputed: BucketResponse(totals.disputed),
                walletTopUps: BucketResponse(totals.walletTopUps),
                creditNotes: BucketResponse(totals.creditNotes),
                byStatus: rows.map {
                    StatusResponse(
                        kind: $0.kind.rawValue, status: $0.status.rawValue, count: $0.count,
                        total: $0.total.minorUnits, amountPaid: $0.amountPaid.minorUnits,
                        amountDue: $0.amountDue.minorUnits)
                })
        }
        return try JSONCoding.response(SummaryResponse(currencies: currencies))
    }

    /// The header of the CSV export.
    static let csvColumns = [
        "number", "kind", "issue_date", "period_start", "period_end", "description", "services", "taxable", "cgst",
        "sgst", "utgst", "igst", "total", "paid", "due", "status",
    ]

    /// The filtered billing history as RFC 4180 CSV, newest first, streamed page by page so that no export sits in
    /// memory whole. Amounts are in each document's currency units with two decimals.
    @Sendable func export(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let filter = try Self.filter(from: request.uri.queryParameters, context: context)
        let store = self.database.store
        let today = self.clock.today
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: Self.csvColumns.joined(separator: ",") + "\r\n"))
            var after: InvoiceID?
            while true {
                let page = try await store.invoices.list(filter, today: today, limit: 500, startingAfter: after)
                guard let last = page.last else { break }
                var text = ""
                for item in page { text += Self.csvRow(item) }
                try await writer.write(ByteBuffer(string: text))
                after = last.id
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"invoices.csv\"",
            ],
            body: body)
    }

    static func csvRow(_ item: InvoiceListItem) -> String {
        let fields = [
            item.number ?? "", item.kind.rawValue, item.issueDate?.description ?? "", item.periodStart.description,
            item.periodEnd.description, item.description, String(item.servicesCount), item.subtotal.decimalString,
            item.cgst.decimalString, item.sgst.decimalString, item.utgst.decimalString, item.igst.decimalString,
            item.total.decimalString, item.amountPaid.decimalString, item.amountDue.decimalString,
            item.status.rawValue,
        ]
        return fields.map(Self.csvField).joined(separator: ",") + "\r\n"
    }

    /// A field quoted when it holds a comma, a quote or a line break, with quotes doubled (RFC 4180).
    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let filter = try Self.filter(from: query, context: context)
        let limit = try Validate.limit(query.get("limit"))
        let startingAfter = try query.get("starting_after").map {
            try Validate.identifier($0, as: InvoiceID.self, param: "starting_after")
        }
        let store = self.database.store
        if let startingAfter {
            guard let invoice = try await store.invoices.find(startingAfter) else {
                throw APIError.notFound("invoice", id: startingAfter.rawValue, param: "starting_after")
            }
            try context.requireVisible(
                invoice.workspaceID, "invoice", id: startingAfter.rawValue, param: "starting_after")
        }
        let items = try await store.invoices.list(
            filter, today: self.clock.today, limit: limit + 1, startingAfter: startingAfter)
        let page = ListResponse(
            data: items.prefix(limit).map(InvoiceSummaryResponse.init), hasMore: items.count > limit)
        return JSONCoding.response(json: page.json)
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await Self.invoice(in: context, from: self.database)
        return try await Self.detail(invoice, database: self.database, today: self.clock.today)
    }

    /// A document in full, with its refunds, its auto-pay debit, and the credit and debit notes that correct it.
    static func detail(_ invoice: Invoice, database: Database, today: CalendarDate) async throws -> Response {
        let store = database.store
        let refunds = try await store.refunds.list(for: invoice.id)
        let autoPay = try await store.autoPayCharges.find(invoiceID: invoice.id)
        let notes = try await store.invoices.corrections(of: invoice.id)
        return try JSONCoding.response(
            InvoiceResponse(invoice, today: today, refunds: refunds, autoPay: autoPay, corrections: notes))
    }

    /// The document the route's `:id` names, or a 404; a member finds only their own workspace's.
    static func invoice(in context: BillfoldRequestContext, from database: Database) async throws -> Invoice {
        let raw = try context.parameters.require("id")
        guard let id = InvoiceID(validating: raw), let invoice = try await database.store.invoices.find(id) else {
            throw APIError.notFound("invoice", id: raw)
        }
        try context.requireVisible(invoice.workspaceID, "invoice", id: raw)
        return invoice
    }

    /// The filters of the list, the summary and the export: `workspace_id`, `status`, `from`, `to`, `q`, `kind`.
    /// A member's filter always keeps to their own workspace.
    static func filter(from query: Parameters, context: BillfoldRequestContext) throws -> InvoiceFilter {
        var filter = InvoiceFilter()
        if let workspace = query.get("workspace_id") {
            let id = try Validate.identifier(workspace, as: WorkspaceID.self, param: "workspace_id")
            try context.requireVisible(id, "workspace", id: workspace, param: "workspace_id")
            filter.workspaceID = id
        }
        if let own = context.memberWorkspace { filter.workspaceID = own }
        for value in query.getAll("status").flatMap({ $0.split(separator: ",") }) {
            let status: InvoiceDisplayStatus = try Validate.enumeration(
                value.trimmingCharacters(in: .whitespaces), param: "status")
            filter.statuses.insert(status)
        }
        for value in query.getAll("kind").flatMap({ $0.split(separator: ",") }) {
            let kind: DocumentKind = try Validate.enumeration(value.trimmingCharacters(in: .whitespaces), param: "kind")
            filter.kinds.insert(kind)
        }
        filter.from = try Validate.date(query.get("from"), param: "from")
        filter.to = try Validate.date(query.get("to"), param: "to")
        if let from = filter.from, let to = filter.to, to < from {
            throw APIError.backwards(from: from, to: to)
        }
        if let text = query.get("q") {
            filter.query = try Validate.text(text, param: "q", maximumLength: 100, allowsBlank: true)
        }
        return filter
    }
}

/// Tax by head, as the list and the detail show it.
struct TaxTotalsResponse: Encodable {
    let cgst: Int64
    let sgst: Int64
    let utgst: Int64
    let igst: Int64
    let total: Int64
}

/// One row of the billing history.
struct InvoiceSummaryResponse: Encodable {
    let object = "invoice"
    let id: String
    let number: String?
    let kind: String
    let workspaceId: String
    let status: String
    let issueDate: String?
    let dueDate: String?
    let periodStart: String
    let periodEnd: String
    let description: String
    let currency: String
    let platformFee: Int64
    let creditsFee: Int64
    let servicesCount: Int
    let subtotal: Int64
    let tax: TaxTotalsResponse
    let total: Int64
    let amountPaid: Int64
    let amountDue: Int64
    let placeOfSupply: String?

    init(_ item: InvoiceListItem) {
        self.id = item.id.rawValue
        self.number = item.number
        self.kind = item.kind.rawValue
        self.workspaceId = item.workspaceID.rawValue
        self.status = item.status.rawValue
        self.issueDate = item.issueDate?.description
        self.dueDate = item.dueDate?.description
        self.periodStart = item.periodStart.description
        self.periodEnd = item.periodEnd.description
        self.description = item.description
        self.currency = item.currency.code
        self.platformFee = item.platformFee.minorUnits
        self.creditsFee = item.creditsFee.minorUnits
        self.servicesCount = item.servicesCount
        self.subtotal = item.subtotal.minorUnits
        self.tax = TaxTotalsResponse(
            cgst: item.cgst.minorUnits, sgst: item.sgst.minorUnits, utgst: item.utgst.minorUnits,
            igst: item.igst.minorUnits, total: item.taxTotal.minorUnits)
        self.total = item.total.minorUnits
        self.amountPaid = item.amountPaid.minorUnits
        self.amountDue = item.amountDue.minorUnits
        self.placeOfSupply = item.placeOfSupply
    }

    /// Spelled in `snake_case` already, so the list can be encoded without converting every key of every row.
    private enum CodingKeys: String, CodingKey {
        case object, id, number, kind, status, description, currency, subtotal, tax, total
        case workspaceId = "workspace_id"
        case issueDate = "issue_date"
        case dueDate = "due_date"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case platformFee = "platform_fee"
        case creditsFee = "credits_fee"
        case servicesCount = "services_count"
        case amountPaid = "amount_paid"
        case amountDue = "amount_due"
        case placeOfSupply = "place_of_supply"
    }
}

extension InvoiceSummaryResponse {
    /// Appends the row's JSON, written by hand, to `json`: the list's hottest path, where `JSONEncoder` took a
    /// fifth of a request. Byte for byte what `JSONEncoder` writes with sorted keys (a test holds the two equal):
    /// keys in order, and a field without a value left out.
    func write(to json: inout [UInt8]) {
        func text(_ key: String, _ value: String?) {
            guard let value else { return }
            json.append(contentsOf: key.utf8)
            JSONText.appendQuoted(value, to: &json)
        }
        func integer(_ key: String, _ value: Int64) {
            json.append(contentsOf: key.utf8)
            JSONText.appendInteger(value, to: &json)
        }
        integer("{\"amount_due\":", self.amountDue)
        integer(",\"amount_paid\":", self.amountPaid)
        integer(",\"credits_fee\":", self.creditsFee)
        text(",\"currency\":", self.currency)
        text(",\"description\":", self.description)
        text(",\"due_date\":", self.dueDate)
        text(",\"id\":", self.id)
        text(",\"issue_date\":", self.issueDate)
        text(",\"kind\":", self.kind)
        text(",\"number\":", self.number)
        text(",\"object\":", self.object)
        text(",\"period_end\":", self.periodEnd)
        text(",\"period_start\":", self.periodStart)
        text(",\"place_of_supply\":", self.placeOfSupply)
        integer(",\"platform_fee\":", self.platformFee)
        integer(",\"services_count\":", Int64(self.servicesCount))
        text(",\"status\":", self.status)
        integer(",\"subtotal\":", self.subtotal)
        integer(",\"tax\":{\"cgst\":", self.tax.cgst)
        integer(",\"igst\":", self.tax.igst)
        integer(",\"sgst\":", self.tax.sgst)
        integer(",\"total\":", self.tax.total)
        integer(",\"utgst\":", self.tax.utgst)
        integer("},\"total\":", self.total)
        text(",\"workspace_id\":", self.workspaceId)
        json.append(UInt8(ascii: "}"))
    }
}

extension ListResponse<InvoiceSummaryResponse> {
    /// The page as UTF-8 JSON, written by hand as its rows are (see `InvoiceSummaryResponse.write(to:)`).
    var json: [UInt8] {
        // About 600 bytes a row: reserved once, the page is written without growing the buffer.
        var json: [UInt8] = []
        json.reserveCapacity(64 + 640 * self.data.count)
        json.append(contentsOf: "{\"data\":[".utf8)
        for (index, row) in self.data.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            row.write(to: &json)
        }
        json.append(
            contentsOf: (self.hasMore ? "],\"has_more\":true,\"object\":" : "],\"has_more\":false,\"object\":").utf8)
        JSONText.appendQuoted(self.object, to: &json)
        json.append(UInt8(ascii: "}"))
        return json
    }
}

/// A document in full: the list row's fields, then parties, lines, tax by head and rate, payments, and what
/// corrections and disputes did to it.
struct InvoiceResponse: Encodable {
    struct PartyResponse: Encodable {
        let name: String
        let legalName: String
        let email: String
        let gstin: String?
        let address: WorkspaceResponse.AddressResponse
        /// The supplier's Letter of Undertaking (ARN) as it stood at finalization; absent for the customer.
        let letterOfUndertaking: String?
    }

    struct TaxLineResponse: Encodable {
        let head: String
        let rate: String
        let taxableAmount: Int64
        let amount: Int64
    }

    struct LineResponse: Encodable {
        let category: String
        let resourceType: String
        let resourceName: String
        let description: String
        let periodStart: String
        let periodEnd: String
        let quantity: String
        let unit: String
        let unitPrice: String
        let amount: Int64
        let sac: String
        let gstRate: String
    }

    struct PaymentResponse: Encodable {
        let object = "payment"
        let id: String
        let invoiceId: String
        let method: String
        let provider: String
        let status: String
        let amount: Int64
        let currency: String
        let reference: String?
        let failureReason: String?
        let gatewayOrderId: String?
        let createdAt: String
        let paidAt: String?

        private enum CodingKeys: String, CodingKey {
            case object, id, invoiceId, method, provider, status, amount, currency, reference, failureReason
            case gatewayOrderId, createdAt, paidAt
        }
    }

    struct RefundResponse: Encodable {
        let object = "refund"
        let id: String
        let paymentId: String?
        let creditNoteId: String?
        /// `gateway` or `wallet`.
        let destination: String
        let amount: Int64
        let currency: String
        let status: String
        let reason: String
        let gatewayRefundId: String?
        let failureReason: String?
        let createdAt: String

        init(_ refund: Refund) {
            self.id = refund.id.rawValue
            self.paymentId = refund.paymentID?.rawValue
            self.creditNoteId = refund.creditNoteID?.rawValue
            self.destination = refund.destination.rawValue
            self.amount = refund.amount.minorUnits
            self.currency = refund.amount.currency.code
            self.status = refund.status.rawValue
            self.reason = refund.reason
            self.gatewayRefundId = refund.gatewayRefundID
            self.failureReason = refund.failureReason
            self.createdAt = Timestamp.string(refund.createdAt)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, paymentId, creditNoteId, destination, amount, currency, status, reason
            case gatewayRefundId, failureReason, createdAt
        }
    }

    /// The invoice's automatic debit under a mandate: where it stands and when it is tried next.
    struct AutoPayResponse: Encodable {
        let status: String
        let amount: Int64
        let attempts: Int
        let maximumAttempts: Int
        let notifiedAt: String
        let nextAttemptAt: String?
        let lastError: String?

        init(_ charge: AutoPayCharge) {
            self.status = charge.status.rawValue
            self.amount = charge.amount.minorUnits
            self.attempts = charge.attempts
            self.maximumAttempts = AutoPayService.maximumAttempts
            self.notifiedAt = Timestamp.string(charge.notifiedAt)
            self.nextAttemptAt = charge.status == .scheduled ? Timestamp.string(charge.nextAttemptAt) : nil
            self.lastError = charge.lastError
        }
    }

    /// The fields a document shares with its row in the list.
    struct Details: Encodable {
        let originalInvoiceId: String?
        let supplier: PartyResponse
        let customer: PartyResponse
        let placeOfSupplyName: String?
        let supplyType: String
        let reverseCharge: Bool
        let endorsement: String?
        let taxBreakdown: [TaxLineResponse]
        let amountInWords: String
        let lines: [LineResponse]
        let payments: [PaymentResponse]
        let refunds: [RefundResponse]
        let autoPay: AutoPayResponse?
    }

    /// For a credit or debit note, the invoice it corrects.
    struct CorrectionDetailsResponse: Encodable {
        let originalNumber: String
        let originalIssueDate: String
        let adjustsGST: Bool
        /// Where a credit note's value went; `null` for a debit note.
        let destination: String?

        init(_ correction: Correction) {
            self.originalNumber = correction.originalNumber
            self.originalIssueDate = correction.originalIssueDate.description
            self.adjustsGST = correction.adjustsGST
            self.destination = correction.destination?.rawValue
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.originalNumber, forKey: .originalNumber)
            try container.encode(self.originalIssueDate, forKey: .originalIssueDate)
            try container.encode(self.adjustsGST, forKey: .adjustsGST)
            try container.encode(self.destination, forKey: .destination)
        }

        private enum CodingKeys: String, CodingKey {
            case originalNumber, originalIssueDate, destination
            case adjustsGST = "adjustsGst"
        }
    }

    /// The dispute open on an invoice, and the part of it contested.
    struct OpenDisputeResponse: Encodable {
        let id: String
        let disputedAmount: Int64
    }

    /// What credit notes and disputes did to a document; `correction` and `dispute` are `null` when none applies.
    struct CorrectionFields: Encodable {
        let amountCredited: Int64
        let correction: CorrectionDetailsResponse?
        let dispute: OpenDisputeResponse?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.amountCredited, forKey: .amountCredited)
            try container.encode(self.correction, forKey: .correction)
            try container.encode(self.dispute, forKey: .dispute)
        }

        private enum CodingKeys: String, CodingKey {
            case amountCredited, correction, dispute
        }
    }

    /// A credit or debit note as the invoice it corrects lists it.
    struct NoteResponse: Encodable {
        let id: String
        let number: String?
        let issueDate: String?
        let total: Int64
        let currency: String
        /// A note issued when an invoice was voided or reversed in full adjusts GST.
        let adjustsGST: Bool
        let destination: String?

        init(_ note: Invoice) {
            self.id = note.id.rawValue
            self.number = note.number
            self.issueDate = note.issueDate?.description
            self.total = note.total.minorUnits
            self.currency = note.currency.code
            self.adjustsGST = note.correction?.adjustsGST ?? true
            self.destination = note.correction?.destination?.rawValue
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.number, forKey: .number)
            try container.encode(self.issueDate, forKey: .issueDate)
            try container.encode(self.total, forKey: .total)
            try container.encode(self.currency, forKey: .currency)
            try container.encode(self.adjustsGST, forKey: .adjustsGST)
            try container.encode(self.destination, forKey: .destination)
        }

        private enum CodingKeys: String, CodingKey {
            case id, number, issueDate, total, currency, destination
            case adjustsGST = "adjustsGst"
        }
    }

    /// The notes that correct an invoice, in the detail only.
    struct NotesResponse: Encodable {
        let creditNotes: [NoteResponse]
        let debitNotes: [NoteResponse]
        /// The total less every credit note (GST or commercial), plus every debit note.
        let netAmount: Int64

        init(_ invoice: Invoice, corrections: [Invoice]) {
            let creditNotes = corrections.filter { $0.kind == .creditNote }
            let debitNotes = corrections.filter { $0.kind == .debitNote }
            self.creditNotes = creditNotes.map(NoteResponse.init)
            self.debitNotes = debitNotes.map(NoteResponse.init)
            let currency = invoice.currency
            self.netAmount =
                (invoice.total - creditNotes.map(\.total).sum(in: currency) + debitNotes.map(\.total).sum(in: currency))
                .minorUnits
        }
    }

    let summary: InvoiceSummaryResponse
    let details: Details
    let correctionFields: CorrectionFields
    let notes: NotesResponse?

    /// `corrections`, the credit and debit notes of the invoice, are listed with its net amount when given.
    init(
        _ invoice: Invoice, today: CalendarDate, refunds: [Refund] = [], autoPay: AutoPayCharge? = nil,
        corrections: [Invoice]? = nil
    ) {
        self.correctionFields = CorrectionFields(
            amountCredited: invoice.amountCredited.minorUnits,
            correction: invoice.correction.map(CorrectionDetailsResponse.init),
            dispute: invoice.openDispute.map {
                OpenDisputeResponse(id: $0.id.rawValue, disputedAmount: $0.disputedAmount.minorUnits)
            })
        self.notes = corrections.map { NotesResponse(invoice, corrections: $0) }
        self.summary = InvoiceSummaryResponse(InvoiceListItem(invoice, today: today))
        self.details = Details(
            originalInvoiceId: invoice.originalInvoiceID?.rawValue, supplier: Self.party(invoice.supplier),
            customer: Self.party(invoice.customer), placeOfSupplyName: invoice.placeOfSupply?.name,
            supplyType: invoice.tax.supplyType.rawValue, reverseCharge: false, endorsement: invoice.endorsement,
            taxBreakdown: invoice.tax.heads.map { head in
                TaxLineResponse(
                    head: head.head.rawValue, rate: Self.percent(head.rateBasisPoints),
                    taxableAmount: head.taxableAmount.minorUnits, amount: head.amount.minorUnits)
            },
            amountInWords: AmountInWords.words(for: invoice.total),
            lines: invoice.lines.map { line in
                LineResponse(
                    category: line.category.rawValue, resourceType: line.resourceType,
                    resourceName: line.resourceName, description: line.description,
                    periodStart: line.periodStart.description, periodEnd: line.periodEnd.description,
                    quantity: line.quantity.description, unit: line.unit, unitPrice: line.unitPrice.description,
                    amount: line.amount.minorUnits, sac: line.sac, gstRate: Self.percent(line.gstRateBasisPoints))
            },
            payments: invoice.payments.map(PaymentResponse.init), refunds: refunds.map(RefundResponse.init),
            autoPay: autoPay.map(AutoPayResponse.init))
    }

    /// One flat object: the summary's keys and the details' keys side by side.
    func encode(to encoder: any Encoder) throws {
        try self.summary.encode(to: encoder)
        try self.details.encode(to: encoder)
        try self.correctionFields.encode(to: encoder)
        try self.notes?.encode(to: encoder)
    }

    /// `1800` basis points is `"18"`; `250` is `"2.5"`.
    static func percent(_ basisPoints: Int) -> String {
        FixedDecimal(scaledValue: Int64(basisPoints) * 10_000).description
    }

    static func party(_ snapshot: PartySnapshot) -> PartyResponse {
        PartyResponse(
            name: snapshot.name, legalName: snapshot.legalName, email: snapshot.email, gstin: snapshot.gstin,
            address: WorkspaceResponse.AddressResponse(snapshot.address),
            letterOfUndertaking: snapshot.letterOfUndertaking)
    }
}
