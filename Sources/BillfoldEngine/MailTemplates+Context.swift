import BillfoldCore
import Foundation

/// One invoice a mail names: in the reminders' list, or the one invoice a mail is about.
package struct MailInvoiceLine: Hashable, Sendable {
    /// The number printed on the invoice: `INV/2026-27/000123`.
    package var number: String
    package var issueDate: CalendarDate
    package var dueDate: CalendarDate?
    package var total: Money
    /// What is still to be paid of `total`.
    package var amountDue: Money
    /// The invoice's page in the portal, in full, where the payer sees it and pays it (Pay now is a button there):
    /// `MailContext.invoiceURL(portalURL:invoiceID:)`, such as `https://billing.example.in/portal/invoices/inv_…`.
    package var link: String

    package init(
        number: String, issueDate: CalendarDate, dueDate: CalendarDate?, total: Money, amountDue: Money, link: String
    ) {
        self.number = number
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.total = total
        self.amountDue = amountDue
        self.link = link
    }

    /// `invoice` as a mail names it, linked to its page under `portalURL`. A document not yet issued is dated
    /// the day it was created, in India Standard Time.
    package init(_ invoice: Invoice, portalURL: String) {
        self.init(
            number: invoice.number ?? invoice.id.rawValue,
            issueDate: invoice.issueDate ?? CalendarDate(invoice.createdAt, in: .indiaStandardTime),
            dueDate: invoice.dueDate, total: invoice.total, amountDue: invoice.amountDue,
            link: MailContext.invoiceURL(portalURL: portalURL, invoiceID: invoice.id))
    }
}

