import Foundation

/// What a line charges for; the seeds' billing history shows the platform fee and credits fee apart.
public enum LineCategory: String, Sendable, Codable, CaseIterable {
    case platformFee = "platform_fee"
    case seats
    case credits
    case usage
    case topUp = "top_up"
    case adjustment
}

/// One charge on an invoice.
public struct InvoiceLine: Hashable, Sendable {
    public var category: LineCategory
    /// The billable resource type: `platform`, `pod`, `vm`, `storage`, …
    public var resourceType: String
    public var resourceName: String
    public var description: String
    public var periodStart: CalendarDate
    /// The last day of usage, inclusive.
    public var periodEnd: CalendarDate
    public var quantity: FixedDecimal
    public var unit: String
    /// Price of one unit in major units (rupees), up to six decimals.
    public var unitPrice: FixedDecimal
    /// The taxable value: quantity × unit price, rounded once to minor units; or, on one of several lines that
    /// share a meter's charge, this resource's share of it, with the meter's average price as the unit price
    /// (the shares add up to the charge exactly, so one may differ from quantity × unit price by rounding).
    public var amount: Money
    public var sac: String
    public var gstRateBasisPoints: Int

    public init(
        category: LineCategory, resourceType: String, resourceName: String, description: String,
        periodStart: CalendarDate, periodEnd: CalendarDate, quantity: FixedDecimal, unit: String,
        unitPrice: FixedDecimal, amount: Money, sac: String, gstRateBasisPoints: Int
    ) {
        self.category = category
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.description = description
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.quantity = quantity
        self.unit = unit
        self.unitPrice = unitPrice
        self.amount = amount
        self.sac = sac
        self.gstRateBasisPoints = gstRateBasisPoints
    }

    /// A line whose amount is its quantity times its unit price.
    public static func priced(
        category: LineCategory, resourceType: String, resourceName: String, description: String,
        periodStart: CalendarDate, periodEnd: CalendarDate, quantity: FixedDecimal, unit: String,
        unitPrice: FixedDecimal, currency: Currency, sac: String,
        gstRateBasisPoints: Int = GSTCalculator.standardRateBasisPoints
    ) throws(MoneyError) -> InvoiceLine {
        InvoiceLine(
            category: category, resourceType: resourceType, resourceName: resourceName, description: description,
            periodStart: periodStart, periodEnd: periodEnd, quantity: quantity, unit: unit, unitPrice: unitPrice,
            amount: try Money.amount(quantity: quantity, unitPrice: unitPrice, currency: currency), sac: sac,
            gstRateBasisPoints: gstRateBasisPoints)
    }
}

/// How a payment was made.
public enum PaymentMethod: String, Sendable, Codable, CaseIterable {
    case upi
    case card
    case netbanking
    case wallet
    case bankTransfer = "bank_transfer"
    /// Through the payment gateway, before the payer has chosen how.
    case gateway

    /// The method the gateway names (`upi`, `card`, `netbanking`, `wallet`, …); anything else stays `gateway`.
    public init(gatewayMethod: String?) {
        switch gatewayMethod {
        case "upi": self = .upi
        case "card", "emandate", "nach": self = .card
        case "netbanking": self = .netbanking
        case "wallet": self = .wallet
        default: self = .gateway
        }
    }
}

/// One attempt to pay an invoice, and what became of it.
public struct Payment: Hashable, Sendable, Identifiable {
    public typealias ID = PaymentID

    public let id: ID
    public var invoiceID: InvoiceID
    public var method: PaymentMethod
    /// Who moved the money: `razorpay`, `sandbox`, `wallet`, `manual`.
    public var provider: String
    /// Where the attempt is; it moves only by `succeed` and `fail`.
    public private(set) var lifecycle: PaymentAttemptLifecycle
    public var amount: Money
    /// The gateway's or the bank's reference.
    public var reference: String?
    public var failureReason: String?
    /// The gateway order this attempt pays (`order_…`); set once the gateway has made it.
    public var gatewayOrderID: String?
    public let createdAt: Date
    public var paidAt: Date?

