import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation

/// What the portal's templates show, every value formatted for people.
extension InvoiceDisplayStatus {
    /// `Paid`, `Pending`, …: the word on the badge.
    var label: String { self.rawValue.prefix(1).uppercased() + self.rawValue.dropFirst() }
}

/// A notice above a page's content.
struct PortalNotice {
    let kind: String
    let message: String
}

/// How a workspace can pay, beside or instead of Pay Now: what the portal's pages need to offer the right ways.
struct PaymentOptions {
    /// Whether a gateway takes Pay Now; `false` when online payment is off on this server.
    let takesOnlinePayments: Bool
    let walletBalance: Money
    let isPrepaid: Bool
    /// The supplier's name and email, for bank transfer details; `nil` before the operator sets the supplier.
    let supplierName: String?
    let supplierEmail: String?

    /// The help shown when online payment is off, or `nil` when Pay Now is there.
    func otherWaysToPay(reference: String? = nil) -> OtherWaysToPay? {
        self.takesOnlinePayments ? nil : OtherWaysToPay(self, reference: reference)
    }
}

/// What the portal says when online payment is off: the wallet, when it can pay, and a bank transfer.
struct OtherWaysToPay {
    let walletBalance: String
    let hasWalletBalance: Bool
    let isPrepaid: Bool
    let supplierName: String
    let contactEmail: String?
    /// The invoice number to quote with a transfer.
    let reference: String?

    init(_ options: PaymentOptions, reference: String?) {
        self.walletBalance = options.walletBalance.formatted()
        self.hasWalletBalance = options.walletBalance.isPositive
        self.isPrepaid = options.isPrepaid
        self.supplierName = options.supplierName ?? "your supplier"
        self.contactEmail = options.supplierEmail
        self.reference = reference
    }

    /// One sentence for a printed page.
    var bankTransferSentence: String {
        let contact = self.contactEmail.map { "write to \($0)" } ?? "ask \(self.supplierName)"
        return "Pay by bank transfer: \(contact) for the bank account details"
            + (self.reference.map { " and quote \($0) with the transfer." } ?? ".")
    }
}

/// The billing history's statement form: a range, by default this financial year so far.
struct StatementForm {
    let from: String
    let to: String
    let today: String

    init(today: CalendarDate) {
        self.from = FinancialYear(containing: today).firstDay.description
        self.to = today.description
        self.today = today.description
    }
}

struct DashboardView: PageView {
    static let template = "portal-dashboard"

    struct Figure {
        let amount: String
        let detail: String
    }

    let layout: PortalPages.Layout
    let planName: String?
    let nextIssueDate: String
    let creditsAllowance: String
    let creditsUsed: String
    let creditsPercent: Int
    let seatsIncluded: String
    let seatsSubscribed: String
    let invoiceTotal: String
    let walletBalance: String
    let walletDetail: String
    let paid: Figure
    let pending: Figure
    let overdue: Figure
    let monthlyChart: String
    let servicesChart: String

    init(
        layout: PortalPages.Layout, workspace: Workspace, preview: BillingRun.Preview?, balance: Money, paid: Figure,
        pending: Figure, overdue: Figure, monthlyChart: String, servicesChart: String
    ) {
        self.layout = layout
        self.planName = preview?.plan.name
        self.nextIssueDate = preview?.subscription.currentPeriodEnd.printed ?? "No subscription"
        let allowance = preview?.plan.monthlyCredits ?? 0
        self.creditsAllowance = Self.grouped(allowance)
        let used = preview?.creditsUsed ?? FixedDecimal(0)
        let wholeUsed = used.scaledValue / 1_000_000
        self.creditsUsed = Self.grouped(wholeUsed)
        self.creditsPercent = allowance > 0 ? Int(min(100, max(0, wholeUsed * 100 / allowance))) : 0
        self.seatsIncluded = preview.map { String($0.plan.includedSeats) } ?? "0"
        self.seatsSubscribed = preview.map { String($0.subscription.seats) } ?? "0"
        self.invoiceTotal = (preview?.invoice.total ?? .zero(workspace.currency)).formatted()
        self.walletBalance = balance.formatted()
        self.walletDetail = workspace.billingMode == .prepaid ? "Prepaid wallet" : "Postpaid: billed after use"
        self.paid = paid
        self.pending = pending
        self.overdue = overdue
        self.monthlyChart = monthlyChart
        self.servicesChart = servicesChart
    }

