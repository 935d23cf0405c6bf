// The tax invoice and the credit and debit notes (CGST Rules 46 and 53): parties, lines, tax by head and rate, totals.
import BillfoldCore
import Foundation

/// Lays out a tax invoice, a credit note or a debit note over as many pages as its lines need.
struct InvoiceLayout {
    private var frame: DocumentFrame
    private let invoice: Invoice
    private let originalInvoice: (number: String, issueDate: CalendarDate)?
    private let timeZone: TimeZone
    private var format: DocumentFormat { self.frame.format }

    private static let columns: [TableColumn] = [
        TableColumn(title: "No.", x: 40, width: 16, alignment: .left),
        TableColumn(title: "Description", x: 58, width: 160, alignment: .left),
        TableColumn(title: "SAC", x: 222, width: 34, alignment: .left),
        TableColumn(title: "Usage period", x: 262, width: 70, alignment: .left),
        TableColumn(title: "Quantity", x: 334, width: 42, alignment: .right),
        TableColumn(title: "Unit", x: 382, width: 58, alignment: .left),
        TableColumn(title: "Rate", x: 440, width: 46, alignment: .right),
        TableColumn(title: "Taxable value", x: 490, width: DocumentFrame.right - 490, alignment: .right),
    ]
    private static let size = 8.0
    private static let leading = 9.5

    init(
        builder: DocumentBuilder, invoice: Invoice, number: String,
        originalInvoice: (number: String, issueDate: CalendarDate)?, timeZone: TimeZone
    ) {
        self.frame = DocumentFrame(
            builder: builder, supplier: invoice.supplier, title: Self.title(of: invoice), number: number)
        self.invoice = invoice
        self.originalInvoice = originalInvoice
        self.timeZone = timeZone
    }

    /// `Tax Invoice`, `Credit Note`, `Commercial Credit Note` or `Debit Note`.
    static func title(of invoice: Invoice) -> String {
        switch invoice.kind {
        case .creditNote: return invoice.isCommercialCreditNote ? "Commercial Credit Note" : "Credit Note"
        case .debitNote: return "Debit Note"
        case .invoice, .receipt: return "Tax Invoice"
        }
    }

    /// The words a commercial credit note carries where a GST note has its tax.
    static let commercialNotice =
        "Commercial credit note — no GST adjustment (not a credit note under section 34 of the CGST Act)"

    consuming func render(issueDate: CalendarDate) -> [UInt8] {
        self.frame.beginFirstPage(details: self.details(issueDate: issueDate))
        self.parties()
        self.lineTable()
        self.summary()
        self.frame.signature()
        self.frame.finishPages()
        let invoice = self.invoice
        return self.frame.builder.finish(
            title: "\(self.frame.title) \(self.frame.number)", author: invoice.supplier.legalName, date: issueDate,
            timeZone: self.timeZone)
    }

    private func details(issueDate: CalendarDate) -> [Detail] {
        var details: [Detail] = []
        switch self.invoice.kind {
        case .creditNote, .debitNote:
            let noun = self.invoice.kind == .creditNote ? "Credit note" : "Debit note"
            details.append(Detail(label: "\(noun) number", value: self.frame.number))
            details.append(Detail(label: "Date", value: issueDate.printed))
            if let original = self.originalInvoice {
                details.append(Detail(label: "Original invoice", value: original.number))
                details.append(Detail(label: "Original invoice date", value: original.issueDate.printed))
            }
            if self.invoice.kind == .debitNote, let due = self.invoice.dueDate {
                details.append(Detail(label: "Due date", value: due.printed))
            }
        case .invoice, .receipt:
            details.append(Detail(label: "Invoice number", value: self.frame.number))
            details.append(Detail(label: "Issue date", value: issueDate.printed))
            if let due = self.invoice.dueDate { details.append(Detail(label: "Due date", value: due.printed)) }
        }
        details.append(
            Detail(
                label: "Billing period",
                value: CalendarDate.printedPeriod(from: self.invoice.periodStart, to: self.invoice.periodEnd)))
        return details
    }

    /// Where a credit note's value went, as the customer reads it; `nil` for any other document.
    private var creditDestination: String? {
        guard self.invoice.kind == .creditNote, let destination = self.invoice.correction?.destination else {
            return nil
        }
        switch destination {
        case .amountDue:
            let number = self.originalInvoice?.number ?? self.invoice.correction?.originalNumber
            return "Applied to the amount due of " + (number ?? "the original invoice")
        case .refund: return "Refunded to the original payment method"
        case .wallet: return "Added to the prepaid wallet"
        case .creditBalance: return "Kept as credit balance for future invoices"
        }
    }

