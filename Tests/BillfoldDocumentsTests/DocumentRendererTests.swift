import BillfoldCore
import BillfoldDocuments
import Foundation
import Testing

/// The fonts Debian installs for these tests: fonts-dejavu-core and fonts-lohit-deva (or fonts-noto-core).
private let unicodeFonts: FontSet = {
    let fonts = FontSet.discovered()
    return fonts
}()

private func requireUnicodeFonts() throws -> DocumentRenderer {
    guard unicodeFonts.embedsTrueType else {
        Issue.record("DejaVu Sans is not installed: run `apt-get install -y fonts-dejavu-core fonts-lohit-deva`")
        throw PDFTools.MissingTool(name: "fonts-dejavu-core")
    }
    return DocumentRenderer(fonts: unicodeFonts)
}

/// Text with runs of whitespace made single spaces, so wrapped lines read as one.
private func flattened(_ text: String) -> String {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\u{0C}" }).joined(separator: " ")
}

private func rupees(_ paise: Int64) -> Money { Money(minorUnits: paise, currency: .inr) }

@Suite("Tax invoice")
struct TaxInvoiceTests {
    @Test("a one-page invoice passes qpdf and shows its number, both GSTINs, every tax figure, the total and words")
    func invoiceContents() throws {
        let renderer = try requireUnicodeFonts()
        let invoice = DocumentFixtures.invoice(payments: [(.upi, "pay_Nx81KD0f", 5_000_000)])
        let pdf = try renderer.invoicePDF(invoice)
        let check = try PDFTools.check(pdf, name: "invoice")
        #expect(check.clean, "qpdf --check: \(check.report)")
        #expect(try PDFTools.pageCount(pdf, name: "invoice") == 1)

        let text = try PDFTools.text(pdf, name: "invoice")
        let flat = flattened(text)
        for expected in [
            "Tax Invoice", "INV/26-27/000042", "GSTIN: 29AAGCN4821K1Z5", "GSTIN: 29AAACB1234C1ZB",
            "Place of supply Karnataka (29)", "Reverse charge No", "Page 1 of 1", "Partly paid",
        ] {
            #expect(flat.contains(expected), "missing \(expected)")
        }
        #expect(invoice.tax.heads.map(\.head) == [.cgst, .sgst])
        for head in invoice.tax.heads {
            #expect(
                flat.contains(
                    "\(head.head.rawValue.uppercased()) 9% \(head.taxableAmount.formatted()) \(head.amount.formatted())"
                ))
        }
        #expect(flat.contains("Total " + invoice.total.formatted()))
        #expect(flat.contains("Total tax " + invoice.tax.total.formatted()))
        #expect(flat.contains(invoice.total.formatted().hasPrefix("₹") ? "₹" : "INR"))
        let words = try PDFTools.text(pdf, name: "invoice", raw: true)
        #expect(flattened(words).contains(AmountInWords.words(for: invoice.total)))
        try Golden.expectMatch(text, named: "invoice")
    }

    @Test("the same invoice gives the same bytes every time")
    func deterministic() throws {
        let renderer = try requireUnicodeFonts()
        let invoice = DocumentFixtures.invoice()
        let first = try renderer.invoicePDF(invoice)
        let second = try DocumentRenderer(fonts: unicodeFonts).invoicePDF(invoice)
        #expect(first == second)
        let helvetica = DocumentRenderer(fonts: .standard)
        #expect(try helvetica.invoicePDF(invoice) == helvetica.invoicePDF(invoice))
    }

    @Test("without TrueType fonts the invoice is set in Helvetica and amounts print with INR")
    func helveticaOnly() throws {
        let invoice = DocumentFixtures.invoice()
        let pdf = try DocumentRenderer(fonts: .standard).invoicePDF(invoice)
        let check = try PDFTools.check(pdf, name: "invoice-helvetica")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "invoice-helvetica")
        #expect(flattened(text).contains("Total " + invoice.total.formatted(.code)))
        #expect(invoice.total.formatted(.code).hasPrefix("INR "))
        #expect(!text.contains("₹"))
        let raw = String(decoding: pdf, as: UTF8.self)
        #expect(raw.contains("/BaseFont /Helvetica-Bold"))
        #expect(!raw.contains("/FontFile2"))
        try Golden.expectMatch(text, named: "invoice-helvetica")
    }

    @Test("a 300-line invoice flows over pages, repeating the table header and numbering every page")
    func longInvoice() throws {
        let renderer = try requireUnicodeFonts()
        let invoice = DocumentFixtures.invoice(lineCount: 300)
        let pdf = try renderer.invoicePDF(invoice)
        let check = try PDFTools.check(pdf, name: "invoice-300")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let pages = try PDFTools.pageCount(pdf, name: "invoice-300")
        #expect(pages >= 6)
        let text = try PDFTools.text(pdf, name: "invoice-300")
        let pageTexts = text.split(separator: "\u{0C}", omittingEmptySubsequences: true)
        #expect(pageTexts.count == pages)
        for (index, page) in pageTexts.enumerated() {
            #expect(page.contains("Page \(index + 1) of \(pages)"))
            #expect(page.contains("INV/26-27/000042"))
            if index < pages - 1 { #expect(page.contains("Usage period"), "no table header on page \(index + 1)") }
        }
        #expect(flattened(text).contains("300 Network egress to the internet 998315"))
        #expect(flattened(text).contains("Total " + invoice.total.formatted()))
    }

    @Test("a Devanagari name and the rupee sign survive extraction through the subset fonts' ToUnicode maps")
    func devanagariName() throws {
        let renderer = try requireUnicodeFonts()
        let workspace = DocumentFixtures.workspace(name: "अनन्या राव", gstin: nil)
        let pdf = try renderer.invoicePDF(DocumentFixtures.invoice(workspace: workspace))
        let check = try PDFTools.check(pdf, name: "invoice-devanagari")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "invoice-devanagari")
        #expect(text.contains("अनन्या राव"))
        #expect(text.contains("₹1,"))
        let raw = String(decoding: pdf, as: UTF8.self)
        #expect(raw.contains("+Lohit-Devanagari") || raw.contains("+NotoSansDevanagari"), "no Devanagari face embedded")
    }

    @Test("embedded fonts are subsets, far smaller than the font files, and tagged by their glyph set")
    func subsets() throws {
        let renderer = try requireUnicodeFonts()
        let pdf = try renderer.invoicePDF(DocumentFixtures.invoice())
        let raw = String(decoding: pdf, as: UTF8.self)
        let lengths = raw.matches(of: #//Length1 (\d+)/#).map { Int($0.output.1)! }
        #expect(lengths.count == 2)
        let fullSize =
            try FileManager.default.attributesOfItem(
                atPath: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")[.size] as! Int
        for length in lengths { #expect(length * 10 < fullSize, "a subset of \(length) bytes is not much of a subset") }
        #expect(raw.matches(of: #//BaseFont /[A-Z]{6}\+DejaVuSans(-Bold)? /#).count == 4)
        #expect(raw.contains("/ToUnicode"))
        #expect(raw.contains("/Encoding /Identity-H"))
    }

    @Test("an inter-state invoice charges IGST at 18%")
    func interState() throws {
        let renderer = try requireUnicodeFonts()
        let workspace = DocumentFixtures.workspace(gstin: "27AAPFU0939F1ZV", stateCode: "27")
        let invoice = DocumentFixtures.invoice(workspace: workspace)
        let text = flattened(try PDFTools.text(try renderer.invoicePDF(invoice), name: "invoice-igst"))
        #expect(text.contains("IGST 18% \(invoice.subtotal.formatted()) \(invoice.tax.igst.formatted())"))
        #expect(text.contains("Place of supply Maharashtra (27)"))
        #expect(!text.contains("CGST"))
    }

    @Test("a zero-rated export carries the LUT endorsement")
    func export() throws {
        let renderer = try requireUnicodeFonts()
        let workspace = DocumentFixtures.workspace(gstin: nil, stateCode: nil, country: "US", currency: .usd)
        let invoice = DocumentFixtures.invoice(workspace: workspace)
        let pdf = try renderer.invoicePDF(invoice)
        let check = try PDFTools.check(pdf, name: "invoice-export")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = flattened(try PDFTools.text(pdf, name: "invoice-export", raw: true))
        #expect(text.contains(invoice.tax.endorsement!))
        #expect(text.contains("(LUT ARN AD290326000123X)"), "the endorsement names the supplier's LUT")
        #expect(text.contains("Other Country (96)"))
        #expect(text.contains(invoice.total.formatted()))
    }

    @Test("a logo with an alpha channel embeds with a soft mask, and one without as it is")
    func logo() throws {
        for alpha in [true, false] {
            let logo = try PNGImage(bytes: TestImages.png(width: 96, height: 32, alpha: alpha))
            let renderer = DocumentRenderer(fonts: unicodeFonts, logo: logo)
            let pdf = try renderer.invoicePDF(DocumentFixtures.invoice(lineCount: 3))
            let check = try PDFTools.check(pdf, name: "invoice-logo")
            #expect(check.clean, "qpdf --check: \(check.report)")
            let raw = String(decoding: pdf, as: UTF8.self)
            #expect(raw.contains("/Subtype /Image /Width 96 /Height 32"))
            #expect(raw.contains("/SMask") == alpha)
        }
    }

    @Test("a damaged PNG and a draft are refused with a reason")
    func refusals() throws {
        #expect(throws: DocumentError.self) { try PNGImage(bytes: Array("not a png".utf8)) }
        let draft = DocumentFixtures.draft()
        #expect { try DocumentRenderer(fonts: .standard).invoicePDF(draft) } throws: { error in
            (error as? DocumentError)?.code == .notFinalized
        }
    }
}

@Suite("Credit note, receipt and statement")
struct OtherDocumentTests {
    @Test("a credit note names the invoice it corrects and credits its tax")
    func creditNote() throws {
        let renderer = try requireUnicodeFonts()
        let original = DocumentFixtures.invoice()
        let note = DocumentFixtures.creditNote(for: original)
        let pdf = try renderer.invoicePDF(note, originalInvoice: (original.number!, original.issueDate!))
        let check = try PDFTools.check(pdf, name: "credit-note")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "credit-note")
        let flat = flattened(text)
        for expected in [
            "Credit Note", "CN/26-27/000003", "Original invoice INV/26-27/000042",
            "Original invoice date 01 Dec 2026", "Total credit " + note.total.formatted(), "Status Applied",
        ] {
            #expect(flat.contains(expected), "missing \(expected)")
        }
        try Golden.expectMatch(text, named: "credit-note")
        #expect { try renderer.invoicePDF(note) } throws: { error in
            (error as? DocumentError)?.code == .missingOriginalInvoice
        }
    }

    @Test("a receipt shows the amount received, how, the reference and the amount in words")
    func receipt() throws {
        let renderer = try requireUnicodeFonts()
        let pdf = try renderer.invoicePDF(DocumentFixtures.receipt())
        let check = try PDFTools.check(pdf, name: "receipt")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "receipt")
        let flat = flattened(text)
        for expected in [
            "Receipt", "RCT/26-27/000007", "₹15,000.00", "Method UPI", "Reference UPI-612345678901",
            "Rupees Fifteen Thousand Only",
        ] {
            #expect(flat.contains(expected), "missing \(expected)")
        }
        try Golden.expectMatch(text, named: "receipt")
    }

    @Test("a statement lists every entry with a running balance from the opening to the closing balance")
    func statement() throws {
        let renderer = try requireUnicodeFonts()
        let statement = DocumentFixtures.statement()
        let pdf = renderer.statementPDF(statement)
        let check = try PDFTools.check(pdf, name: "statement")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "statement")
        let flat = flattened(text)
        #expect(flat.contains("Opening balance " + rupees(235_000).formatted()))
        #expect(flat.contains("Closing balance " + statement.closingBalance.formatted()))
        #expect(statement.closingBalance == rupees(235_000 - 94_164 - 1_500_000))
        var balance = statement.openingBalance
        for entry in statement.entries {
            balance += entry.debit - entry.credit
            #expect(flat.contains(entry.reference), "missing \(entry.reference)")
        }
        #expect(flat.contains(balance.formatted()))
        try Golden.expectMatch(text, named: "statement")
    }
}

