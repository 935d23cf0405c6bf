import BillfoldCore
import BillfoldDocuments
import Foundation

/// Invoices, receipts and statements built from Core values, the way the Engine builds them.
enum DocumentFixtures {
    static let createdAt = Date(timeIntervalSince1970: 1_795_000_000)
    static let issueDate = CalendarDate(year: 2026, month: 12, day: 1)!
    static let periodStart = CalendarDate(year: 2026, month: 11, day: 1)!
    static let periodEnd = CalendarDate(year: 2026, month: 11, day: 30)!

    static let supplier = Supplier(
        name: "Nimbus Cloud", legalName: "Nimbus Cloud Platforms Private Limited", email: "billing@nimbus.example",
        gstin: try! GSTIN("29AAGCN4821K1Z5"),
        address: Address(
            line1: "4th Floor, Prestige Tech Park", line2: "Outer Ring Road, Marathahalli", city: "Bengaluru",
            stateCode: "29", pin: "560103", country: "IN"),
        letterOfUndertaking: "AD290326000123X")

    /// A registered workspace: in Karnataka by default (CGST and SGST), in Maharashtra for IGST.
    static func workspace(
        name: String = "Chai Labs", gstin: String? = "29AAACB1234C1ZB", stateCode: String? = "29",
        country: String = "IN", currency: Currency = .inr
    ) -> Workspace {
        Workspace(
            id: WorkspaceID(rawValue: "ws_fixture"), name: name, legalName: "\(name) Private Limited",
            email: "accounts@chailabs.example", gstin: gstin.map { try! GSTIN($0) },
            address: Address(
                line1: "12, 3rd Cross, Indiranagar", line2: "HAL 2nd Stage",
                city: country == "IN" ? "Bengaluru" : "Austin",
                stateCode: stateCode, pin: country == "IN" ? "560038" : "78701", country: country),
            billingMode: .postpaid, paymentTermsDays: 15, autoPay: false, serviceState: .active, currency: currency,
            createdAt: Self.createdAt)
    }

    /// `count` lines cycling through a platform fee, seats, credits and metered services.
    static func lines(count: Int, currency: Currency = .inr) -> [InvoiceLine] {
        let services: [(LineCategory, String, String, String, String, String, String)] = [
            (.platformFee, "platform", "Growth", "Platform fee - Growth plan", "1", "month", "9999"),
            (.seats, "seat", "Extra seats", "Additional seats beyond the 15 included", "3", "seat", "399"),
            (.credits, "credit", "Credits", "Credits beyond the monthly allowance", "12500", "credit", "0.2"),
            (.usage, "pod", "api-gateway-prod", "Kubernetes pod, 2 vCPU", "1440.5", "vCPU-hour", "2.40"),
            (.usage, "storage", "pg-primary-ssd", "Block storage, SSD", "512", "GB-month", "8.5"),
            (.usage, "network", "cdn-egress", "Network egress to the internet", "2048.75", "GB", "0.0125"),
            (.usage, "database", "orders-db", "Managed PostgreSQL, high availability", "720", "instance-hour", "18"),
        ]
        return (0..<count).map { index in
            let service = services[index % services.count]
            let suffix = index < services.count ? "" : "-\(index / services.count)"
            return try! InvoiceLine.priced(
                category: service.0, resourceType: service.1, resourceName: service.2 + suffix,
                description: service.3, periodStart: Self.periodStart, periodEnd: Self.periodEnd,
                quantity: FixedDecimal(service.4)!, unit: service.5, unitPrice: FixedDecimal(service.6)!,
                currency: currency, sac: "998315")
        }
    }