    public init(
        id: ID, invoiceID: InvoiceID, method: PaymentMethod, provider: String,
        status: PaymentAttemptLifecycle.State, amount: Money, reference: String?, failureReason: String?,
        gatewayOrderID: String? = nil, createdAt: Date, paidAt: Date?
    ) {
        self.id = id
        self.invoiceID = invoiceID
        self.method = method
        self.provider = provider
        self.lifecycle = PaymentAttemptLifecycle(state: status)
        self.amount = amount
        self.reference = reference
        self.failureReason = failureReason
        self.gatewayOrderID = gatewayOrderID
        self.createdAt = createdAt
        self.paidAt = paidAt
    }

    public var status: PaymentAttemptLifecycle.State { self.lifecycle.state }

    /// The gateway captured `amount` by `method` under `reference` at `time`. The first capture returns
    /// `.applyToInvoice` with the attempt holding what was captured, for the caller to apply to the invoice; a
    /// capture already recorded returns `.ignore` and changes nothing.
    public mutating func succeed(
        amount: Money, method: PaymentMethod, reference: String, at time: Date
    ) -> PaymentAttemptLifecycle.Action {
        let action = self.lifecycle.succeed()
        if action == .applyToInvoice {
            self.amount = amount
            self.method = method
            self.reference = reference
            self.failureReason = nil
            self.paidAt = time
        }
        return action
    }

    /// The gateway reported a failure for `reason`, paid by `method` when it names one. An attempt still processing
    /// records it and returns `.recordFailure`; any other returns `.ignore` and changes nothing.
    public mutating func fail(reason: String, method: PaymentMethod?) -> PaymentAttemptLifecycle.Action {
        let action = self.lifecycle.fail()
        if action == .recordFailure {
            self.failureReason = reason
            if let method { self.method = method }
        }
        return action
    }
}

/// A tax invoice, a receipt for a wallet top-up, or a credit note.
///
/// A finalized document is immutable apart from its payments; corrections are credit notes.
public struct Invoice: Hashable, Sendable, Identifiable {
    public typealias ID = InvoiceID

    public let id: ID
    public var kind: DocumentKind
    /// Given once, by `assignNumber(_:)` after `finalize`.
    public private(set) var number: String?
    public var workspaceID: WorkspaceID
    public var subscriptionID: SubscriptionID?
    /// For a credit note, the invoice it corrects.
    public var originalInvoiceID: InvoiceID?
    /// Where the document is; it moves only by the events below, which also keep the amounts.
    public private(set) var lifecycle: InvoiceLifecycle
    public private(set) var issueDate: CalendarDate?
    public private(set) var dueDate: CalendarDate?
    public var periodStart: CalendarDate
    /// The last day of the billing period, inclusive.
    public var periodEnd: CalendarDate
    public var description: String
    public var currency: Currency
    public var supplier: PartySnapshot
    public var customer: PartySnapshot
    public var placeOfSupply: StateCode?
    public var lines: [InvoiceLine]
    public var tax: TaxBreakdown
    /// What the payments recorded by `recordPayment` and `settleInFull` brought in.
    public private(set) var amountPaid: Money
    public var payments: [Payment]
    public let createdAt: Date

    public init(
        id: ID, kind: DocumentKind, number: String?, workspaceID: WorkspaceID, subscriptionID: SubscriptionID?,
        originalInvoiceID: InvoiceID?, lifecycle: InvoiceLifecycle, issueDate: CalendarDate?,
        dueDate: CalendarDate?, periodStart: CalendarDate, periodEnd: CalendarDate, description: String,
        currency: Currency, supplier: PartySnapshot, customer: PartySnapshot, placeOfSupply: StateCode?,
        lines: [InvoiceLine], tax: TaxBreakdown, amountPaid: Money, payments: [Payment], createdAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.number = number
        self.workspaceID = workspaceID
        self.subscriptionID = subscriptionID
        self.originalInvoiceID = originalInvoiceID
        self.lifecycle = lifecycle
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.description = description
        self.currency = currency
        self.supplier = supplier
        self.customer = customer
        self.placeOfSupply = placeOfSupply
        self.lines = lines
        self.tax = tax
        self.amountPaid = amountPaid
        self.payments = payments
        self.createdAt = createdAt
    }

