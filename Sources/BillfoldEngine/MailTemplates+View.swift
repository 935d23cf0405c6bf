import BillfoldCore
import Foundation

/// What a mail template shows: every value already a string for people, on one line, so the templates hold no
/// logic beyond sections.
struct MailView {
    struct InvoiceRow {
        let number: String
        let issueDate: String
        let dueDate: String?
        let total: String
        let amountDue: String
        /// Nothing is left to pay.
        let isSettled: Bool
        let link: String
    }

    /// Built last, from the other values.
    private(set) var subject = ""
    let supplierName: String
    let supplierEmail: String?
    let supplierGSTIN: String?
    let workspaceName: String
    /// Whom the mail greets: the recipient, or the workspace.
    let greetingName: String
    let portalURL: String
    let invoicesURL: String
    let profileURL: String
    let walletURL: String
    let invoices: [InvoiceRow]
    let hasInvoices: Bool
    /// The invoice, when the mail names exactly one.
    let singleInvoice: InvoiceRow?
    /// The first invoice, which a mail about one invoice is about.
    let invoice: InvoiceRow?
    let severalInvoices: Bool
    let invoiceCount: Int
    /// Whether the list is of overdue invoices, which its total says.
    let listsOverdue: Bool
    /// The sum of the invoices' amounts due.
    let totalDue: String?
    /// The earliest of the invoices' due dates.
    let earliestDueDate: String?
    /// Where the payer pays: the one invoice's page, or the billing history (of the overdue invoices).
    let payURL: String
    let amount: String?
    /// What auto-pay debits: `amount`, or the invoice's amount due.
    let debitAmount: String?
    let paymentMethod: String?
    let failureReason: String?
    let debitOn: String?
    let mandateReference: String?
    let overdueBalance: String?
    let suspendsOn: String?
    /// `1 day`, `12 days`.
    let daysOverdue: String?
    let walletBalance: String?
    let walletThreshold: String?
    let creditNoteNumber: String?
    let creditedInvoiceNumber: String?
    let creditNoteLink: String?
    let creditNoteReason: String?
    let reference: String?
    let debitedInvoiceNumber: String?
    let debitNoteReason: String?
    /// The dispute's page, or the portal's list of disputes.
    let disputeURL: String
    let disputeReason: String?
    let disputedAmount: String?
    let isUnderReview: Bool
    let isReply: Bool
    let isWithdrawn: Bool
    let disputeMessage: String?