    /// A draft invoice for `workspace`: unnumbered and undated.
    static func draft(workspace: Workspace = Self.workspace(), lineCount: Int = 10) -> Invoice {
        Invoice.draft(
            id: InvoiceID(rawValue: "inv_fixture"), kind: .invoice, workspace: workspace, supplier: Self.supplier,
            subscriptionID: nil, periodStart: Self.periodStart, periodEnd: Self.periodEnd,
            description: "Growth - Monthly", lines: Self.lines(count: lineCount, currency: workspace.currency),
            createdAt: Self.createdAt)
    }

    /// A finalized invoice for `workspace`, partly or fully paid when `paid` is given.
    static func invoice(
        workspace: Workspace = Self.workspace(), lineCount: Int = 10, number: String = "INV/26-27/000042",
        payments: [(PaymentMethod, String, Int64)] = []
    ) -> Invoice {
        var invoice = Self.draft(workspace: workspace, lineCount: lineCount)
        try! invoice.finalize(number: number, issueDate: Self.issueDate, paymentTermsDays: 15)
        for (index, payment) in payments.enumerated() {
            let amount = Money(minorUnits: payment.2, currency: invoice.currency)
            try! invoice.recordPayment(amount)
            let paidAt = Self.createdAt.addingTimeInterval(Double(index + 1) * 86_400 * 3)
            invoice.payments.append(
                Payment(
                    id: PaymentID(rawValue: "pay_fixture\(index)"), invoiceID: invoice.id, method: payment.0,
                    provider: "razorpay", status: .succeeded, amount: amount, reference: payment.1,
                    failureReason: nil, createdAt: paidAt, paidAt: paidAt))
        }
        return invoice
    }

    /// A credit note for the whole of `original`, as the Engine issues one when an invoice is cancelled.
    static func creditNote(for original: Invoice) -> Invoice {
        var note = Invoice(
            id: InvoiceID(rawValue: "inv_fixturecn"), kind: .creditNote, number: nil, workspaceID: original.workspaceID,
            subscriptionID: nil, originalInvoiceID: original.id, lifecycle: InvoiceLifecycle(state: .draft),
            issueDate: nil, dueDate: nil, periodStart: original.periodStart, periodEnd: original.periodEnd,
            description: "Credit note for \(original.number!): seats billed twice during a plan migration",
            currency: original.currency, supplier: original.supplier, customer: original.customer,
            placeOfSupply: original.placeOfSupply, lines: original.lines, tax: original.tax,
            amountPaid: .zero(original.currency), payments: [], createdAt: Self.createdAt)
        try! note.finalize(number: "CN/26-27/000003", issueDate: Self.issueDate.adding(days: 6), paymentTermsDays: 0)
        try! note.settleInFull()
        return note
    }

    /// A credit or debit note against `original` as the Engine draws one up: `adjustments` line by line, under the
    /// original's heads (none on a commercial credit note), naming the original as Rule 53 asks. A credit note is
    /// applied as issued; a debit note is due 15 days after it.
    static func correction(
        _ kind: DocumentKind, of original: Invoice, adjustments: [LineAdjustment], number: String,
        adjustsGST: Bool = true, destination: Correction.Destination? = nil
    ) -> Invoice {
        let issueDate = Self.issueDate.adding(days: 6)
        let plan =
            kind == .creditNote
            ? try! CorrectionPlan.creditNote(
                against: original, adjustments: adjustments, earlier: CreditedSoFar(notes: []),
                adjustsGST: adjustsGST)
            : try! CorrectionPlan.debitNote(against: original, adjustments: adjustments)
        var note = Invoice(
            id: InvoiceID(rawValue: "inv_fixture" + kind.rawValue), kind: kind, number: nil,
            workspaceID: original.workspaceID, subscriptionID: nil, originalInvoiceID: original.id,
            lifecycle: InvoiceLifecycle(state: .draft), issueDate: nil, dueDate: nil,
            periodStart: original.periodStart, periodEnd: original.periodEnd,
            description: "\(kind == .creditNote ? "Credit" : "Debit") note for \(original.number!)",
            currency: original.currency, supplier: original.supplier, customer: original.customer,
            placeOfSupply: original.placeOfSupply, lines: plan.lines, tax: plan.tax,
            amountPaid: .zero(original.currency), payments: [], createdAt: Self.createdAt,
            correction: Correction(
                originalNumber: original.number!, originalIssueDate: original.issueDate!, adjustsGST: adjustsGST,
                destination: destination))
        try! note.finalize(number: number, issueDate: issueDate, paymentTermsDays: kind == .debitNote ? 15 : 0)
        if kind == .creditNote { try! note.settleInFull() }
        return note
    }