    /// A draft for `workspace`, its tax worked out from the supplier's state and the place of supply.
    public static func draft(
        id: ID = .generate(), kind: DocumentKind, workspace: Workspace, supplier: Supplier,
        subscriptionID: SubscriptionID?, originalInvoiceID: InvoiceID? = nil, periodStart: CalendarDate,
        periodEnd: CalendarDate, description: String, lines: [InvoiceLine], createdAt: Date
    ) -> Invoice {
        var invoice = Invoice(
            id: id, kind: kind, number: nil, workspaceID: workspace.id, subscriptionID: subscriptionID,
            originalInvoiceID: originalInvoiceID, lifecycle: InvoiceLifecycle(state: .draft), issueDate: nil,
            dueDate: nil, periodStart: periodStart, periodEnd: periodEnd, description: description,
            currency: workspace.currency, supplier: supplier.partySnapshot, customer: workspace.partySnapshot,
            placeOfSupply: nil, lines: lines,
            tax: TaxBreakdown(supplyType: .intraState, taxableAmount: .zero(workspace.currency), heads: []),
            amountPaid: .zero(workspace.currency), payments: [], createdAt: createdAt)
        invoice.applyTax(supplier: supplier, customer: workspace)
        return invoice
    }

    /// Works out the place of supply and the GST again from the parties as they stand, and snapshots them.
    ///
    /// A draft is taxed afresh when it is finalized, so a GSTIN or address changed in between is honoured.
    public mutating func applyTax(supplier: Supplier, customer workspace: Workspace) {
        self.supplier = supplier.partySnapshot
        self.customer = workspace.partySnapshot
        self.placeOfSupply = workspace.placeOfSupply
        let items = self.lines.map { TaxableItem(taxableAmount: $0.amount, rateBasisPoints: $0.gstRateBasisPoints) }
        self.tax = GSTCalculator.breakdown(
            supplierState: supplier.state, placeOfSupply: self.placeOfSupply ?? supplier.state, items: items,
            currency: self.currency, exportsUnderLUT: supplier.letterOfUndertaking != nil)
    }

    /// The endorsement a zero-rated export under a Letter of Undertaking carries: the statutory words and the ARN of
    /// the LUT the supplier held when the document was finalized; `nil` for every other supply.
    public var endorsement: String? {
        guard let words = self.tax.endorsement else { return nil }
        guard let arn = self.supplier.letterOfUndertaking else { return words }
        return "\(words) (LUT ARN \(arn))"
    }

    public var state: InvoiceLifecycle.State { self.lifecycle.state }

    /// The sum of the lines' taxable amounts.
    public var subtotal: Money { self.lines.map(\.amount).sum(in: self.currency) }

    /// Subtotal plus tax.
    public var total: Money { self.subtotal + self.tax.total }

    /// What is still to be paid; nothing once paid or cancelled.
    public var amountDue: Money {
        Self.amountDue(state: self.state, total: self.total, amountPaid: self.amountPaid)
    }

    /// The one rule for the amount due, for stored rows as much as for whole documents.
    public static func amountDue(state: InvoiceLifecycle.State, total: Money, amountPaid: Money) -> Money {
        switch state {
        case .draft, .open: return total - amountPaid
        case .paid, .cancelled: return .zero(total.currency)
        }
    }

    /// The platform fee column of the billing history.
    public var platformFee: Money { self.amount(of: .platformFee) }

    /// The credits fee column of the billing history.
    public var creditsFee: Money { self.amount(of: .credits) }

    /// Distinct services (meter and resource) billed for usage.
    public var servicesCount: Int {
        Set(self.lines.filter { $0.category == .usage }.map { "\($0.resourceType)/\($0.resourceName)" }).count
    }