    init(_ template: MailTemplate, _ context: MailContext) throws(MailTemplates.RenderError) {
        let portalURL = try Self.link(MailContext.trimmed(context.portalURL), field: "portalURL")
        var rows: [InvoiceRow] = []
        for (index, line) in context.invoices.enumerated() {
            rows.append(
                InvoiceRow(
                    number: Self.line(line.number) ?? "",
                    issueDate: line.issueDate.printed, dueDate: line.dueDate?.printed,
                    total: line.total.formatted(), amountDue: line.amountDue.formatted(),
                    isSettled: !line.amountDue.isPositive,
                    link: try Self.link(line.link, field: "invoices[\(index)].link")))
        }
        let listsOverdue = [.reminderOverdue, .finalWarning, .serviceSuspended].contains(template)
        let totalDue = context.invoices.isEmpty ? nil : Self.sum(context.invoices.map(\.amountDue))
        let overdueBalance = context.overdueBalance?.formatted() ?? (listsOverdue ? totalDue : nil)

        self.supplierName = Self.line(context.supplierName) ?? "Your supplier"
        self.supplierEmail = Self.line(context.supplierEmail)
        self.supplierGSTIN = Self.line(context.supplierGSTIN)
        self.workspaceName = Self.line(context.workspaceName) ?? "your workspace"
        self.greetingName = Self.line(context.recipientName) ?? self.workspaceName
        self.portalURL = portalURL
        self.invoicesURL = portalURL + "/invoices"
        self.profileURL = portalURL + "/profile"
        self.walletURL = portalURL + "/wallet"
        self.invoices = rows
        self.hasInvoices = !rows.isEmpty
        self.singleInvoice = rows.count == 1 ? rows[0] : nil
        self.invoice = rows.first
        self.severalInvoices = rows.count > 1
        self.invoiceCount = rows.count
        self.listsOverdue = listsOverdue
        self.totalDue = totalDue
        self.earliestDueDate = context.invoices.compactMap(\.dueDate).min()?.printed
        self.payURL =
            rows.count == 1 ? rows[0].link : self.invoicesURL + (listsOverdue ? "?status=overdue" : "")
        self.amount = context.amount?.formatted()
        self.debitAmount = self.amount ?? rows.first?.amountDue
        self.paymentMethod = Self.line(context.paymentMethod)
        self.failureReason = Self.line(context.failureReason)
        self.debitOn = context.debitOn?.printed
        self.mandateReference = Self.line(context.mandateReference)
        self.overdueBalance = overdueBalance
        self.suspendsOn = context.suspendsOn?.printed
        self.daysOverdue = context.daysOverdue.flatMap { $0 > 0 ? ($0 == 1 ? "1 day" : "\($0) days") : nil }
        self.walletBalance = context.walletBalance?.formatted()
        self.walletThreshold = context.walletThreshold?.formatted()
        self.creditNoteNumber = Self.line(context.creditNoteNumber)
        self.creditedInvoiceNumber = Self.line(context.creditedInvoiceNumber) ?? (rows.first?.number)
        self.creditNoteLink = try context.creditNoteLink.map { link throws(MailTemplates.RenderError) in
            try Self.link(link, field: "creditNoteLink")
        }
        self.creditNoteReason = Self.line(context.creditNoteReason)
        self.reference = Self.line(context.reference)
        self.debitedInvoiceNumber = Self.line(context.debitedInvoiceNumber)
        self.debitNoteReason = Self.line(context.debitNoteReason)
        self.disputeURL =
            try context.disputeLink.map { link throws(MailTemplates.RenderError) in
                try Self.link(link, field: "disputeLink")
            } ?? portalURL + "/disputes"
        self.disputeReason = Self.line(context.disputeReason)
        self.disputedAmount = context.disputedAmount?.formatted()
        self.isUnderReview = context.disputeUpdate == .underReview
        self.isReply = context.disputeUpdate == .reply
        self.isWithdrawn = context.disputeUpdate == .withdrawn
        self.disputeMessage = Self.line(context.disputeMessage)
        self.subject = Self.line(self.subjectText(for: template)) ?? ""
    }

    /// The subject: what happened, the amount and the invoice where there is one, then the supplier.
    private func subjectText(for template: MailTemplate) -> String {
        let number = self.invoice?.number
        let forInvoice = number.map { "for \($0)" }
        let listed = (self.severalInvoices ? "\(self.invoiceCount) invoices" : number).map { " — \($0)" } ?? ""
        let main: String
        switch template {
        case .invoiceIssued:
            main =
                self.invoice.map { Self.labelled("Invoice \($0.number)", $0.total, $0.dueDate.map { "due on \($0)" }) }
                ?? "New invoice"
        case .paymentReceived:
            main = Self.labelled("Payment received", self.amount ?? self.invoice?.total, forInvoice)
        case .paymentFailed:
            main = Self.labelled("Payment failed", self.amount ?? self.invoice?.amountDue, forInvoice)
        case .preDebitNotice:
            main = Self.labelled(
                "Auto-pay", (self.debitAmount ?? "a payment") + " will be debited",
                [self.debitOn.map { "on \($0)" }, forInvoice].compactMap { $0 }.joined(separator: " "))
        case .reminderBeforeDue:
            let due = self.earliestDueDate.map { "due on \($0)" } ?? "due soon"
            main = "Reminder: " + (self.totalDue ?? "payment") + " " + due + listed
        case .reminderOnDue:
            main = (self.totalDue.map { "Due today: \($0)" } ?? "Payment due today") + listed
        case .reminderOverdue:
            main = (self.overdueBalance.map { "Overdue: \($0)" } ?? "Payment overdue") + listed
        case .finalWarning:
            main =
                Self.labelled(
                    "Final notice", "service will be suspended" + (self.suspendsOn.map { " on \($0)" } ?? ""))
                + (self.overdueBalance.map { " — \($0) overdue" } ?? "")
        case .serviceSuspended:
            main = Self.labelled("Service suspended", self.overdueBalance.map { "\($0) overdue" })
        case .serviceRestored:
            main = "Service restored"
        case .creditNoteIssued:
            main = Self.labelled(
                self.creditNoteNumber.map { "Credit note \($0)" } ?? "Credit note issued", self.amount,
                self.creditedInvoiceNumber.map { "against \($0)" })
        case .walletLow:
            main = Self.labelled("Wallet balance low", self.walletBalance.map { "\($0) left" })
        case .debitNoteIssued:
            main =
                self.invoice.map {
                    Self.labelled("Debit note \($0.number)", $0.total, $0.dueDate.map { "due on \($0)" })
                } ?? "New debit note"
        case .disputeOpened:
            main = Self.labelled("Dispute received", self.disputedAmount, number.map { "on \($0)" })
        case .disputeUpdated:
            let dispute = "Dispute" + (number.map { " on \($0)" } ?? "")
            if self.isUnderReview {
                main = dispute + " under review"
            } else if self.isReply {
                main = "Reply to your dispute" + (number.map { " on \($0)" } ?? "")
            } else if self.isWithdrawn {
                main = dispute + " withdrawn"
            } else {
                main = dispute + " updated"
            }
        case .disputeResolved:
            let credit = self.creditNoteNumber.map { "credit note \($0)" + (self.amount.map { " for \($0)" } ?? "") }
            main = Self.labelled("Dispute" + (number.map { " on \($0)" } ?? "") + " resolved", credit)
        case .disputeRejected:
            main = "Dispute" + (number.map { " on \($0)" } ?? "") + " rejected"
        }
        return "\(main) (\(self.supplierName))"
    }