/// Everything a mail may show. Only the supplier, the workspace and the portal are required; a template leaves out
/// what it is not given, so every template renders with those three alone.
///
/// Which template reads which field (all read the supplier, the workspace, `recipientName` and `portalURL`):
/// - `invoices`: every template but `serviceRestored` and `walletLow`; `invoiceIssued`, `paymentReceived`,
///   `paymentFailed`, `preDebitNotice` and `creditNoteIssued` are about the first one (for a credit note: the
///   invoice it credits); the reminders, `finalWarning` and `serviceSuspended` list them all with their total.
/// - `amount`: what was paid (`paymentReceived`, `serviceRestored`), tried (`paymentFailed`), will be debited
///   (`preDebitNotice`) or credited (`creditNoteIssued`).
/// - `paymentMethod`: `paymentReceived`, `paymentFailed`. `failureReason`: `paymentFailed`.
/// - `debitOn`, `mandateReference`: `preDebitNotice`.
/// - `reference`: the payment's reference (`paymentReceived`, `paymentFailed`, `serviceRestored`), the debit's
///   (`preDebitNotice`).
/// - `overdueBalance`, `daysOverdue`, `suspendsOn`: `reminderOverdue`, `finalWarning`, `serviceSuspended` (the day
///   service was suspended); `overdueBalance` defaults to the sum of the invoices' amounts due.
/// - `walletBalance`, `walletThreshold`: `walletLow`.
/// - `creditNoteNumber`, `creditedInvoiceNumber`, `creditNoteLink`, `creditNoteReason`: `creditNoteIssued`;
///   `creditNoteNumber`, `creditNoteLink` and `amount` (what was credited) also `disputeResolved`.
/// - `debitedInvoiceNumber`, `debitNoteReason`: `debitNoteIssued`, which is about the first of `invoices`, the debit
///   note itself.
/// - `disputeLink`, `disputeReason`, `disputedAmount`: the dispute mails, about the first of `invoices`, the invoice
///   disputed; `disputeUpdate`: `disputeUpdated`; `disputeMessage`: the operator's reply (`disputeUpdated`), the
///   resolution (`disputeResolved`) or the explanation of a rejection (`disputeRejected`).
package struct MailContext: Sendable {
    /// What happened to a dispute that `disputeUpdated` tells of.
    package enum DisputeUpdate: String, Sendable, CaseIterable {
        /// The operator took it up.
        case underReview = "under_review"
        /// The operator wrote in its thread.
        case reply = "comment_added_by_operator"
        /// The customer withdrew it.
        case withdrawn
    }

    /// The supplier's trade or legal name, as it signs its mail.
    package var supplierName: String
    /// Where the payer writes with questions; shown in the footer.
    package var supplierEmail: String?
    package var supplierGSTIN: String?
    /// The workspace's legal name: who is billed.
    package var workspaceName: String
    /// The person the mail greets; the workspace's name when `nil`.
    package var recipientName: String?
    /// The portal's base URL, without a trailing slash: `https://billing.example.in/portal`. The mails link to its
    /// billing history (`/invoices`, `/invoices?status=overdue`), billing profile, where auto-pay is turned off
    /// (`/profile`), and wallet (`/wallet`).
    package var portalURL: String
    package var invoices: [MailInvoiceLine]
    package var amount: Money?
    /// How the payment was made, as a person names it: `UPI`, `Card` (`PaymentMethod.displayName`).
    package var paymentMethod: String?
    /// Why the payment failed, in the gateway's or bank's words.
    package var failureReason: String?
    /// The day auto-pay debits `amount`.
    package var debitOn: CalendarDate?
    /// The auto-pay mandate the debit is taken under: `mdt_…` or the bank's UMRN.
    package var mandateReference: String?
    /// Everything overdue; the sum of the invoices' amounts due when `nil`.
    package var overdueBalance: Money?
    /// The day service will be suspended (`reminderOverdue`, `finalWarning`) or was (`serviceSuspended`).
    package var suspendsOn: CalendarDate?
    /// Days since the earliest overdue invoice's due date.
    package var daysOverdue: Int?
    package var walletBalance: Money?
    /// The balance below which the wallet counts as running low.
    package var walletThreshold: Money?
    package var creditNoteNumber: String?
    package var creditedInvoiceNumber: String?
    /// The credit note's page in the portal, in full: `invoiceURL(portalURL:invoiceID:)` with the credit note's id.
    package var creditNoteLink: String?
    /// Why the credit note was issued, as it says: `Refund of unused seats`.
    package var creditNoteReason: String?
    /// A reference the payer can quote: a payment's id or UTR, a debit's id.
    package var reference: String?
    /// The invoice a debit note charges more for.
    package var debitedInvoiceNumber: String?
    /// Why the debit note was issued, as it says: `Usage of November billed short`.
    package var debitNoteReason: String?
    /// The dispute's page in the portal, in full: `disputeURL(portalURL:disputeID:)`.
    package var disputeLink: String?
    /// Why the customer disputes the invoice, as the portal's form words it: `Usage is wrong`.
    package var disputeReason: String?
    /// What the customer contests of the invoice.
    package var disputedAmount: Money?
    package var disputeUpdate: DisputeUpdate?
    /// The operator's words in the dispute's thread.
    package var disputeMessage: String?

    package init(
        supplierName: String, supplierEmail: String? = nil, supplierGSTIN: String? = nil, workspaceName: String,
        recipientName: String? = nil, portalURL: String, invoices: [MailInvoiceLine] = [], amount: Money? = nil,
        paymentMethod: String? = nil, failureReason: String? = nil, debitOn: CalendarDate? = nil,
        mandateReference: String? = nil, overdueBalance: Money? = nil, suspendsOn: CalendarDate? = nil,
        daysOverdue: Int? = nil, walletBalance: Money? = nil, walletThreshold: Money? = nil,
        creditNoteNumber: String? = nil, creditedInvoiceNumber: String? = nil, creditNoteLink: String? = nil,
        creditNoteReason: String? = nil, reference: String? = nil, debitedInvoiceNumber: String? = nil,
        debitNoteReason: String? = nil, disputeLink: String? = nil, disputeReason: String? = nil,
        disputedAmount: Money? = nil, disputeUpdate: DisputeUpdate? = nil, disputeMessage: String? = nil
    ) {
        self.supplierName = supplierName
        self.supplierEmail = supplierEmail
        self.supplierGSTIN = supplierGSTIN
        self.workspaceName = workspaceName
        self.recipientName = recipientName
        self.portalURL = portalURL
        self.invoices = invoices
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.failureReason = failureReason
        self.debitOn = debitOn
        self.mandateReference = mandateReference
        self.overdueBalance = overdueBalance
        self.suspendsOn = suspendsOn
        self.daysOverdue = daysOverdue
        self.walletBalance = walletBalance
        self.walletThreshold = walletThreshold
        self.creditNoteNumber = creditNoteNumber
        self.creditedInvoiceNumber = creditedInvoiceNumber
        self.creditNoteLink = creditNoteLink
        self.creditNoteReason = creditNoteReason
        self.reference = reference
        self.debitedInvoiceNumber = debitedInvoiceNumber
        self.debitNoteReason = debitNoteReason
        self.disputeLink = disputeLink
        self.disputeReason = disputeReason
        self.disputedAmount = disputedAmount
        self.disputeUpdate = disputeUpdate
        self.disputeMessage = disputeMessage
    }

    /// The portal's page of a document (invoice, receipt or credit note): `<portal>/invoices/<id>`, the route of
    /// the portal's invoice page, where Pay now is.
    package static func invoiceURL(portalURL: String, invoiceID: InvoiceID) -> String {
        Self.trimmed(portalURL) + "/invoices/" + invoiceID.rawValue
    }

    /// The portal's page of a dispute, where its thread is: `<portal>/disputes/<id>`.
    package static func disputeURL(portalURL: String, disputeID: DisputeID) -> String {
        Self.trimmed(portalURL) + "/disputes/" + disputeID.rawValue
    }

    /// `url` without its trailing slashes, so paths can be appended.
    static func trimmed(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}