    /// The recipient on the left; place of supply, reverse charge and what the document is for on the right.
    private mutating func parties() {
        let top = self.frame.y
        self.frame.heading(self.invoice.kind == .creditNote ? "Credit to" : "Bill to")
        var leftY = top + 14
        let customer = self.invoice.customer
        let width = 260.0
        for line in self.frame.builder.wrap(customer.name, width: width, size: 10, weight: .bold) {
            self.frame.builder.text(line, x: DocumentFrame.left, y: leftY, size: 10, weight: .bold)
            leftY += 12
        }
        var lines: [String] = []
        if customer.legalName != customer.name { lines.append(customer.legalName) }
        lines += customer.address.printedLines
        if let state = customer.address.state {
            lines.append("State: \(state.name), code \(state.code)")
        }
        for line in lines {
            for wrapped in self.frame.builder.wrap(line, width: width, size: 8.5) {
                self.frame.builder.text(wrapped, x: DocumentFrame.left, y: leftY, size: 8.5)
                leftY += 11
            }
        }
        if let gstin = customer.gstin {
            self.frame.builder.text("GSTIN: " + gstin, x: DocumentFrame.left, y: leftY, size: 8.5, weight: .bold)
            leftY += 11
        }

        let rightX = DocumentFrame.right - 200
        self.frame.heading("Supply", x: rightX)
        var rightY = top + 14
        var rows: [Detail] = []
        if let place = self.invoice.placeOfSupply {
            rows.append(Detail(label: "Place of supply", value: "\(place.name) (\(place.code))"))
        }
        rows.append(Detail(label: "Reverse charge", value: "No"))
        rows.append(Detail(label: "Status", value: self.status))
        if self.invoice.kind != .creditNote && self.invoice.amountDue.isPositive {
            rows.append(Detail(label: "Amount due", value: self.format.money(self.invoice.amountDue)))
        }
        for row in rows {
            self.frame.builder.text(row.label, x: rightX, y: rightY, size: 8.5, color: .muted)
            for line in self.frame.builder.wrap(row.value, width: 110, size: 8.5, weight: .bold) {
                self.frame.builder.text(
                    line, x: DocumentFrame.right, y: rightY, size: 8.5, weight: .bold, alignment: .right)
                rightY += 11
            }
            rightY += 1
        }
        if !self.invoice.description.isEmpty {
            rightY += 2
            for line in self.frame.builder.wrap(self.invoice.description, width: 200, size: 8) {
                self.frame.builder.text(line, x: rightX, y: rightY, size: 8, color: .muted)
                rightY += 10
            }
        }
        self.frame.y = max(leftY, rightY) + 14
    }

    private var status: String {
        let invoice = self.invoice
        switch invoice.state {
        case .paid:
            if invoice.kind == .creditNote { return "Applied" }
            return invoice.amountPaid.isPositive || !invoice.amountCredited.isPositive ? "Paid" : "Credited"
        case .cancelled: return "Cancelled"
        case .draft: return "Draft"
        case .open:
            if invoice.amountPaid.isPositive { return "Partly paid" }
            return invoice.amountCredited.isPositive ? "Partly credited" : "Unpaid"
        }
    }

    /// The lines, each row as tall as its longest cell; the header repeats on every page the table reaches.
    private mutating func lineTable() {
        self.frame.ensureSpace(60)
        self.frame.tableHeader(Self.columns)
        let columns = Self.columns
        for (index, line) in self.invoice.lines.enumerated() {
            var description = self.frame.builder.wrap(line.description, width: columns[1].width, size: Self.size)
            let resource = line.resourceName
            var notes = resource.isEmpty || resource == line.description ? [] : [resource]
            if let position = line.originalPosition { notes.append("Line \(position + 1) of the original invoice") }
            let resourceLines = notes.flatMap { self.frame.builder.wrap($0, width: columns[1].width, size: 7) }
            // A line corrected by value alone has no quantity or price of its own: only its value is printed.
            let byValue = self.invoice.isCorrection && line.unit == CorrectionPlan.amountCreditUnit
            let period = self.frame.builder.wrap(
                CalendarDate.printedPeriod(from: line.periodStart, to: line.periodEnd), width: columns[3].width,
                size: Self.size)
            let unit = byValue ? ["—"] : self.frame.builder.wrap(line.unit, width: columns[5].width, size: Self.size)
            let rowLines = max(description.count + resourceLines.count, period.count, unit.count)
            let height = Double(rowLines) * Self.leading + 5
            if self.frame.ensureSpace(height) {
                self.frame.tableHeader(columns)
            }
            let baseline = self.frame.y + 7.5
            let cells: [(column: Int, lines: [String])] = [
                (0, ["\(index + 1)"]), (2, [line.sac]), (3, period), (4, [byValue ? "—" : line.quantity.description]),
                (5, unit), (6, [byValue ? "—" : line.unitPrice.printedPrice]), (7, [self.format.money(line.amount)]),
            ]
            for cell in cells {
                let column = columns[cell.column]
                for (offset, text) in cell.lines.enumerated() {
                    self.frame.builder.text(
                        text, x: column.anchor, y: baseline + Double(offset) * Self.leading, size: Self.size,
                        alignment: column.alignment)
                }
            }
            for (offset, text) in description.enumerated() {
                self.frame.builder.text(
                    text, x: columns[1].x, y: baseline + Double(offset) * Self.leading, size: Self.size)
            }
            for (offset, text) in resourceLines.enumerated() {
                self.frame.builder.text(
                    text, x: columns[1].x, y: baseline + Double(description.count + offset) * Self.leading, size: 7,
                    color: .muted)
            }
            description.removeAll()
            self.frame.y += height
            self.frame.builder.line(
                x1: DocumentFrame.left, y1: self.frame.y - 2, x2: DocumentFrame.right, y2: self.frame.y - 2)
        }
        self.frame.y += 10
    }

