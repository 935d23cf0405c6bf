// Renders a one-page, ten-line invoice many times and prints PDFs per second and the file size.
import BillfoldCore
import BillfoldDocuments
import Foundation

/// Builds the invoice the measurement renders: ten lines, intra-state GST, finalized.
private func sampleInvoice() throws -> Invoice {
    let supplier = Supplier(
        name: "Nimbus Cloud", legalName: "Nimbus Cloud Platforms Private Limited", email: "billing@nimbus.example",
        gstin: try GSTIN("29AAGCN4821K1Z5"),
        address: Address(
            line1: "4th Floor, Prestige Tech Park", line2: "Outer Ring Road", city: "Bengaluru", stateCode: "29",
            pin: "560103", country: "IN"),
        letterOfUndertaking: nil)
    let workspace = Workspace(
        id: WorkspaceID(rawValue: "ws_bench"), name: "Chai Labs", legalName: "Chai Labs Private Limited",
        email: "accounts@chailabs.example", gstin: try GSTIN("29AAACB1234C1ZB"),
        address: Address(
            line1: "12, 3rd Cross, Indiranagar", city: "Bengaluru", stateCode: "29", pin: "560038", country: "IN"),
        billingMode: .postpaid, paymentTermsDays: 15, autoPay: false, serviceState: .active, currency: .inr,
        createdAt: Date(timeIntervalSince1970: 1_795_000_000))
    let start = CalendarDate(year: 2026, month: 11, day: 1)!
    let end = CalendarDate(year: 2026, month: 11, day: 30)!
    let lines = try (0..<10).map { index in
        try InvoiceLine.priced(
            category: .usage, resourceType: "pod", resourceName: "service-\(index)",
            description: "Kubernetes pod, 2 vCPU", periodStart: start, periodEnd: end,
            quantity: FixedDecimal("\(720 + index * 13).5")!, unit: "vCPU-hour", unitPrice: FixedDecimal("2.40")!,
            currency: .inr, sac: "998315")
    }
    var invoice = Invoice.draft(
        id: InvoiceID(rawValue: "inv_bench"), kind: .invoice, workspace: workspace, supplier: supplier,
        subscriptionID: nil, periodStart: start, periodEnd: end, description: "Growth - Monthly", lines: lines,
        createdAt: Date(timeIntervalSince1970: 1_795_000_000))
    try invoice.finalize(number: "INV/26-27/000042", issueDate: end.adding(days: 1), paymentTermsDays: 15)
    return invoice
}

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 2_000 : 2_000
let invoice = try sampleInvoice()
let only = arguments.count > 2 ? arguments[2] : nil
for (label, fonts) in [("DejaVu subset", FontSet.discovered()), ("Helvetica", FontSet.standard)]
where only == nil || label.lowercased().hasPrefix(only!) {
    let renderer = DocumentRenderer(fonts: fonts)
    let first = try renderer.invoicePDF(invoice)
    let clock = ContinuousClock()
    var bytes = 0
    let elapsed = try clock.measure {
        for _ in 0..<count { bytes &+= try renderer.invoicePDF(invoice).count }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(count) / seconds
    print(
        "\(label): \(count) invoices in \(String(format: "%.3f", seconds)) s, \(Int(rate)) PDFs/s, \(first.count) bytes each"
    )
}