    /// `56000` as `56,000`.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

/// One row of the billing history.
struct InvoiceRow {
    let id: String
    let number: String
    let kind: String
    let issueDate: String
    let period: String
    let description: String
    let platformFee: String
    let creditsFee: String
    let services: String
    let tax: String
    let total: String
    let amountDue: String
    let status: String
    let statusLabel: String
    let isDocument: Bool
    let canPay: Bool

    init(_ item: InvoiceListItem, takesOnlinePayments: Bool) {
        self.id = item.id.rawValue
        self.number = item.number ?? "Draft"
        self.kind = item.kind.label
        self.issueDate = item.issueDate?.printed ?? "—"
        self.period = CalendarDate.printedPeriod(from: item.periodStart, to: item.periodEnd)
        self.description = item.description
        self.platformFee = item.platformFee.formatted()
        self.creditsFee = item.creditsFee.formatted()
        self.services = String(item.servicesCount)
        self.tax = item.taxTotal.formatted()
        self.total = item.total.formatted()
        self.amountDue = item.amountDue.formatted()
        self.status = item.status.rawValue
        self.statusLabel = item.status.label
        self.isDocument = item.number != nil
        self.canPay =
            takesOnlinePayments
            && Invoice.isPayable(kind: item.kind, status: item.status, amountDue: item.amountDue, online: true)
    }
}

struct InvoicesView: PageView {
    static let template = "portal-invoices"

    struct Tab {
        let label: String
        let href: String
        let testID: String
        let isCurrent: Bool
    }

    /// A choice of the document-kind filter.
    struct KindOption {
        let value: String
        let label: String
        let isSelected: Bool
    }

    let layout: PortalPages.Layout
    let tabs: [Tab]
    let status: String
    let kind: String
    let kinds: [KindOption]
    let from: String
    let to: String
    let q: String
    let rows: [InvoiceRow]
    let isEmpty: Bool
    let nextHref: String?
    let previousHref: String?
    let exportHref: String
    let notice: PortalNotice?
    let statement: StatementForm
    let otherWaysToPay: OtherWaysToPay?

    init(
        layout: PortalPages.Layout, query: PortalController.ListQuery, rows: [InvoiceRow], nextHref: String?,
        previousHref: String?, exportHref: String, notice: PortalNotice?, statement: StatementForm,
        otherWaysToPay: OtherWaysToPay?
    ) {
        self.layout = layout
        let statuses: [InvoiceDisplayStatus?] = [nil] + PortalController.listedStatuses.map { $0 }
        self.tabs = statuses.map { status in
            Tab(
                label: status?.label ?? "All", href: query.path(status: .some(status)),
                testID: "tab-" + (status?.rawValue ?? "all"), isCurrent: status == query.status)
        }
        self.status = query.status?.rawValue ?? ""
        self.kind = query.kind?.rawValue ?? ""
        self.kinds =
            [KindOption(value: "", label: "All documents", isSelected: query.kind == nil)]
            + DocumentKind.allCases.map {
                KindOption(value: $0.rawValue, label: $0.pluralLabel, isSelected: $0 == query.kind)
            }
        self.from = query.from
        self.to = query.to
        self.q = query.q
        self.rows = rows
        self.isEmpty = rows.isEmpty
        self.nextHref = nextHref
        self.previousHref = previousHref
        self.exportHref = exportHref
        self.notice = notice
        self.statement = statement
        self.otherWaysToPay = otherWaysToPay
    }

    static func notice(for code: String) -> PortalNotice? {
        switch code {
        case "refreshed": PortalNotice(kind: "success", message: "Payments in progress were checked with the gateway.")
        case "gateway":
            PortalNotice(kind: "warning", message: "The payment gateway did not answer; try Refresh again in a minute.")
        default: nil
        }
    }
}

struct InvoiceDetailView: PageView {
    static let template = "portal-invoice"

    struct Attempt {
        let method: String
        let status: String
        let statusLabel: String
        let date: String
        let reference: String
        let amount: String
    }