    /// Tax by head and rate with the totals on the right (a commercial credit note has no tax, and says so); amount
    /// in words, payments, endorsement and where a credit went on the left.
    private mutating func summary() {
        let invoice = self.invoice
        let format = self.format
        let leftWidth = 250.0
        let commercial = invoice.isCommercialCreditNote
        let words = self.frame.builder.wrap(
            AmountInWords.words(for: invoice.total), width: leftWidth, size: 8.5, weight: .bold)
        // Boxed notices on the left: the export endorsement, and the commercial credit note's words.
        let notices = [invoice.endorsement, commercial ? Self.commercialNotice : nil].compactMap { $0 }.map {
            self.frame.builder.wrap($0, width: leftWidth - 12, size: 8, weight: .bold)
        }
        let destination = self.creditDestination.map {
            self.frame.builder.wrap($0, width: leftWidth, size: 8.5)
        }
        let payments = invoice.payments.filter { $0.status == .succeeded }
        var leftHeight = 26 + Double(words.count) * 11
        for notice in notices { leftHeight += Double(notice.count) * 10 + 24 }
        if let destination { leftHeight += 16 + Double(destination.count) * 11 }
        if !payments.isEmpty { leftHeight += 30 + Double(payments.count) * 11 }
        var rightHeight = (commercial ? 0 : 30 + Double(invoice.tax.heads.count) * 12) + 90
        if invoice.amountCredited.isPositive { rightHeight += 12 }
        // The signature follows the totals, so both move to a new page together.
        self.frame.ensureSpace(max(leftHeight, rightHeight) + 62)
        let top = self.frame.y

        let headX = DocumentFrame.right - 250
        var rightY = top
        if !commercial {
            rightY = self.taxTable(top: top, headX: headX)
        }
        rightY += 4
        self.frame.builder.rectangle(
            x: headX - 6, y: rightY, width: DocumentFrame.right - headX + 6, height: 20, fill: .accent)
        let totalLabel = invoice.kind == .creditNote ? "Total credit" : "Total"
        self.frame.builder.text(totalLabel, x: headX, y: rightY + 14, size: 10, weight: .bold, color: .white)
        self.frame.builder.text(
            format.money(invoice.total), x: DocumentFrame.right - 6, y: rightY + 14, size: 10, weight: .bold,
            color: .white, alignment: .right)
        rightY += 34
        var totals: [(String, Money)] = []
        if invoice.kind != .creditNote {
            totals.append(("Amount paid", invoice.amountPaid))
            if invoice.amountCredited.isPositive { totals.append(("Amount credited", invoice.amountCredited)) }
            totals.append(("Amount due", invoice.amountDue))
        }
        for (label, amount) in totals {
            self.frame.builder.text(label, x: headX, y: rightY, size: 8.5, color: .muted)
            self.frame.builder.text(
                format.money(amount), x: DocumentFrame.right, y: rightY, size: 8.5, weight: .bold, alignment: .right)
            rightY += 12
        }

        // Amount in words, notices, where the credit went, payments.
        var leftY = top
        self.frame.heading("Amount in words")
        leftY += 14
        for line in words {
            self.frame.builder.text(line, x: DocumentFrame.left, y: leftY, size: 8.5, weight: .bold)
            leftY += 11
        }
        leftY += 8
        for notice in notices {
            let height = Double(notice.count) * 10 + 10
            self.frame.builder.rectangle(
                x: DocumentFrame.left, y: leftY, width: leftWidth, height: height, stroke: .accent, lineWidth: 0.8)
            var lineY = leftY + 12
            for line in notice {
                self.frame.builder.text(
                    line, x: DocumentFrame.left + 6, y: lineY, size: 8, weight: .bold, color: .accent)
                lineY += 10
            }
            leftY += height + 14
        }
        if let destination {
            self.frame.builder.text(
                "CREDIT", x: DocumentFrame.left, y: leftY, size: 7.5, weight: .bold, color: .muted)
            leftY += 13
            for line in destination {
                self.frame.builder.text(line, x: DocumentFrame.left, y: leftY, size: 8.5)
                leftY += 11
            }
            leftY += 8
        }
        if !payments.isEmpty {
            self.frame.builder.text(
                "PAYMENTS RECEIVED", x: DocumentFrame.left, y: leftY, size: 7.5, weight: .bold, color: .muted)
            leftY += 13
            for payment in payments {
                let day = CalendarDate(payment.paidAt ?? payment.createdAt, in: self.timeZone)
                var description = day.printed + "  " + payment.method.displayName
                if let reference = payment.reference, !reference.isEmpty { description += " · " + reference }
                let amount = format.money(payment.amount)
                let room = leftWidth - self.frame.builder.width(amount, size: 8) - 8
                self.frame.builder.text(amount, x: DocumentFrame.left + leftWidth, y: leftY, size: 8, alignment: .right)
                // A long reference wraps under itself rather than running into the amount.
                for line in self.frame.builder.wrap(description, width: room, size: 8) {
                    self.frame.builder.text(line, x: DocumentFrame.left, y: leftY, size: 8)
                    leftY += 11
                }
            }
        }
        self.frame.y = max(leftY, rightY) + 6
    }

