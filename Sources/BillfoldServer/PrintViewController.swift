import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird
import Mustache

/// The portal's templates and stylesheet, read once from the module's resources.
enum PortalResources {
    static let directory: URL? = Bundle.module.bundleURL.appendingPathComponent("Resources")

    /// Every `Templates/*.mustache`, by name without the extension.
    static let templates: MustacheLibrary = {
        var library = MustacheLibrary()
        guard let folder = directory?.appendingPathComponent("Templates"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return library }
        for name in names.sorted() where name.hasSuffix(".mustache") {
            guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8),
                let template = try? MustacheTemplate(string: text)
            else { continue }
            library.register(template, named: String(name.dropLast(".mustache".count)))
        }
        return library
    }()

    static let stylesheet: ByteBuffer? = {
        guard let url = directory?.appendingPathComponent("Public/billfold.css"), let data = try? Data(contentsOf: url)
        else { return nil }
        return ByteBuffer(bytes: data)
    }()

    /// `template` rendered with `object` as an HTML page.
    static func page(_ template: String, _ object: Any) throws -> Response {
        guard let html = self.templates.render(object, withTemplate: template) else {
            throw APIError(
                .internalServerError, .internalError, code: "template_missing",
                message: "this build of Billfold was made without its \(template) template")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: .init(string: html)))
    }
}

/// `/portal/invoices/{id}/print`: a document as an HTML page with a print stylesheet, and the stylesheet itself.
struct PrintViewController {
    let database: Database
    let clock: BillingClock

    func addPublicRoutes(to portal: RouterGroup<BillfoldRequestContext>) {
        portal.get("assets/billfold.css", use: self.stylesheet)
    }

    func addRoutes(to billing: RouterGroup<BillfoldRequestContext>) {
        billing.get("invoices/:id/print", use: self.print)
    }

    @Sendable func stylesheet(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        guard let stylesheet = PortalResources.stylesheet else { throw HTTPError(.notFound) }
        return Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: stylesheet))
    }

    @Sendable func print(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        guard invoice.number != nil else {
            throw APIError(
                .conflict, .conflict, code: "invoice_not_finalized",
                message: "\(invoice.id) is a draft; only finalized documents print")
        }
        var original: String?
        if let id = invoice.originalInvoiceID, let corrected = try await self.database.store.invoices.find(id) {
            original = [corrected.number, corrected.issueDate.map(Self.date)].compactMap { $0 }.joined(
                separator: " of ")
        }
        return try PortalResources.page(
            "invoice-print",
            PrintView(invoice, original: original, today: self.clock.today, timeZone: self.clock.timeZone))
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `21 Nov 2026`.
    static func date(_ date: CalendarDate) -> String {
        "\(date.day) \(Self.months[date.month - 1]) \(date.year)"
    }

    /// `1–30 Nov 2026`, `1 Oct – 30 Nov 2026`, or two full dates across years.
    static func period(_ start: CalendarDate, _ end: CalendarDate) -> String {
        guard start.year == end.year else { return Self.date(start) + " – " + Self.date(end) }
        guard start.month == end.month else {
            return "\(start.day) \(Self.months[start.month - 1]) – " + Self.date(end)
        }
        return "\(start.day)–" + Self.date(end)
    }
}

/// What the print template shows, every value formatted for people.
struct PrintView {
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
            self.addressLines = [
                address.line1, address.line2, "\(address.city) \(address.pin)", state,
                address.isInIndia ? nil : address.country,
            ].compactMap { $0 }
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

    init(_ invoice: Invoice, original: String?, today: CalendarDate, timeZone: TimeZone) {
        let date = PrintViewController.date
        self.id = invoice.id.rawValue
        self.title =
            switch invoice.kind {
            case .invoice: "Tax Invoice"
            case .creditNote: "Credit Note"
            case .receipt: "Receipt"
            }
        self.number = invoice.number ?? ""
        self.issueDate = invoice.issueDate.map(date) ?? ""
        self.dueDate = invoice.kind == .invoice ? invoice.dueDate.map(date) : nil
        self.period = PrintViewController.period(invoice.periodStart, invoice.periodEnd)
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
                period: PrintViewController.period(line.periodStart, line.periodEnd),
                quantity: line.quantity.description,
                unit: line.unit, rate: line.unitPrice.description, amount: line.amount.formatted())
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
                date: date(CalendarDate(payment.paidAt ?? payment.createdAt, in: timeZone)),
                method: payment.method.rawValue.replacingOccurrences(of: "_", with: " ").capitalized,
                reference: payment.reference, amount: payment.amount.formatted())
        }
        self.hasPayments = !self.payments.isEmpty
        self.endorsement = invoice.tax.endorsement
    }
}
