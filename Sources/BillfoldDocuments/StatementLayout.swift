// The consolidated statement: opening balance, every entry with a running balance, closing balance.
import BillfoldCore
import Foundation

/// Lays out an ``AccountStatement`` over as many pages as its entries need.
struct StatementLayout {
    private var frame: DocumentFrame
    private let statement: AccountStatement
    private let timeZone: TimeZone

    private static let columns: [TableColumn] = [
        TableColumn(title: "Date", x: 40, width: 56, alignment: .left),
        TableColumn(title: "Type", x: 98, width: 52, alignment: .left),
        TableColumn(title: "Number", x: 152, width: 84, alignment: .left),
        TableColumn(title: "Description", x: 238, width: 110, alignment: .left),
        TableColumn(title: "Debit", x: 350, width: 64, alignment: .right),
        TableColumn(title: "Credit", x: 418, width: 64, alignment: .right),
        TableColumn(title: "Balance", x: 486, width: DocumentFrame.right - 486, alignment: .right),
    ]
    private static let size = 8.0
    private static let leading = 10.0

    init(builder: DocumentBuilder, statement: AccountStatement, timeZone: TimeZone) {
        let number = CalendarDate.printedPeriod(from: statement.from, to: statement.to)
        self.frame = DocumentFrame(
            builder: builder, supplier: statement.supplier, title: "Statement of Account", number: number)
        self.statement = statement
        self.timeZone = timeZone
    }

    consuming func render() -> [UInt8] {
        let format = self.frame.format
        let statement = self.statement
        self.frame.beginFirstPage(details: [
            Detail(label: "Period", value: CalendarDate.printedPeriod(from: statement.from, to: statement.to)),
            Detail(label: "Currency", value: statement.currency.code),
            Detail(label: "Statement date", value: statement.to.printed),
        ])
        let customer = statement.customer
        let top = self.frame.y
        self.frame.heading("Statement for")
        var leftY = top + 14
        self.frame.builder.text(customer.name, x: DocumentFrame.left, y: leftY, size: 10, weight: .bold)
        leftY += 12
        var lines: [String] = []
        if customer.legalName != customer.name { lines.append(customer.legalName) }
        lines += customer.address.printedLines
        if let gstin = customer.gstin { lines.append("GSTIN: " + gstin) }
        for line in lines {
            self.frame.builder.text(line, x: DocumentFrame.left, y: leftY, size: 8.5)
            leftY += 11
        }

        let debits = statement.entries.map(\.debit).sum(in: statement.currency)
        let credits = statement.entries.map(\.credit).sum(in: statement.currency)
        let boxX = DocumentFrame.right - 200
        self.frame.heading("Summary", x: boxX)
        var rightY = top + 14
        for (label, amount) in [
            ("Opening balance", statement.openingBalance), ("Invoiced and charged", debits),
            ("Paid and credited", credits),
        ] {
            self.frame.builder.text(label, x: boxX, y: rightY, size: 8.5, color: .muted)
            self.frame.builder.text(
                format.money(amount), x: DocumentFrame.right, y: rightY, size: 8.5, alignment: .right)
            rightY += 12
        }
        self.frame.builder.line(x1: boxX, y1: rightY - 8, x2: DocumentFrame.right, y2: rightY - 8)
        rightY += 4
        self.frame.builder.text("Closing balance", x: boxX, y: rightY, size: 9, weight: .bold)
        self.frame.builder.text(
            format.money(statement.closingBalance), x: DocumentFrame.right, y: rightY, size: 9, weight: .bold,
            alignment: .right)
        rightY += 12
        self.frame.y = max(leftY, rightY) + 14

        let columns = Self.columns
        self.frame.tableHeader(columns)
        self.balanceRow("Opening balance", date: statement.from, balance: statement.openingBalance)
        var balance = statement.openingBalance
        for entry in statement.entries {
            balance += entry.debit - entry.credit
            let description = self.frame.builder.wrap(entry.description, width: columns[3].width, size: Self.size)
            let number = self.frame.builder.wrap(entry.reference, width: columns[2].width, size: Self.size)
            let height = Double(max(description.count, number.count)) * Self.leading + 6
            if self.frame.ensureSpace(height) { self.frame.tableHeader(columns) }
            let baseline = self.frame.y + 8
            let cells: [(column: Int, lines: [String])] = [
                (0, [entry.date.printed]), (1, [entry.kind.label]), (2, number), (3, description),
                (4, [entry.debit.isZero ? "" : format.money(entry.debit)]),
                (5, [entry.credit.isZero ? "" : format.money(entry.credit)]), (6, [format.money(balance)]),
            ]
            for cell in cells {
                let column = columns[cell.column]
                for (offset, text) in cell.lines.enumerated() {
                    self.frame.builder.text(
                        text, x: column.anchor, y: baseline + Double(offset) * Self.leading, size: Self.size,
                        alignment: column.alignment)
                }
            }
            self.frame.y += height
            self.frame.builder.line(
                x1: DocumentFrame.left, y1: self.frame.y - 2, x2: DocumentFrame.right, y2: self.frame.y - 2)
        }
        self.balanceRow("Closing balance", date: statement.to, balance: statement.closingBalance)
        self.frame.y += 10
        if !statement.creditBalance.isZero {
            self.frame.ensureSpace(40)
            self.frame.builder.text(
                "Credit balance available: " + format.money(statement.creditBalance), x: DocumentFrame.left,
                y: self.frame.y, size: 8.5, weight: .bold)
            self.frame.y += 10
            self.frame.builder.text(
                "Kept from credit notes and used for the next invoices before any payment; the closing balance "
                    + "counts it already.", x: DocumentFrame.left, y: self.frame.y, size: 7.5, color: .muted)
            self.frame.y += 12
        }
        self.frame.builder.text(
            "A positive balance is owed to \(statement.supplier.name); a negative balance is in the customer's favour.",
            x: DocumentFrame.left, y: self.frame.y, size: 7.5, color: .muted)
        self.frame.finishPages()
        return self.frame.builder.finish(
            title: "Statement of Account, \(customer.name), \(self.frame.number)", author: statement.supplier.legalName,
            date: statement.to, timeZone: self.timeZone)
    }

    /// A bold row across the table for the opening or the closing balance.
    private mutating func balanceRow(_ label: String, date: CalendarDate, balance: Money) {
        if self.frame.ensureSpace(20) { self.frame.tableHeader(Self.columns) }
        self.frame.builder.rectangle(
            x: DocumentFrame.left, y: self.frame.y - 2, width: DocumentFrame.width, height: 16, fill: .band)
        let baseline = self.frame.y + 9
        self.frame.builder.text(date.printed, x: DocumentFrame.left, y: baseline, size: Self.size)
        self.frame.builder.text(label, x: Self.columns[1].x, y: baseline, size: Self.size, weight: .bold)
        self.frame.builder.text(
            self.frame.format.money(balance), x: DocumentFrame.right, y: baseline, size: Self.size, weight: .bold,
            alignment: .right)
        self.frame.y += 18
    }
}