    /// A paid receipt for a wallet top-up of ₹15,000 by UPI.
    static func receipt() -> Invoice {
        let workspace = Self.workspace()
        let amount = Money(minorUnits: 1_500_000, currency: .inr)
        let line = InvoiceLine(
            category: .topUp, resourceType: "wallet", resourceName: "Prepaid wallet", description: "Wallet top-up",
            periodStart: Self.issueDate, periodEnd: Self.issueDate, quantity: FixedDecimal(1), unit: "top-up",
            unitPrice: FixedDecimal(15_000), amount: amount, sac: "", gstRateBasisPoints: 0)
        var receipt = Invoice.draft(
            id: InvoiceID(rawValue: "inv_fixturercpt"), kind: .receipt, workspace: workspace, supplier: Self.supplier,
            subscriptionID: nil, periodStart: Self.issueDate, periodEnd: Self.issueDate,
            description: "Prepaid wallet top-up", lines: [line], createdAt: Self.createdAt)
        try! receipt.finalize(number: "RCT/26-27/000007", issueDate: Self.issueDate, paymentTermsDays: 0)
        try! receipt.settleInFull()
        receipt.payments = [
            Payment(
                id: PaymentID(rawValue: "pay_fixturercpt"), invoiceID: receipt.id, method: .upi, provider: "manual",
                status: .succeeded, amount: amount, reference: "UPI-612345678901", failureReason: nil,
                createdAt: Self.createdAt, paidAt: Self.createdAt)
        ]
        return receipt
    }

    /// Eight months of a workspace's account: monthly invoices, payments, one credit note and a top-up.
    static func statement(months: Int = 8) -> AccountStatement {
        func rupees(_ paise: Int64) -> Money { Money(minorUnits: paise, currency: .inr) }
        var entries: [AccountStatement.Entry] = []
        var month = CalendarDate(year: 2026, month: 4, day: 1)!
        for index in 0..<months {
            let amount = rupees(1_179_882 + Int64(index) * 10_150)
            let number = "INV/26-27/0000\(40 + index)"
            entries.append(
                .init(
                    date: month, kind: .invoice, reference: number, description: "Growth - Monthly", debit: amount,
                    credit: rupees(0)))
            if index == 3 {
                entries.append(
                    .init(
                        date: month.adding(days: 6), kind: .creditNote, reference: "CN/26-27/000001",
                        description: "Seats billed twice", debit: rupees(0), credit: rupees(94_164)))
            }
            entries.append(
                .init(
                    date: month.adding(days: 9), kind: .payment, reference: "pay_Nx\(index)4f9a2",
                    description: "UPI payment for \(number)", debit: rupees(0), credit: amount))
            month = month.adding(months: 1)
        }
        entries.append(
            .init(
                date: CalendarDate(year: 2026, month: 11, day: 20)!, kind: .receipt, reference: "RCT/26-27/000007",
                description: "Prepaid wallet top-up", debit: rupees(0), credit: rupees(1_500_000)))
        let workspace = Self.workspace()
        return AccountStatement(
            supplier: Self.supplier.partySnapshot, customer: workspace.partySnapshot, currency: .inr,
            from: CalendarDate(year: 2026, month: 4, day: 1)!, to: CalendarDate(year: 2026, month: 11, day: 30)!,
            openingBalance: rupees(235_000), entries: entries)
    }
}
