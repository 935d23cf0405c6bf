import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation

/// What the portal's dispute pages, and the invoice page's dispute and correction panels, show.
extension DisputeLifecycle.State {
    /// `Open`, `Under review`, …: the word on the badge.
    var label: String {
        let words = self.rawValue.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}

/// A date and a time of day as people read them, in the billing time zone: `5 Mar 2026, 14:05`.
func printedTime(_ date: Date, in timeZone: TimeZone) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let parts = calendar.dateComponents([.hour, .minute], from: date)
    let clock = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    return "\(CalendarDate(date, in: timeZone).printed), \(clock)"
}

/// A dispute as a row of a list: the disputes page's, or the invoice page's.
struct DisputeRow {
    let id: String
    let href: String
    let invoiceNumber: String
    let invoiceHref: String
    let reason: String
    let state: String
    let stateLabel: String
    let disputedAmount: String
    let openedOn: String

    init(_ dispute: Dispute, timeZone: TimeZone) {
        self.id = dispute.id.rawValue
        self.href = "/portal/disputes/\(dispute.id.rawValue)"
        self.invoiceNumber = dispute.invoiceNumber
        self.invoiceHref = "/portal/invoices/\(dispute.invoiceID.rawValue)"
        self.reason = dispute.reason.label
        self.state = dispute.state.rawValue
        self.stateLabel = dispute.state.label
        self.disputedAmount = dispute.disputedAmount.formatted()
        self.openedOn = CalendarDate(dispute.createdAt, in: timeZone).printed
    }
}

/// A credit or debit note issued against an invoice, as the invoice's page lists it.
struct CorrectionRow {
    let kind: String
    let number: String
    let href: String
    let issueDate: String
    let amount: String

    init(_ note: Invoice) {
        self.kind = note.kind.label
        self.number = note.number ?? "Draft"
        self.href = "/portal/invoices/\(note.id.rawValue)"
        self.issueDate = note.issueDate?.printed ?? "—"
        self.amount = note.total.formatted()
    }
}

/// The workspace's credit balance on the wallet page: what credit notes left for the next invoices to use.
struct CreditBalanceView {
    struct Entry {
        let date: String
        let description: String
        let kind: String
        let amount: String
        let isCredit: Bool
        let documentHref: String?
    }

    let balance: String
    let entries: [Entry]
    let hasEntries: Bool

    init(balance: Money, entries: [CreditBalanceEntry], timeZone: TimeZone) {
        self.balance = balance.formatted()
        self.entries = entries.map { entry in
            let kind =
                switch entry.reason {
                case .creditNote: "Credit note"
                case .applied: "Used on an invoice"
                case .reversal: "Given back"
                }
            return Entry(
                date: CalendarDate(entry.createdAt, in: timeZone).printed, description: entry.description, kind: kind,
                amount: (entry.amount.isNegative ? "" : "+") + entry.amount.formatted(),
                isCredit: !entry.amount.isNegative,
                documentHref: entry.documentID.map { "/portal/invoices/\($0.rawValue)" })
        }
        self.hasEntries = !entries.isEmpty
    }
}

struct DisputesView: PageView {
    static let template = "portal-disputes"

    let layout: PortalPages.Layout
    let rows: [DisputeRow]
    let isEmpty: Bool
    let nextHref: String?
}

/// The form that raises a dispute on one invoice.
struct DisputeFormView: PageView {
    static let template = "portal-dispute-form"

    /// The form's values as entered, kept when it is shown again with an error. Files are not: a browser cannot be
    /// given them back.
    struct Fields {
        var reason: String = ""
        var linePositions: Set<Int> = []
        var expectedTotal: String = ""
        var message: String = ""
    }

    struct ReasonOption {
        let value: String
        let label: String
        let isSelected: Bool
    }

    struct LineOption {
        /// The line's position on the invoice, from 0, as the form sends it.
        let position: Int
        let id: String
        let description: String
        let amount: String
        let isChecked: Bool
    }

    let layout: PortalPages.Layout
    let invoiceHref: String
    let actionPath: String
    let invoiceNumber: String
    let total: String
    let currency: String
    let reasons: [ReasonOption]
    let lines: [LineOption]
    let expectedTotal: String
    let message: String
    let errors: [String]
    let hasErrors: Bool
    let maximumFiles: Int
    let maximumMessageLength: Int

    init(layout: PortalPages.Layout, invoice: Invoice, fields: Fields, errors: [String]) {
        self.layout = layout
        self.invoiceHref = "/portal/invoices/\(invoice.id.rawValue)"
        self.actionPath = "/portal/invoices/\(invoice.id.rawValue)/dispute"
        self.invoiceNumber = invoice.number ?? "Draft"
        self.total = invoice.total.formatted()
        self.currency = invoice.currency.code
        self.reasons =
            [ReasonOption(value: "", label: "Choose a reason", isSelected: fields.reason.isEmpty)]
            + DisputeReason.allCases.map {
                ReasonOption(value: $0.rawValue, label: $0.label, isSelected: $0.rawValue == fields.reason)
            }
        self.lines = invoice.lines.enumerated().map { position, line in
            LineOption(
                position: position, id: "line-\(position)",
                description: line.resourceName == line.description || line.resourceName.isEmpty
                    ? line.description : "\(line.description) (\(line.resourceName))",
                amount: line.amount.formatted(), isChecked: fields.linePositions.contains(position))
        }
        self.expectedTotal = fields.expectedTotal
        self.message = fields.message
        self.errors = errors
        self.hasErrors = !errors.isEmpty
        self.maximumFiles = DisputeAttachment.maximumCount
        self.maximumMessageLength = DisputeService.maximumCommentLength
    }
}

