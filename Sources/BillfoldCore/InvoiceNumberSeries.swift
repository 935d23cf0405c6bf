/// The kinds of document Billfold numbers, each in its own series.
package enum DocumentKind: String, Sendable, Codable, CaseIterable {
    case invoice
    case receipt
    case creditNote = "credit_note"
    case debitNote = "debit_note"

    /// The prefix of this kind's series unless configured otherwise: `INV`, `RCT`, `CN`, `DN`.
    package var defaultNumberPrefix: String {
        switch self {
        case .invoice: return "INV"
        case .receipt: return "RCT"
        case .creditNote: return "CN"
        case .debitNote: return "DN"
        }
    }

    /// The prefix of commercial credit notes, which adjust no GST and so run in a series apart from `CN`'s.
    package static let commercialCreditNotePrefix = "CCN"
    /// The name of the commercial credit notes' series.
    package static let commercialCreditNoteSeries = "commercial_credit_note"
}

/// A series of document numbers, `INV/26-27/000042`, restarting each financial year within GST's 16 characters.
package struct InvoiceNumberSeries: Hashable, Sendable {
    /// One to three upper-case letters and digits, starting with a letter: `INV`.
    package let prefix: String

    /// A series with `prefix`, which must be 1 to 3 of A-Z and 0-9 and start with a letter.
    package init(prefix: String) throws(InvoiceNumberError) {
        guard (1...3).contains(prefix.count) else {
            throw InvoiceNumberError(
                message: "The number prefix \"\(prefix)\" has \(prefix.count) characters; use 1 to 3, like INV")
        }
        guard prefix.allSatisfy({ Self.upperCaseLetters.contains($0) || Self.digits.contains($0) }) else {
            throw InvoiceNumberError(
                message: "The number prefix \"\(prefix)\" may contain only upper-case letters A-Z and digits 0-9")
        }
        guard let first = prefix.first, Self.upperCaseLetters.contains(first) else {
            throw InvoiceNumberError(
                message: "The number prefix \"\(prefix)\" must start with a letter; e-invoicing refuses numbers "
                    + "starting with 0")
        }
        self.prefix = prefix
    }

    /// GST allows at most 16 characters in a document number.
    package static let maximumNumberLength = 16

    /// The number of the `sequence`-th document of `year`: `INV/26-27/000042`.
    package func number(sequence: Int, in year: FinancialYear) throws(InvoiceNumberError) -> String {
        guard sequence >= 1 else {
            throw InvoiceNumberError(message: "A document sequence starts at 1; \(sequence) is not a valid sequence")
        }
        let digits = String(sequence)
        let padded = String(repeating: "0", count: Swift.max(0, 6 - digits.count)) + digits
        let number = "\(self.prefix)/\(year.shortLabel)/\(padded)"
        guard number.count <= Self.maximumNumberLength else {
            throw InvoiceNumberError(
                message: "Document number \(number) would have \(number.count) characters but GST allows "
                    + "\(Self.maximumNumberLength); use a shorter prefix than \(self.prefix)")
        }
        return number
    }

    /// Whether `number` is a valid GST document number: 1 to 16 of A-Z, 0-9, `/` and `-`, not starting with 0, / or -.
    package static func isValidNumber(_ number: String) -> Bool {
        guard (1...self.maximumNumberLength).contains(number.count), let first = number.first,
            !"0/-".contains(first)
        else { return false }
        return number.allSatisfy { self.upperCaseLetters.contains($0) || self.digits.contains($0) || "/-".contains($0) }
    }

    private static let upperCaseLetters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    private static let digits = Set("0123456789")
}

/// Why a number prefix or a document number was refused.
package struct InvoiceNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong and how to correct it.
    package let message: String

    package var description: String { self.message }
}