    let layout: PortalPages.Layout
    let invoice: PrintView
    let kind: String
    let description: String
    let isProcessing: Bool
    let isDocument: Bool
    let attempts: [Attempt]
    let hasAttempts: Bool
    let notice: PortalNotice?
    /// The wallet can pay (some of) what is due, with its balance.
    let canPayFromWallet: Bool
    let walletBalance: String
    /// How to pay an invoice that is due when online payment is off.
    let otherWaysToPay: OtherWaysToPay?
    /// Where the form that disputes this invoice is, when it can be disputed.
    var disputeHref: String?
    /// The dispute open on the invoice.
    var openDispute: DisputeRow?
    /// Whether a `Disputed` badge goes beside the status: a paid invoice keeps showing `Paid` while disputed.
    var showsDisputedBadge = false
    /// Every dispute raised on the invoice, newest first, open or closed.
    var disputes: [DisputeRow] = [] { didSet { self.hasDisputes = !self.disputes.isEmpty } }
    private(set) var hasDisputes = false
    /// The credit and debit notes issued against the invoice.
    var corrections: [CorrectionRow] = [] { didSet { self.hasCorrections = !self.corrections.isEmpty } }
    private(set) var hasCorrections = false
    /// What credit notes took off the amount due, when they took anything.
    var amountCredited: String?

    init(
        layout: PortalPages.Layout, invoice: Invoice, today: CalendarDate, timeZone: TimeZone, payment: String?,
        options: PaymentOptions
    ) {
        self.layout = layout
        self.invoice = PrintView(
            invoice, original: nil, today: today, timeZone: timeZone, takesOnlinePayments: options.takesOnlinePayments)
        let isPayable = invoice.isPayable(online: false, today: today)
        self.canPayFromWallet = isPayable && options.walletBalance.isPositive
        self.walletBalance = options.walletBalance.formatted()
        self.otherWaysToPay = isPayable ? options.otherWaysToPay(reference: invoice.number) : nil
        self.kind = self.invoice.title
        self.description = invoice.description
        self.isProcessing = invoice.displayStatus(today: today) == .processing
        self.isDocument = invoice.number != nil
        self.attempts = invoice.payments.sorted { $0.createdAt > $1.createdAt }.map { payment in
            let status: String =
                switch payment.status {
                case .processing: "processing"
                case .succeeded: "paid"
                case .failed: "failed"
                }
            return Attempt(
                method: payment.method.displayName, status: status,
                statusLabel: payment.status.rawValue.prefix(1).uppercased() + payment.status.rawValue.dropFirst(),
                date: CalendarDate(payment.paidAt ?? payment.createdAt, in: timeZone).printed,
                reference: payment.reference ?? payment.gatewayOrderID ?? payment.id.rawValue,
                amount: payment.amount.formatted())
        }
        self.hasAttempts = !self.attempts.isEmpty
        self.notice =
            switch payment {
            case "succeeded": PortalNotice(kind: "success", message: "Thank you: the payment was received.")
            case "processing":
                PortalNotice(
                    kind: "info", message: "The payment is being confirmed; this page updates when it is.")
            case "failed":
                PortalNotice(
                    kind: "warning", message: "The payment did not go through, and no money was taken. Try again.")
            case "wallet":
                PortalNotice(kind: "success", message: "Paid from your wallet, as far as its balance went.")
            case "offline":
                PortalNotice(
                    kind: "warning",
                    message: "Online payment is not available here, so nothing was charged. See below how to pay.")
            default: nil
            }
    }
}

struct WalletView: PageView {
    static let template = "portal-wallet"

    struct Entry {
        let date: String
        let description: String
        let reason: String
        let amount: String
        let isCredit: Bool
        let invoiceHref: String?
    }

    let layout: PortalPages.Layout
    let isPrepaid: Bool
    let balance: String
    let entries: [Entry]
    let hasEntries: Bool
    let showsLedger: Bool
    let currency: String
    let amount: String
    let error: String?
    /// Top-ups through the gateway, when it takes them; otherwise how to top up by bank transfer.
    let canTopUpOnline: Bool
    let otherWaysToPay: OtherWaysToPay?
    /// What credit notes left for the next invoices, when there is any.
    var creditBalance: CreditBalanceView?

