// The module's front door: finalized documents and statements in, PDF bytes out.
import BillfoldCore
import Foundation

/// Renders Billfold's documents as PDF: tax invoices, credit notes, receipts and account statements.
///
/// Rendering is pure: no clock, no randomness, no files read after the fonts and the logo are loaded, so the same
/// document gives the same bytes every time. The type is cheap to copy and safe to share between tasks.
package struct DocumentRenderer: Sendable {
    package let fonts: FontSet
    package let logo: PNGImage?
    /// Where payment instants become the dates printed.
    package let timeZone: TimeZone

    /// A renderer setting text in `fonts` (found on the system unless given) with `logo` above the supplier.
    package init(fonts: FontSet = .discovered(), logo: PNGImage? = nil, timeZone: TimeZone = .indiaStandardTime) {
        self.fonts = fonts
        self.logo = logo
        self.timeZone = timeZone
    }

    /// `invoice` as a PDF: a tax invoice, a credit note or a receipt, by its kind.
    ///
    /// A credit note names the invoice it corrects, which the `Invoice` value knows only by id: pass that
    /// invoice's number and issue date as `originalInvoice`.
    package func invoicePDF(
        _ invoice: Invoice, originalInvoice: (number: String, issueDate: CalendarDate)? = nil
    ) throws(DocumentError) -> [UInt8] {
        guard let number = invoice.number, let issueDate = invoice.issueDate else {
            throw DocumentError(
                code: .notFinalized,
                message: "Invoice \(invoice.id) is a draft with no number or issue date; finalize it before printing")
        }
        let builder = DocumentBuilder(fonts: self.fonts, logo: self.logo)
        switch invoice.kind {
        case .invoice:
            return InvoiceLayout(
                builder: builder, invoice: invoice, number: number, originalInvoice: nil, timeZone: self.timeZone
            ).render(issueDate: issueDate)
        case .creditNote, .debitNote:
            guard
                let originalInvoice = originalInvoice
                    ?? invoice.correction.map({ ($0.originalNumber, $0.originalIssueDate) })
            else {
                throw DocumentError(
                    code: .missingOriginalInvoice,
                    message: "Note \(number) must name the invoice it corrects; pass originalInvoice")
            }
            return InvoiceLayout(
                builder: builder, invoice: invoice, number: number, originalInvoice: originalInvoice,
                timeZone: self.timeZone
            ).render(issueDate: issueDate)
        case .receipt:
            return ReceiptLayout(builder: builder, receipt: invoice, number: number, timeZone: self.timeZone)
                .render(issueDate: issueDate)
        }
    }

    /// `statement` as a PDF: its entries with a running balance between the opening and the closing balance.
    package func statementPDF(_ statement: AccountStatement) -> [UInt8] {
        StatementLayout(
            builder: DocumentBuilder(fonts: self.fonts, logo: self.logo), statement: statement,
            timeZone: self.timeZone
        ).render()
    }
}
