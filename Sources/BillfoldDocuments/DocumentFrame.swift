// The frame every Billfold document shares: the supplier's header, page breaks, the footer with page numbers.
import BillfoldCore

/// A label and its value, as the header's right column lists them.
struct Detail {
    let label: String
    let value: String
}

/// A column of a table: where it starts, how wide it is, and how its cells align.
struct TableColumn {
    let title: String
    let x: Double
    let width: Double
    let alignment: TextAlignment

    /// The x a cell's text is drawn at for its alignment.
    var anchor: Double {
        switch self.alignment {
        case .left: return self.x
        case .right: return self.x + self.width
        case .center: return self.x + self.width / 2
        }
    }
}

/// Lays a document out page by page from the top, starting a new page when content would reach the footer.
struct DocumentFrame {
    static let left = 40.0
    static let right = DocumentBuilder.pageWidth - 40
    static let width = right - left
    /// Content stops here; the footer sits below.
    static let bottom = DocumentBuilder.pageHeight - 58

    var builder: DocumentBuilder
    let format: DocumentFormat
    let supplier: PartySnapshot
    let title: String
    /// The document's number, repeated in the continuation header and the footer.
    let number: String
    /// The top of what comes next, in points from the top of the page.
    var y = 0.0

    init(builder: DocumentBuilder, supplier: PartySnapshot, title: String, number: String) {
        self.builder = builder
        self.format = DocumentFormat(moneyStyle: builder.typesetter.fonts.embedsTrueType ? .symbol : .code)
        self.supplier = supplier
        self.title = title
        self.number = number
    }

    /// The first page's header: the logo and the supplier on the left, the title and `details` on the right.
    mutating func beginFirstPage(details: [Detail]) {
        self.builder.addPage()
        let top = 40.0
        var leftY = top
        let logoWidth = self.builder.drawLogo(x: Self.left, y: top, maximumWidth: 140, maximumHeight: 40)
        if logoWidth > 0 { leftY += 48 }
        leftY += 12
        let supplierWidth = 280.0
        for line in self.builder.wrap(self.supplier.name, width: supplierWidth, size: 13, weight: .bold) {
            self.builder.text(line, x: Self.left, y: leftY, size: 13, weight: .bold)
            leftY += 15
        }
        var lines: [String] = []
        if self.supplier.legalName != self.supplier.name { lines.append(self.supplier.legalName) }
        lines += self.supplier.address.printedLines
        if let state = self.supplier.address.state { lines.append(state.description) }
        for line in lines {
            for wrapped in self.builder.wrap(line, width: supplierWidth, size: 8.5) {
                self.builder.text(wrapped, x: Self.left, y: leftY, size: 8.5, color: .muted)
                leftY += 11
            }
        }
        if let gstin = self.supplier.gstin {
            self.builder.text("GSTIN: " + gstin, x: Self.left, y: leftY, size: 8.5, weight: .bold)
            leftY += 11
        }
        if !self.supplier.email.isEmpty {
            let width = self.builder.width(self.supplier.email, size: 8.5)
            self.builder.text(self.supplier.email, x: Self.left, y: leftY, size: 8.5, color: .accent)
            self.builder.link("mailto:" + self.supplier.email, x: Self.left, y: leftY - 8.5, width: width, height: 11)
            leftY += 11
        }

        var rightY = top + 20
        self.builder.text(
            self.title, x: Self.right, y: rightY, size: 20, weight: .bold, color: .accent, alignment: .right)
        rightY += 20
        let labelX = Self.right - 200
        for detail in details {
            self.builder.text(detail.label, x: labelX, y: rightY, size: 8.5, color: .muted)
            self.builder.text(detail.value, x: Self.right, y: rightY, size: 8.5, weight: .bold, alignment: .right)
            rightY += 12
        }
        self.y = max(leftY, rightY) + 6
        self.builder.line(x1: Self.left, y1: self.y, x2: Self.right, y2: self.y, width: 1, color: .accent)
        self.y += 16
    }

    /// A later page's header: the supplier's name and the document's title and number.
    mutating func beginContinuationPage() {
        self.builder.addPage()
        self.builder.text(self.supplier.name, x: Self.left, y: 48, size: 10, weight: .bold)
        self.builder.text(
            "\(self.title) \(self.number) (continued)", x: Self.right, y: 48, size: 9, color: .muted,
            alignment: .right)
        self.builder.line(x1: Self.left, y1: 56, x2: Self.right, y2: 56, width: 1, color: .accent)
        self.y = 72
    }

    /// Starts a new page unless `height` more points fit on this one; returns whether it did.
    @discardableResult
    mutating func ensureSpace(_ height: Double) -> Bool {
        guard self.y + height > Self.bottom else { return false }
        self.beginContinuationPage()
        return true
    }

    /// A heading in small capitals-like bold text, with space after it.
    mutating func heading(_ text: String, x: Double = DocumentFrame.left) {
        self.builder.text(text.uppercased(), x: x, y: self.y, size: 7.5, weight: .bold, color: .muted)
    }

    /// The header row of a table at the current position.
    mutating func tableHeader(_ columns: [TableColumn]) {
        let height = 18.0
        self.builder.rectangle(x: Self.left, y: self.y, width: Self.width, height: height, fill: .band)
        for column in columns {
            self.builder.text(
                column.title, x: column.anchor, y: self.y + 12, size: 7.5, weight: .bold, color: .muted,
                alignment: column.alignment)
        }
        self.y += height + 4
    }

    /// Writes "Page X of Y" and the document's number at the foot of every page.
    mutating func finishPages() {
        let count = self.builder.pageCount
        let footerY = DocumentBuilder.pageHeight - 28
        var legal = "\(self.title) \(self.number) · \(self.supplier.legalName)"
        if let gstin = self.supplier.gstin { legal += " · GSTIN " + gstin }
        for page in 0..<count {
            self.builder.selectPage(page)
            self.builder.line(x1: Self.left, y1: footerY - 12, x2: Self.right, y2: footerY - 12)
            self.builder.text(legal, x: Self.left, y: footerY, size: 7, color: .muted)
            self.builder.text(
                "Page \(page + 1) of \(count)", x: Self.right, y: footerY, size: 7.5, color: .muted, alignment: .right)
        }
    }

    /// The closing signature block for the supplier, at the right, with the electronic-issue note at the left.
    mutating func signature() {
        self.ensureSpace(62)
        self.y += 8
        let x = Self.right
        self.builder.text(
            "For " + self.supplier.legalName, x: x, y: self.y, size: 8.5, weight: .bold, alignment: .right)
        self.builder.text(
            "This document is issued electronically.", x: Self.left, y: self.y, size: 7.5, color: .muted)
        self.y += 30
        self.builder.line(x1: x - 160, y1: self.y, x2: x, y2: self.y, width: 0.6, color: .muted)
        self.y += 11
        self.builder.text("Authorised signatory", x: x, y: self.y, size: 7.5, color: .muted, alignment: .right)
        self.y += 12
    }
}
