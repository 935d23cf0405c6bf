import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/portal/invoices/{id}/print`: a document as an HTML page with a print stylesheet, and the stylesheet itself.
struct PrintViewController {
    let database: Database
    let clock: BillingClock
    let payments: PaymentService
    let templates: PageTemplates

    func addPublicRoutes(to portal: RouterGroup<BillfoldRequestContext>) {
        portal.get("assets/billfold.css", use: self.stylesheet)
    }

    func addRoutes(to billing: RouterGroup<BillfoldRequestContext>) {
        billing.get("invoices/:id/print", use: self.print)
    }

    @Sendable func stylesheet(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        guard let stylesheet = BundledResources.stylesheet else { throw HTTPError(.notFound) }
        return Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: stylesheet))
    }

    @Sendable func print(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        guard invoice.number != nil else { throw APIError.notFinalized(invoice.id.rawValue) }
        var original: String?
        if let id = invoice.originalInvoiceID, let corrected = try await self.database.store.invoices.find(id) {
            original = [corrected.number, corrected.issueDate.map(\.printed)].compactMap { $0 }.joined(
                separator: " of ")
        }
        var view = PrintView(
            invoice, original: original, today: self.clock.today, timeZone: self.clock.timeZone,
            takesOnlinePayments: self.payments.takesOnlinePayments)
        if !self.payments.takesOnlinePayments, invoice.isPayable(online: false, today: self.clock.today) {
            // Without Pay Now, the printed invoice says how to pay it.
            let supplier = try await self.database.store.supplier.find()
            let options = PaymentOptions(
                takesOnlinePayments: false, walletBalance: .zero(invoice.currency), isPrepaid: false,
                supplierName: supplier?.legalName ?? invoice.supplier.legalName,
                supplierEmail: supplier?.email ?? invoice.supplier.email)
            view.paymentInstructions = options.otherWaysToPay(reference: invoice.number)?.bankTransferSentence
        }
        if case .member(let session, _) = context.caller {
            view.csrfToken = try await FormTokens(database: self.database, clock: self.clock).token(for: session.id)
        }
        return try self.templates.page(view)
    }
}

/// What the print template shows, every value formatted for people.
struct PrintView: PageView {
    static let template = "invoice-print"

    struct Party {
        let name: String
        let legalName: String
        let gstin: String?
        let addressLines: [String]

        init(_ snapshot: PartySnapshot) {
            self.name = snapshot.name
            self.legalName = snapshot.legalName
            self.gstin = snapshot.gstin
            let address = snapshot.address
            let state = address.stateCode.flatMap(StateCode.init(code:)).map { "\($0.name) (\($0.code))" }
            // The state sits above the country, which only an address abroad prints.
            var lines = address.printedLines
            if let state { lines.insert(state, at: address.isInIndia ? lines.endIndex : lines.endIndex - 1) }
            self.addressLines = lines
        }
    }

    struct Line {
        let position: Int
        let description: String
        let resourceName: String?
        let sac: String
        let period: String
        let quantity: String
        let unit: String
        let rate: String
        let amount: String
    }

    struct Tax {
        let head: String
        let rate: String
        let taxable: String
        let amount: String
    }

    struct PaymentRow {
        let date: String
        let method: String
        let reference: String?
        let amount: String
    }

    let id: String
    let title: String
    let number: String
    let issueDate: String
    let dueDate: String?
    let period: String
    let original: String?
    let supplier: Party
    let customer: Party
    let placeOfSupply: String
    let status: String
    let statusLabel: String
    let lines: [Line]
    let taxes: [Tax]
    let subtotal: String
    let taxTotal: String
    let total: String
    let amountPaid: String
    let amountDue: String
    let amountInWords: String
    let hasPayments: Bool
    let payments: [PaymentRow]
    let endorsement: String?
    /// Whether Pay Now is offered: a gateway takes payments, an open invoice, no attempt in flight, at least the
    /// gateway's ₹1 due.
    let canPay: Bool
    /// The token Pay Now's form carries, for a member's session.
    var csrfToken: String?
    /// How to pay when there is no Pay Now: a bank transfer, and whom to ask for the account.
    var paymentInstructions: String?

    init(_ invoice: Invoice, original: String?, today: CalendarDate, timeZone: TimeZone, takesOnlinePayments: Bool) {
        self.id = invoice.id.rawValue
        self.title =
            switch invoice.kind {
            case .invoice: "Tax Invoice"
            case .creditNote: invoice.correction?.adjustsGST == false ? "Commercial Credit Note" : "Credit Note"
            case .debitNote: "Debit Note"
            case .receipt: "Receipt"
            }
        self.number = invoice.number ?? ""
        self.issueDate = invoice.issueDate.map(\.printed) ?? ""
        self.dueDate = invoice.kind == .invoice || invoice.kind == .debitNote ? invoice.dueDate.map(\.printed) : nil
        self.period = CalendarDate.printedPeriod(from: invoice.periodStart, to: invoice.periodEnd)
        self.original = original
        self.supplier = Party(invoice.supplier)
        self.customer = Party(invoice.customer)
        self.placeOfSupply = invoice.placeOfSupply.map { "\($0.name) (\($0.code))" } ?? "Outside India (96)"
        let status = invoice.displayStatus(today: today)
        self.status = status.rawValue
        self.statusLabel = status.rawValue.prefix(1).uppercased() + status.rawValue.dropFirst()
        self.lines = invoice.lines.enumerated().map { index, line in
            Line(
                position: index + 1, description: line.description,
                resourceName: line.resourceName == line.description ? nil : line.resourceName, sac: line.sac,
                period: CalendarDate.printedPeriod(from: line.periodStart, to: line.periodEnd),
                quantity: line.quantity.description,
                unit: line.unit, rate: line.unitPrice.printedPrice, amount: line.amount.formatted())
        }
        self.taxes = invoice.tax.heads.map { head in
            Tax(
                head: head.head.rawValue.uppercased(), rate: InvoiceResponse.percent(head.rateBasisPoints) + "%",
                taxable: head.taxableAmount.formatted(), amount: head.amount.formatted())
        }
        self.subtotal = invoice.subtotal.formatted()
        self.taxTotal = invoice.tax.total.formatted()
        self.total = invoice.total.formatted()
        self.amountPaid = invoice.amountPaid.formatted()
        self.amountDue = invoice.amountDue.formatted()
        self.amountInWords = AmountInWords.words(for: invoice.total)
        self.payments = invoice.payments.filter { $0.status == .succeeded }.map { payment in
            PaymentRow(
                date: CalendarDate(payment.paidAt ?? payment.createdAt, in: timeZone).printed,
                method: payment.method.displayName,
                reference: payment.reference, amount: payment.amount.formatted())
        }
        self.hasPayments = !self.payments.isEmpty
        self.endorsement = invoice.endorsement
        self.canPay = takesOnlinePayments && invoice.isPayable(online: true, today: today)
    }
}
