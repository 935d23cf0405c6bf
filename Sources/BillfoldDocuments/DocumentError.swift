/// Why a document could not be made, with what to do about it.
package struct DocumentError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem it is, stable for callers that branch on it.
    package enum Code: String, Sendable {
        /// A TrueType file is missing, truncated, or lacks a table the PDF needs.
        case unreadableFont = "unreadable_font"
        /// A PNG file is damaged or uses a form this writer does not embed.
        case unreadableImage = "unreadable_image"
        /// A credit note was rendered without the number and date of the invoice it corrects.
        case missingOriginalInvoice = "missing_original_invoice"
        /// A document has no number or issue date yet: drafts are not rendered.
        case notFinalized = "not_finalized"
    }

    package let code: Code
    /// What is wrong and how to correct it.
    package let message: String

    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { self.message }
}