    public func amount(of category: LineCategory) -> Money {
        self.lines.filter { $0.category == category }.map(\.amount).sum(in: self.currency)
    }

    public var hasAttemptInFlight: Bool { self.payments.contains { $0.status == .processing } }

    /// Whether the most recent payment attempt failed; `payments` are in the order they were made.
    public var lastAttemptFailed: Bool {
        self.payments.last?.status == .failed
    }

    /// The status a person sees on `today`.
    public func displayStatus(today: CalendarDate) -> InvoiceDisplayStatus {
        InvoiceDisplayStatus.derive(
            state: self.state, hasAttemptInFlight: self.hasAttemptInFlight,
            lastAttemptFailed: self.lastAttemptFailed, dueDate: self.dueDate, today: today)
    }

    // MARK: Events
    //
    // Each runs the lifecycle, applies what the action means for the document itself (its state, dates, number and
    // amount paid) and returns the action; what it asks beyond the document (a number from the series, a credit
    // note) the caller carries out, in the same transaction.

    /// Issues a draft dated `issueDate`, due `paymentTermsDays` later, and returns `.assignNumber`: the caller takes
    /// the next number of the document's series and gives it to `assignNumber(_:)`.
    public mutating func finalize(
        issueDate: CalendarDate, paymentTermsDays: Int
    ) throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        let action = try self.lifecycle.finalize()
        self.issueDate = issueDate
        self.dueDate = issueDate.adding(days: paymentTermsDays)
        return action
    }

    /// Numbers a document just finalized; a number, once given, is never replaced.
    public mutating func assignNumber(_ number: String) throws(InvoiceTransitionError) {
        guard self.state == .open, self.number == nil else {
            throw InvoiceTransitionError(
                code: .invalidTransition,
                message: self.number.map { "\(self.id) is already numbered \($0)" }
                    ?? "a \(self.state.rawValue) document takes no number; only one just finalized does")
        }
        self.number = number
    }

    /// Finalizes under a number chosen beforehand (a fixture's, a benchmark's), carrying out `finalize`'s action
    /// with it; the Engine takes its numbers from the series when the action asks.
    public mutating func finalize(
        number: String, issueDate: CalendarDate, paymentTermsDays: Int
    ) throws(InvoiceTransitionError) {
        let action = try self.finalize(issueDate: issueDate, paymentTermsDays: paymentTermsDays)
        switch action {
        case .assignNumber:
            try self.assignNumber(number)
        case .recordPartialPayment, .markPaid, .discardDraft, .issueCreditNote:
            throw .unexpected(action, after: "finalize")
        }
    }

    /// Records `amount` received: the invoice stays open with the rest due (`.recordPartialPayment`) or is paid
    /// (`.markPaid`). Both are the document's own bookkeeping, done here, so a caller with nothing more to do may
    /// ignore what comes back.
    @discardableResult
    public mutating func recordPayment(_ amount: Money) throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        let action = try self.lifecycle.recordPayment(amount, amountDue: self.amountDue)
        self.amountPaid += amount
        return action
    }

    /// Settles a document as it is issued, what is due counted as paid: a receipt for money already received, a
    /// credit note applied. Returns `.markPaid`, done here.
    @discardableResult
    public mutating func settleInFull() throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        let due = self.amountDue
        let action = try self.lifecycle.settleInFull()
        self.amountPaid += due
        return action
    }

    /// Cancels a draft (`.discardDraft`: nothing more to do) or an open invoice (`.issueCreditNote`: the caller
    /// issues one for its value). Nothing is due afterwards; what was paid stays recorded.
    public mutating func cancel() throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        try self.lifecycle.cancel()
    }

    /// Reverses a paid invoice in full and returns `.issueCreditNote`: the caller issues the credit note and sends
    /// back the `amountPaid`, which stays recorded.
    public mutating func creditPaid() throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        try self.lifecycle.creditPaid()
    }
}