/// One dispute: what was raised, its thread and files, and how it ended.
struct DisputeView: PageView {
    static let template = "portal-dispute"

    struct Comment {
        let author: String
        /// `You`, `Your team` or `Support`: which side wrote it.
        let side: String
        let isSupport: Bool
        let time: String
        let body: String
    }

    struct Attachment {
        let filename: String
        let href: String
        let kind: String
        let size: String
    }

    struct Link {
        let label: String
        let href: String
    }

    let layout: PortalPages.Layout
    let id: String
    let invoiceNumber: String
    let invoiceHref: String
    let reason: String
    let state: String
    let stateLabel: String
    let disputedAmount: String
    let expectedTotal: String
    let openedOn: String
    let openedBy: String
    let lines: [String]
    let isWholeInvoice: Bool
    let comments: [Comment]
    let attachments: [Attachment]
    let hasAttachments: Bool
    let isClosed: Bool
    let canComment: Bool
    let canWithdraw: Bool
    let resolution: String?
    let creditNote: Link?
    let notice: PortalNotice?
    let commentError: String?
    let draft: String
    let maximumMessageLength: Int

    init(
        layout: PortalPages.Layout, dispute: Dispute, invoice: Invoice?, comments: [DisputeComment],
        attachments: [DisputeAttachment], creditNote: Invoice?, member: Member, timeZone: TimeZone,
        notice: PortalNotice?, commentError: String? = nil, draft: String = ""
    ) {
        self.layout = layout
        self.id = dispute.id.rawValue
        self.invoiceNumber = dispute.invoiceNumber
        self.invoiceHref = "/portal/invoices/\(dispute.invoiceID.rawValue)"
        self.reason = dispute.reason.label
        self.state = dispute.state.rawValue
        self.stateLabel = dispute.state.label
        self.disputedAmount = dispute.disputedAmount.formatted()
        self.expectedTotal = dispute.expectedTotal.formatted()
        self.openedOn = printedTime(dispute.createdAt, in: timeZone)
        self.openedBy = dispute.openedBy
        self.lines = dispute.linePositions.map { position in
            guard let line = invoice?.lines.indices.contains(position) == true ? invoice?.lines[position] : nil else {
                return "Line \(position + 1)"
            }
            return "\(line.description): \(line.amount.formatted())"
        }
        self.isWholeInvoice = dispute.linePositions.isEmpty
        self.comments = comments.map { comment in
            let side: String =
                switch comment.role {
                case .platformOperator: "Support"
                case .customer: comment.author == member.email ? "You" : "Your team"
                }
            return Comment(
                author: comment.role == .platformOperator ? "Billing support" : comment.author, side: side,
                isSupport: comment.role == .platformOperator, time: printedTime(comment.createdAt, in: timeZone),
                body: comment.body)
        }
        self.attachments = attachments.map { attachment in
            let kind =
                switch attachment.contentType {
                case .png: "PNG image"
                case .jpeg: "JPEG image"
                case .pdf: "PDF"
                }
            return Attachment(
                filename: attachment.filename,
                href: "/portal/disputes/\(dispute.id.rawValue)/attachments/\(attachment.id.rawValue)", kind: kind,
                size: Self.size(attachment.byteCount))
        }
        self.hasAttachments = !attachments.isEmpty
        self.isClosed = !dispute.state.isActive
        self.canComment = dispute.state.isActive
        self.canWithdraw = dispute.state == .open
        self.resolution = dispute.state.isActive ? nil : dispute.resolution
        self.creditNote = creditNote.map {
            Link(
                label: "Credit note \($0.number ?? "") for \($0.total.formatted())",
                href: "/portal/invoices/\($0.id.rawValue)")
        }
        self.notice = notice
        self.commentError = commentError
        self.draft = draft
        self.maximumMessageLength = DisputeService.maximumCommentLength
    }

    /// `812 KB`, `1.4 MB`.
    static func size(_ bytes: Int) -> String {
        if bytes < 1024 * 1024 { return "\(max(1, (bytes + 512) / 1024)) KB" }
        let tenths = (bytes * 10 + 524_288) / 1_048_576
        return "\(tenths / 10).\(tenths % 10) MB"
    }

    static func notice(for code: String?) -> PortalNotice? {
        switch code {
        case "opened":
            PortalNotice(
                kind: "success",
                message: "The dispute was raised. The contested amount is set aside from reminders until it is settled."
            )
        case "commented": PortalNotice(kind: "success", message: "Your comment was added.")
        case "withdrawn":
            PortalNotice(kind: "info", message: "The dispute was withdrawn; the invoice stands as issued.")
        default: nil
        }
    }
}