    init(
        layout: PortalPages.Layout, workspace: Workspace, balance: Money, entries: [WalletEntry], timeZone: TimeZone,
        amount: String, error: String?, options: PaymentOptions
    ) {
        self.layout = layout
        self.isPrepaid = workspace.billingMode == .prepaid
        self.canTopUpOnline = options.takesOnlinePayments
        self.otherWaysToPay = options.otherWaysToPay()
        self.balance = balance.formatted()
        self.entries = entries.map { entry in
            Entry(
                date: CalendarDate(entry.createdAt, in: timeZone).printed, description: entry.description,
                reason: entry.reason.rawValue.replacingOccurrences(of: "_", with: " ").capitalized,
                amount: (entry.amount.isNegative ? "" : "+") + entry.amount.formatted(),
                isCredit: !entry.amount.isNegative,
                invoiceHref: entry.invoiceID.map { "/portal/invoices/\($0.rawValue)" })
        }
        self.hasEntries = !entries.isEmpty
        self.showsLedger = self.isPrepaid || self.hasEntries
        self.currency = workspace.currency.code
        self.amount = amount
        self.error = error
    }
}

struct ProfileView: PageView {
    static let template = "portal-profile"

    /// The form's values as entered.
    struct Fields {
        var legalName: String
        var line1: String
        var line2: String
        var city: String
        var stateCode: String
        var pin: String
        var gstin: String
        var autoPay: Bool

        init(_ workspace: Workspace) {
            self.legalName = workspace.legalName
            self.line1 = workspace.address.line1
            self.line2 = workspace.address.line2 ?? ""
            self.city = workspace.address.city
            self.stateCode = workspace.address.stateCode ?? ""
            self.pin = workspace.address.pin
            self.gstin = workspace.gstin?.value ?? ""
            self.autoPay = workspace.autoPay
        }

        init(_ form: PortalForm) {
            func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
            self.legalName = field("legal_name")
            self.line1 = field("line1")
            self.line2 = field("line2")
            self.city = field("city")
            self.stateCode = field("state_code")
            self.pin = field("pin")
            self.gstin = field("gstin")
            self.autoPay = form["auto_pay"] != nil
        }
    }

    struct FieldError {
        let field: String
        let message: String
    }

    struct StateOption {
        let code: String
        let name: String
    }

    let layout: PortalPages.Layout
    let fields: Fields
    let email: String
    let country: String
    let isInIndia: Bool
    let isVerified: Bool
    let kycStatus: String
    let kycDetail: String
    let states: [StateOption]
    let errors: [FieldError]
    let hasErrors: Bool
    let legalNameError: String?
    let addressError: String?
    let gstinError: String?
    let saved: Bool

    init(
        layout: PortalPages.Layout, workspace: Workspace, fields: Fields? = nil, errors: [FieldError] = [],
        saved: Bool = false
    ) {
        self.layout = layout
        self.fields = fields ?? Fields(workspace)
        self.email = workspace.email
        self.country = workspace.address.country
        self.isInIndia = workspace.address.isInIndia
        self.isVerified = workspace.gstin != nil
        self.kycStatus = self.isVerified ? "Verified" : "Not verified"
        self.kycDetail =
            if let gstin = workspace.gstin {
                "GSTIN \(gstin.value) passes its check character and names \(gstin.stateCode.name)."
            } else {
                "No GSTIN on file: invoices are issued to an unregistered customer, without input tax credit."
            }
        self.states = StateCode.all.filter { !$0.isHistoric && $0 != .otherCountry && $0.code != "97" }.map {
            StateOption(code: $0.code, name: $0.name)
        }
        self.errors = errors
        self.hasErrors = !errors.isEmpty
        self.legalNameError = errors.first { $0.field == "legal_name" }?.message
        self.addressError = errors.first { $0.field == "address" }?.message
        self.gstinError = errors.first { $0.field == "gstin" }?.message
        self.saved = saved
    }
}

extension DocumentKind {
    /// `Invoice`, `Receipt`, `Credit note`: the word under a number in the billing history.
    var label: String {
        switch self {
        case .invoice: "Invoice"
        case .receipt: "Receipt"
        case .creditNote: "Credit note"
        case .debitNote: "Debit note"
        }
    }

    /// `Invoices`, `Receipts`, `Credit notes`: a choice of the history's filter.
    var pluralLabel: String { self.label + "s" }
}
