import ArgumentParser
import BillfoldCore
import BillfoldDocuments
import BillfoldStore
import Foundation
import Logging

/// The invoice `billfold-bench pdf` renders, with the supplier and the workspace it was issued between, so the same
/// document can also be stored and shown by `billfold serve` for other renderers to print.
struct SampleInvoice {
    let supplier: Supplier
    let workspace: Workspace
    let invoice: Invoice
    let payment: Payment

    static let apiKey = "bf_bench_operator_key_0000000000000000000000"

    static let periodStart = CalendarDate(year: 2026, month: 11, day: 1)!
    static let periodEnd = CalendarDate(year: 2026, month: 11, day: 30)!

    /// November's ten lines of Kubernetes pods.
    static func lines() throws -> [InvoiceLine] {
        try (0..<10).map { index in
            try InvoiceLine.priced(
                category: .usage, resourceType: "pod", resourceName: "service-\(index)",
                description: "Kubernetes pod, 2 vCPU", periodStart: Self.periodStart, periodEnd: Self.periodEnd,
                quantity: FixedDecimal("\(720 + index * 13).5")!, unit: "vCPU-hour", unitPrice: FixedDecimal("2.40")!,
                currency: .inr, sac: "998315")
        }
    }

    /// Ten lines of usage, intra-state GST, finalized, and paid in full by bank transfer.
    static func make() throws -> SampleInvoice {
        let supplier = Supplier(
            name: "Nimbus Cloud", legalName: "Nimbus Cloud Platforms Private Limited", email: "billing@nimbus.example",
            gstin: try GSTIN("29AAGCN4821K1Z5"),
            address: Address(
                line1: "4th Floor, Prestige Tech Park", line2: "Outer Ring Road", city: "Bengaluru", stateCode: "29",
                pin: "560103", country: "IN"),
            letterOfUndertaking: nil)
        let createdAt = Date(timeIntervalSince1970: 1_795_000_000)
        let workspace = Workspace(
            id: WorkspaceID(rawValue: "ws_bench"), name: "Chai Labs", legalName: "Chai Labs Private Limited",
            email: "accounts@chailabs.example", gstin: try GSTIN("29AAACB1234C1ZB"),
            address: Address(
                line1: "12, 3rd Cross, Indiranagar", city: "Bengaluru", stateCode: "29", pin: "560038", country: "IN"),
            billingMode: .postpaid, paymentTermsDays: 15, autoPay: false, serviceState: .active, currency: .inr,
            createdAt: createdAt)
        let start = Self.periodStart
        let end = Self.periodEnd
        let lines = try Self.lines()
        var invoice = Invoice.draft(
            id: InvoiceID(rawValue: "inv_bench"), kind: .invoice, workspace: workspace, supplier: supplier,
            subscriptionID: nil, periodStart: start, periodEnd: end, description: "Growth - Monthly", lines: lines,
            createdAt: createdAt)
        let issueDate = end.adding(days: 1)
        try invoice.finalize(number: "INV/26-27/000042", issueDate: issueDate, paymentTermsDays: 15)
        let paidAt = issueDate.adding(days: 4).start(in: .indiaStandardTime).addingTimeInterval(12 * 3600)
        let payment = Payment(
            id: PaymentID(rawValue: "pay_bench"), invoiceID: invoice.id, method: .bankTransfer, provider: "manual",
            status: .succeeded, amount: invoice.amountDue, reference: "NEFT-HDFC-26120500042", failureReason: nil,
            createdAt: paidAt, paidAt: paidAt)
        try invoice.recordPayment(payment.amount)
        invoice.payments.append(payment)
        return SampleInvoice(supplier: supplier, workspace: workspace, invoice: invoice, payment: payment)
    }

    /// Stores the invoice in a throwaway SQLite database, has the `billfold` built next to `billfold-bench` serve it,
    /// and saves its print view (stylesheet inlined, so a browser needs nothing else) to `html` and its API JSON to
    /// `json`.
    ///
    /// The stored invoice must render to the same bytes as `pdf`, so what is saved is the document measured.
    func savePrintView(html: String?, json: String?, renderedAs pdf: [UInt8], fonts: FontSet) async throws {
        let directory = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sample.sqlite").path
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .warning
        try await Database.withOpen(.sqlite(path: path), logger: logger) { database in
            try await Migrations.run(on: database)
            try await database.inTransaction { store in
                try await store.supplier.save(self.supplier)
                try await store.workspaces.create(self.workspace)
                try await store.invoices.create(self.invoice)
                try await store.payments.create(self.payment)
            }
            guard let stored = try await database.store.invoices.find(self.invoice.id),
                try DocumentRenderer(fonts: fonts).invoicePDF(stored) == pdf
            else {
                throw ValidationError("the sample invoice, stored and read back, no longer renders to the same PDF")
            }
        }

        let server = try await BenchServer.start(database: path, apiKey: Self.apiKey)
        defer { server.stop() }
        let client = APIClient(baseURL: server.url, apiKey: Self.apiKey, directory: directory)
        if let html {
            let printView = try await client.get("/portal/invoices/\(self.invoice.id)/print")
            let page = String(decoding: printView, as: UTF8.self)
            let stylesheet = String(decoding: try await client.get("/portal/assets/billfold.css"), as: UTF8.self)
            let link = #"<link rel="stylesheet" href="/portal/assets/billfold.css">"#
            guard page.contains(link) else {
                throw ValidationError("the print view no longer links /portal/assets/billfold.css as expected: \(link)")
            }
            let inlined = page.replacingOccurrences(of: link, with: "<style>\n" + stylesheet + "</style>")
            try Data(inlined.utf8).write(to: URL(fileURLWithPath: html))
        }
        if let json {
            try await client.get("/api/v1/invoices/\(self.invoice.id)").write(to: URL(fileURLWithPath: json))
        }
    }
}