    /// `Label: value tail`, `Label tail` without a value, `Label` alone.
    private static func labelled(_ label: String, _ value: String?, _ tail: String? = nil) -> String {
        label + (value.map { ": \($0)" } ?? "") + (tail.map { $0.isEmpty ? "" : " \($0)" } ?? "")
    }

    /// The amounts added up, per currency in the order they first appear: `₹1,18,000.00`, or `₹500.00 + $20.00`.
    private static func sum(_ amounts: [Money]) -> String {
        var totals: [Money] = []
        for amount in amounts {
            if let index = totals.firstIndex(where: { $0.currency == amount.currency }) {
                totals[index] += amount
            } else {
                totals.append(amount)
            }
        }
        return totals.map { $0.formatted() }.joined(separator: " + ")
    }

    /// `text` on one line: line breaks, tabs and other control characters become spaces, and runs of spaces one;
    /// `nil` when nothing is left. A name with a line break cannot add a header to the mail or a line to its text.
    static func line(_ text: String?) -> String? {
        guard let text else { return nil }
        let spaced = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
                        ? " " : scalar
                }))
        let words = spaced.split(separator: " ", omittingEmptySubsequences: true)
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// `url` when it is an absolute `http` or `https` URL a mail can link to; a refusal naming `field` otherwise.
    static func link(_ url: String, field: String) throws(MailTemplates.RenderError) -> String {
        let isWeb = url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://")
        guard isWeb, url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }),
            let parsed = URL(string: url), parsed.host?.isEmpty == false
        else {
            throw MailTemplates.RenderError(
                field: field, message: "is not an http or https URL a mail can link to: \(url.debugDescription)")
        }
        return url
    }
}

extension MailView {
    /// The view as Mustache reads it: its fields by name, each invoice row's too, and no entry for a value that is
    /// `nil`. Mustache would otherwise find each name it renders by reflecting the whole view anew (`Mirror`, which
    /// decodes every field's type each time); composing invoice mail spent most of its time there, inside the
    /// transaction that holds SQLite's one writer.
    var mustacheFields: [String: Any] { Self.fields(of: self) }

    private static func fields(of value: Any) -> [String: Any] {
        var fields: [String: Any] = [:]
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            switch child.value {
            case let row as InvoiceRow: fields[label] = Self.fields(of: row)
            case let row as InvoiceRow?: if let row { fields[label] = Self.fields(of: row) }
            case let rows as [InvoiceRow]: fields[label] = rows.map { Self.fields(of: $0) }
            case let text as String?: if let text { fields[label] = text }
            case let value as Bool: fields[label] = value
            case let value as Int: fields[label] = value
            // Any other type, Mustache reflects as before.
            default: fields[label] = child.value
            }
        }
        return fields
    }
}