    /// The tax by head and rate (on a credit note, the tax credited under the original's heads) with the taxable
    /// value and the total tax under it, from `top` at `headX`; returns where the total bar goes.
    private mutating func taxTable(top: Double, headX: Double) -> Double {
        let invoice = self.invoice
        let format = self.format
        let rateX = headX + 78
        let taxableX = DocumentFrame.right - 80
        var rightY = top
        self.frame.heading(invoice.kind == .creditNote ? "Tax credited" : "Tax summary", x: headX)
        rightY += 14
        for (title, x, alignment) in [
            ("Tax", headX, TextAlignment.left), ("Rate", rateX, .right), ("Taxable value", taxableX, .right),
            ("Amount", DocumentFrame.right, .right),
        ] {
            self.frame.builder.text(
                title, x: x, y: rightY, size: 7.5, weight: .bold, color: .muted, alignment: alignment)
        }
        rightY += 4
        self.frame.builder.line(x1: headX, y1: rightY, x2: DocumentFrame.right, y2: rightY)
        rightY += 11
        if invoice.tax.heads.isEmpty {
            self.frame.builder.text("Zero-rated supply: no GST charged", x: headX, y: rightY, size: 8)
            rightY += 12
        }
        for head in invoice.tax.heads {
            self.frame.builder.text(head.head.rawValue.uppercased(), x: headX, y: rightY, size: 8)
            self.frame.builder.text(
                format.percentage(basisPoints: head.rateBasisPoints), x: rateX, y: rightY, size: 8, alignment: .right)
            self.frame.builder.text(
                format.money(head.taxableAmount), x: taxableX, y: rightY, size: 8, alignment: .right)
            self.frame.builder.text(
                format.money(head.amount), x: DocumentFrame.right, y: rightY, size: 8, alignment: .right)
            rightY += 12
        }
        rightY += 2
        self.frame.builder.line(x1: headX, y1: rightY - 8, x2: DocumentFrame.right, y2: rightY - 8)
        for (label, amount) in [("Taxable value", invoice.subtotal), ("Total tax", invoice.tax.total)] {
            rightY += 4
            self.frame.builder.text(label, x: headX, y: rightY, size: 8.5)
            self.frame.builder.text(
                format.money(amount), x: DocumentFrame.right, y: rightY, size: 8.5, alignment: .right)
            rightY += 8
        }
        return rightY
    }
}

extension Invoice {
    /// A credit note that adjusts no GST (Circular 92/11/2019-GST): its value alone, in its own series.
    fileprivate var isCommercialCreditNote: Bool {
        self.kind == .creditNote && self.correction?.adjustsGST == false
    }
}
