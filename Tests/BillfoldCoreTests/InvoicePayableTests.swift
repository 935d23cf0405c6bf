import BillfoldCore
import Testing

@Suite("Whether a document can be paid")
struct InvoicePayableTests {
    static func rupees(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .inr) }

    @Test(
        "an open tax invoice with no attempt in flight can be paid: any amount due another way, ₹1 or more online",
        arguments: [
            (
                DocumentKind.invoice, InvoiceDisplayStatus.pending, 118_000 as Int64, nil as Invoice.PaymentRefusal?,
                nil as Invoice.PaymentRefusal?
            ),
            (.invoice, .overdue, 118_000, nil, nil),
            (.invoice, .failed, 118_000, nil, nil),
            (.invoice, .pending, 100, nil, nil),
            (.invoice, .pending, 99, nil, .tooLittleDue),
            (.invoice, .overdue, 1, nil, .tooLittleDue),
            (.invoice, .pending, 0, .tooLittleDue, .tooLittleDue),
            (.invoice, .processing, 118_000, .attemptInFlight, .attemptInFlight),
            (.invoice, .draft, 118_000, .notOpen, .notOpen),
            (.invoice, .paid, 0, .notOpen, .notOpen),
            (.invoice, .cancelled, 0, .notOpen, .notOpen),
            (.receipt, .pending, 118_000, .notOpen, .notOpen),
            (.receipt, .paid, 0, .notOpen, .notOpen),
            (.creditNote, .pending, 118_000, .notOpen, .notOpen),
        ])
    func rule(
        kind: DocumentKind, status: InvoiceDisplayStatus, due: Int64, otherwise: Invoice.PaymentRefusal?,
        online: Invoice.PaymentRefusal?
    ) {
        let amountDue = Self.rupees(due)
        #expect(Invoice.paymentRefusal(kind: kind, status: status, amountDue: amountDue, online: false) == otherwise)
        #expect(Invoice.paymentRefusal(kind: kind, status: status, amountDue: amountDue, online: true) == online)
        #expect(
            Invoice.isPayable(kind: kind, status: status, amountDue: amountDue, online: false) == (otherwise == nil))
        #expect(Invoice.isPayable(kind: kind, status: status, amountDue: amountDue, online: true) == (online == nil))
    }

    @Test("a whole document answers as its billing-history row does, whatever the day")
    func documentAgreesWithItsRow() throws {
        let today = try #require(CalendarDate(iso8601: "2026-11-20"))
        let workspace = Workspace(
            id: .generate(), name: "Acme", legalName: "Acme Private Limited", email: "billing@acme.example",
            gstin: nil,
            address: Address(line1: "2 Residency Road", city: "City", stateCode: "29", pin: "560025", country: "IN"),
            billingMode: .postpaid, paymentTermsDays: 15, autoPay: false, serviceState: .active, currency: .inr,
            createdAt: today.start(in: .gmt))
        let supplier = Supplier(
            name: "Test Cloud", legalName: "Test Cloud Private Limited", email: "billing@testcloud.example",
            gstin: try GSTIN("29AAGCN4821K1Z5"),
            address: Address(line1: "1 MG Road", city: "Bengaluru", stateCode: "29", pin: "560001", country: "IN"),
            letterOfUndertaking: nil)
        let line = try InvoiceLine.priced(
            category: .platformFee, resourceType: "platform", resourceName: "Growth", description: "Platform fee",
            periodStart: today, periodEnd: today, quantity: FixedDecimal(1), unit: "month",
            unitPrice: FixedDecimal(1000), currency: .inr, sac: "998315")
        var invoice = Invoice.draft(
            kind: .invoice, workspace: workspace, supplier: supplier, subscriptionID: nil, periodStart: today,
            periodEnd: today, description: "Growth - Monthly", lines: [line], createdAt: today.start(in: .gmt))
        #expect(invoice.paymentRefusal(online: false, today: today) == .notOpen)
        try invoice.finalize(number: "INV/26-27/000001", issueDate: today, paymentTermsDays: 15)
        for day in [today, today.adding(days: 30)] {
            let row = InvoiceDisplayStatus.derive(
                state: invoice.state, hasAttemptInFlight: false, lastAttemptFailed: false, dueDate: invoice.dueDate,
                today: day)
            #expect(invoice.isPayable(online: true, today: day))
            #expect(Invoice.isPayable(kind: .invoice, status: row, amountDue: invoice.amountDue, online: true))
        }
        invoice.payments.append(
            Payment(
                id: .generate(), invoiceID: invoice.id, method: .gateway, provider: "sandbox", status: .processing,
                amount: invoice.amountDue, reference: nil, failureReason: nil, createdAt: today.start(in: .gmt),
                paidAt: nil))
        #expect(invoice.paymentRefusal(online: false, today: today) == .attemptInFlight)
    }
}