@Suite("Credit and debit notes")
struct CorrectionDocumentTests {
    /// Two lines of the fixture invoice credited: one of its 3 seats, and ₹500 of the pod's value.
    static let partialCredit = [
        LineAdjustment(position: 1, measure: .quantity(FixedDecimal(1))),
        LineAdjustment(position: 3, measure: .amount(rupees(50_000))),
    ]

    @Test("a partial credit note names the original, credits line by line under its heads and says where it went")
    func partialCreditNote() throws {
        let renderer = try requireUnicodeFonts()
        let original = DocumentFixtures.invoice()
        let note = DocumentFixtures.correction(
            .creditNote, of: original, adjustments: Self.partialCredit, number: "CN/26-27/000004",
            destination: .amountDue)
        // The original's number and date come from the note itself.
        let pdf = try renderer.invoicePDF(note)
        let check = try PDFTools.check(pdf, name: "credit-note-partial")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "credit-note-partial")
        let flat = flattened(text)
        for expected in [
            "Credit Note", "Credit note number CN/26-27/000004", "Original invoice INV/26-27/000042",
            "Original invoice date 01 Dec 2026", "CREDIT TO", "TAX CREDITED", "Status Applied",
            // One seat at the line's price; the pod by value alone, with no quantity, unit or rate.
            "1 seat 399.00 ₹399.00", "— — — ₹500.00", "Line 2 of the original invoice",
            "Line 4 of the original invoice", "Applied to the amount due of INV/26-27/000042",
            "Total credit " + note.total.formatted(),
        ] {
            #expect(flat.contains(expected), "missing \(expected)")
        }
        #expect(!flat.contains("adjustment"), "a line credited by value shows no unit")
        #expect(!flat.contains("Amount due"), "a credit note is not payable")
        #expect(note.tax.heads.map(\.head) == [.cgst, .sgst])
        for head in note.tax.heads {
            #expect(
                flat.contains("\(head.head.rawValue.uppercased()) 9% ₹899.00 \(head.amount.formatted())"),
                "the tax credited under \(head.head) at the original's rate")
        }
        #expect(note.total == rupees(106_082))
        try Golden.expectMatch(text, named: "credit-note-partial")
    }

    @Test("a commercial credit note says it adjusts no GST, prints no tax and says where the credit went")
    func commercialCreditNote() throws {
        let renderer = try requireUnicodeFonts()
        let original = DocumentFixtures.invoice(payments: [(.upi, "pay_Nx81KD0f", 5_000_000)])
        let note = DocumentFixtures.correction(
            .creditNote, of: original, adjustments: [LineAdjustment(position: 0, measure: .amount(rupees(100_000)))],
            number: "CCN/26-27/000001", adjustsGST: false, destination: .creditBalance)
        let pdf = try renderer.invoicePDF(note)
        let check = try PDFTools.check(pdf, name: "credit-note-commercial")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "credit-note-commercial")
        let flat = flattened(text)
        let raw = flattened(try PDFTools.text(pdf, name: "credit-note-commercial", raw: true))
        for expected in [
            "Commercial Credit Note", "CCN/26-27/000001", "Original invoice INV/26-27/000042",
            "Kept as credit balance for future invoices", "Total credit ₹1,000.00", "Rupees One Thousand Only",
        ] {
            #expect(flat.contains(expected), "missing \(expected)")
        }
        #expect(
            raw.contains(
                "Commercial credit note — no GST adjustment (not a credit note under section 34 of the CGST Act)"))
        for absent in ["CGST 9%", "SGST", "IGST", "TAX CREDITED", "TAX SUMMARY", "Total tax", "Zero-rated"] {
            #expect(!flat.contains(absent), "a commercial credit note shows no \(absent)")
        }
        try Golden.expectMatch(text, named: "credit-note-commercial")
    }

    @Test(
        "where a credit went is printed for each destination",
        arguments: [
            (Correction.Destination.refund, "Refunded to the original payment method"),
            (.wallet, "Added to the prepaid wallet"),
            (.creditBalance, "Kept as credit balance for future invoices"),
            (.amountDue, "Applied to the amount due of INV/26-27/000042"),
        ])
    func destinations(destination: Correction.Destination, words: String) throws {
        let note = DocumentFixtures.correction(
            .creditNote, of: DocumentFixtures.invoice(), adjustments: Self.partialCredit, number: "CN/26-27/000005",
            destination: destination)
        let pdf = try DocumentRenderer(fonts: .standard).invoicePDF(note)
        #expect(flattened(try PDFTools.text(pdf, name: "credit-note-destination")).contains(words))
    }

    @Test("a debit note names the original, charges what it undercharged with its tax, and is due")
    func debitNote() throws {
        let renderer = try requireUnicodeFonts()
        let original = DocumentFixtures.invoice()
        let note = DocumentFixtures.correction(
            .debitNote, of: original,
            adjustments: [
                LineAdjustment(position: 3, measure: .quantity(FixedDecimal(100))),
                LineAdjustment(position: 5, measure: .amount(rupees(25_000))),
            ], number: "DN/26-27/000001")
        let pdf = try renderer.invoicePDF(note)
        let check = try PDFTools.check(pdf, name: "debit-note")
        #expect(check.clean, "qpdf --check: \(check.report)")
        let text = try PDFTools.text(pdf, name: "debit-note")
        let flat = flattened(text)
        // ₹240 for 100 more vCPU-hours and ₹250 of egress, with 9% CGST and 9% SGST: ₹578.20.
        #expect(note.total == rupees(57_820))
        for expected in [
            "Debit Note", "Debit note number DN/26-27/000001", "Original invoice INV/26-27/000042",
            "Original invoice date 01 Dec 2026", "Due date 22 Dec 2026", "BILL TO", "Status Unpaid",
            "Amount due ₹578.20", "100 vCPU-hour 2.40 ₹240.00", "— — — ₹250.00", "CGST 9% ₹490.00 ₹44.10",
            "SGST 9% ₹490.00 ₹44.10", "Total ₹578.20", "Amount paid ₹0.00",
        ] {
            #expect(flat.contains(expected), "missing \(expected)")
        }
        #expect(!flat.contains("Credit") && !flat.contains("adjustment"))
        try Golden.expectMatch(text, named: "debit-note")
    }

    @Test("an invoice a credit note took from shows the amount credited beside the amount paid and due")
    func invoiceWithCredit() throws {
        var invoice = DocumentFixtures.invoice(payments: [(.upi, "pay_Nx81KD0f", 5_000_000)])
        try invoice.applyCredit(rupees(106_082))
        let pdf = try DocumentRenderer(fonts: .standard).invoicePDF(invoice)
        let flat = flattened(try PDFTools.text(pdf, name: "invoice-credited"))
        #expect(flat.contains("Amount paid INR 50,000.00"))
        #expect(flat.contains("Amount credited INR 1,060.82"))
        #expect(flat.contains("Amount due " + invoice.amountDue.formatted(.code)))
        #expect(flat.contains("Status Partly paid"))

        var credited = DocumentFixtures.invoice()
        try credited.applyCredit(rupees(106_082))
        let onlyCredited = try DocumentRenderer(fonts: .standard).invoicePDF(credited)
        #expect(flattened(try PDFTools.text(onlyCredited, name: "invoice-credited")).contains("Status Partly credited"))
    }
}
