// The receipt for a wallet top-up: who paid, how much, how, and the amount in words.
import BillfoldCore
import Foundation

/// Lays out a receipt on one page.
struct ReceiptLayout {
    private var frame: DocumentFrame
    private let receipt: Invoice
    private let timeZone: TimeZone

    init(builder: DocumentBuilder, receipt: Invoice, number: String, timeZone: TimeZone) {
        self.frame = DocumentFrame(builder: builder, supplier: receipt.supplier, title: "Receipt", number: number)
        self.receipt = receipt
        self.timeZone = timeZone
    }

    consuming func render(issueDate: CalendarDate) -> [UInt8] {
        let format = self.frame.format
        let receipt = self.receipt
        self.frame.beginFirstPage(details: [
            Detail(label: "Receipt number", value: self.frame.number),
            Detail(label: "Date", value: issueDate.printed),
        ])
        let customer = receipt.customer
        self.frame.heading("Received from")
        self.frame.y += 14
        self.frame.builder.text(customer.name, x: DocumentFrame.left, y: self.frame.y, size: 10, weight: .bold)
        self.frame.y += 12
        var lines: [String] = []
        if customer.legalName != customer.name { lines.append(customer.legalName) }
        lines += customer.address.printedLines
        if let state = customer.address.state { lines.append("State: \(state.name), code \(state.code)") }
        if let gstin = customer.gstin { lines.append("GSTIN: " + gstin) }
        for line in lines {
            self.frame.builder.text(line, x: DocumentFrame.left, y: self.frame.y, size: 8.5)
            self.frame.y += 11
        }
        self.frame.y += 16

        let payment = receipt.payments.first { $0.status == .succeeded } ?? receipt.payments.first
        let amount = payment?.amount ?? receipt.total
        let bandHeight = 54.0
        self.frame.builder.rectangle(
            x: DocumentFrame.left, y: self.frame.y, width: DocumentFrame.width, height: bandHeight, fill: .band)
        self.frame.builder.text(
            "AMOUNT RECEIVED", x: DocumentFrame.left + 14, y: self.frame.y + 20, size: 7.5, weight: .bold,
            color: .muted)
        self.frame.builder.text(
            format.money(amount), x: DocumentFrame.left + 14, y: self.frame.y + 41, size: 20, weight: .bold,
            color: .accent)
        self.frame.y += bandHeight + 20

        var rows: [Detail] = []
        if let payment {
            rows.append(Detail(label: "Method", value: payment.method.displayName))
            rows.append(Detail(label: "Reference", value: payment.reference ?? "—"))
            let day = CalendarDate(payment.paidAt ?? payment.createdAt, in: self.timeZone)
            rows.append(Detail(label: "Received on", value: day.printed))
        }
        rows.append(Detail(label: "Amount in words", value: AmountInWords.words(for: amount)))
        if !receipt.description.isEmpty { rows.append(Detail(label: "For", value: receipt.description)) }
        for row in rows {
            self.frame.builder.text(row.label, x: DocumentFrame.left, y: self.frame.y, size: 9, color: .muted)
            for line in self.frame.builder.wrap(row.value, width: DocumentFrame.width - 130, size: 9, weight: .bold) {
                self.frame.builder.text(line, x: DocumentFrame.left + 130, y: self.frame.y, size: 9, weight: .bold)
                self.frame.y += 12
            }
            self.frame.y += 6
        }
        self.frame.y += 6
        self.frame.builder.text(
            "The amount has been credited to the prepaid wallet of \(customer.name).", x: DocumentFrame.left,
            y: self.frame.y, size: 8.5, color: .muted)
        self.frame.y += 14
        self.frame.signature()
        self.frame.finishPages()
        return self.frame.builder.finish(
            title: "Receipt \(self.frame.number)", author: receipt.supplier.legalName, date: issueDate,
            timeZone: self.timeZone)
    }
}
