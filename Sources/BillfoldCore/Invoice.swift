import Foundation

/// What a line charges for; the seeds' billing history shows the platform fee and credits fee apart.
package enum LineCategory: String, Sendable, Codable, CaseIterable {
    case platformFee = "platform_fee"
    case seats
    case credits
    case usage
    case topUp = "top_up"
    case adjustment
}

/// One charge on an invoice.
package struct InvoiceLine: Hashable, Sendable {
    package var category: LineCategory
    /// The billable resource type: `platform`, `pod`, `vm`, `storage`, …
    package var resourceType: String
    package var resourceName: String
    package var description: String
    package var periodStart: CalendarDate
    /// The last day of usage, inclusive.
    package var periodEnd: CalendarDate
    package var quantity: FixedDecimal
    package var unit: String
    /// Price of one unit in major units (rupees), up to six decimals.
    package var unitPrice: FixedDecimal
    /// The taxable value: quantity × unit price, rounded once to minor units; or, on one of several lines that
    /// share a meter's charge, this resource's share of it, with the meter's average price as the unit price
    /// (the shares add up to the charge exactly, so one may differ from quantity × unit price by rounding).
    package var amount: Money
    package var sac: String
    package var gstRateBasisPoints: Int
    /// On a credit or debit note, the position of the original invoice's line it corrects.
    package var originalPosition: Int?

    package init(
        category: LineCategory, resourceType: String, resourceName: String, description: String,
        periodStart: CalendarDate, periodEnd: CalendarDate, quantity: FixedDecimal, unit: String,
        unitPrice: FixedDecimal, amount: Money, sac: String, gstRateBasisPoints: Int, originalPosition: Int? = nil
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
        self.originalPosition = originalPosition
    }

    /// A line whose amount is its quantity times its unit price.
    package static func priced(
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
package enum PaymentMethod: String, Sendable, Codable, CaseIterable {
    case upi
    case card
    case netbanking
    case wallet
    case bankTransfer = "bank_transfer"
    /// From the workspace's credit balance, which credit notes fill.
    case creditBalance = "credit_balance"
    /// Through the payment gateway, before the payer has chosen how.
    case gateway

    /// The method the gateway names (`upi`, `card`, `netbanking`, `wallet`, …); anything else stays `gateway`.
    package init(gatewayMethod: String?) {
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
package struct Payment: Hashable, Sendable, Identifiable {
    package typealias ID = PaymentID

    package let id: ID
    package var invoiceID: InvoiceID
    package var method: PaymentMethod
    /// Who moved the money: `razorpay`, `sandbox`, `wallet`, `manual`.
    package var provider: String
    /// Where the attempt is; it moves only by `succeed` and `fail`.
    package private(set) var lifecycle: PaymentAttemptLifecycle
    package var amount: Money
    /// The gateway's or the bank's reference.
    package var reference: String?
    package var failureReason: String?
    /// The gateway order this attempt pays (`order_…`); set once the gateway has made it.
    package var gatewayOrderID: String?
    package let createdAt: Date
    package var paidAt: Date?

    package init(
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

    package var status: PaymentAttemptLifecycle.State { self.lifecycle.state }

    /// The gateway captured `amount` by `method` under `reference` at `time`. The first capture returns
    /// `.applyToInvoice` with the attempt holding what was captured, for the caller to apply to the invoice; a
    /// capture already recorded returns `.ignore` and changes nothing.
    package mutating func succeed(
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
    package mutating func fail(reason: String, method: PaymentMethod?) -> PaymentAttemptLifecycle.Action {
        let action = self.lifecycle.fail()
        if action == .recordFailure {
            self.failureReason = reason
            if let method { self.method = method }
        }
        return action
    }
}

/// A tax invoice, a receipt for a wallet top-up, or a credit or debit note.
///
/// A finalized document is immutable apart from its payments, the credits applied to it and whether it is
/// disputed; corrections are credit and debit notes.
package struct Invoice: Hashable, Sendable, Identifiable {
    package typealias ID = InvoiceID

    package let id: ID
    package var kind: DocumentKind
    /// Given once, by `assignNumber(_:)` after `finalize`.
    package private(set) var number: String?
    package var workspaceID: WorkspaceID
    package var subscriptionID: SubscriptionID?
    /// For a credit or debit note, the invoice it corrects.
    package var originalInvoiceID: InvoiceID?
    /// For a credit or debit note, the number and date of the invoice it corrects, as Rule 53 prints them, whether
    /// it adjusts GST, and where a credit went.
    package var correction: Correction?
    /// Where the document is; it moves only by the events below, which also keep the amounts.
    package private(set) var lifecycle: InvoiceLifecycle
    package private(set) var issueDate: CalendarDate?
    package private(set) var dueDate: CalendarDate?
    package var periodStart: CalendarDate
    /// The last day of the billing period, inclusive.
    package var periodEnd: CalendarDate
    package var description: String
    package var currency: Currency
    package var supplier: PartySnapshot
    package var customer: PartySnapshot
    package var placeOfSupply: StateCode?
    package var lines: [InvoiceLine]
    package var tax: TaxBreakdown
    /// What the payments recorded by `recordPayment` and `settleInFull` brought in.
    package private(set) var amountPaid: Money
    /// What credit notes took off the amount due, by `applyCredit`.
    package private(set) var amountCredited: Money
    package var payments: [Payment]
    /// The dispute open on this invoice, if any, and the part of the amount due it contests.
    package var openDispute: OpenDispute?
    package let createdAt: Date

    package init(
        id: ID, kind: DocumentKind, number: String?, workspaceID: WorkspaceID, subscriptionID: SubscriptionID?,
        originalInvoiceID: InvoiceID?, lifecycle: InvoiceLifecycle, issueDate: CalendarDate?,
        dueDate: CalendarDate?, periodStart: CalendarDate, periodEnd: CalendarDate, description: String,
        currency: Currency, supplier: PartySnapshot, customer: PartySnapshot, placeOfSupply: StateCode?,
        lines: [InvoiceLine], tax: TaxBreakdown, amountPaid: Money, payments: [Payment], createdAt: Date,
        amountCredited: Money? = nil, correction: Correction? = nil, openDispute: OpenDispute? = nil
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
        self.amountCredited = amountCredited ?? .zero(currency)
        self.payments = payments
        self.createdAt = createdAt
        self.correction = correction
        self.openDispute = openDispute
    }

    /// A draft for `workspace`, its tax worked out from the supplier's state and the place of supply.
    package static func draft(
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
    package mutating func applyTax(supplier: Supplier, customer workspace: Workspace) {
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
    package var endorsement: String? {
        guard let words = self.tax.endorsement else { return nil }
        guard let arn = self.supplier.letterOfUndertaking else { return words }
        return "\(words) (LUT ARN \(arn))"
    }

    package var state: InvoiceLifecycle.State { self.lifecycle.state }

    /// The sum of the lines' taxable amounts.
    package var subtotal: Money { self.lines.map(\.amount).sum(in: self.currency) }

    /// Subtotal plus tax.
    package var total: Money { self.subtotal + self.tax.total }

    /// What is still to be paid; nothing once paid or cancelled.
    package var amountDue: Money {
        Self.amountDue(
            state: self.state, total: self.total, amountPaid: self.amountPaid, amountCredited: self.amountCredited)
    }

    /// The one rule for the amount due, for stored rows as much as for whole documents.
    package static func amountDue(
        state: InvoiceLifecycle.State, total: Money, amountPaid: Money, amountCredited: Money? = nil
    ) -> Money {
        switch state {
        case .draft, .open: return total - amountPaid - (amountCredited ?? .zero(total.currency))
        case .paid, .cancelled: return .zero(total.currency)
        }
    }

    /// Whether this is a credit or debit note.
    package var isCorrection: Bool { self.kind == .creditNote || self.kind == .debitNote }

    /// The platform fee column of the billing history.
    package var platformFee: Money { self.amount(of: .platformFee) }

    /// The credits fee column of the billing history.
    package var creditsFee: Money { self.amount(of: .credits) }

    /// Distinct services (meter and resource) billed for usage.
    package var servicesCount: Int {
        Set(self.lines.filter { $0.category == .usage }.map { "\($0.resourceType)/\($0.resourceName)" }).count
    }

    package func amount(of category: LineCategory) -> Money {
        self.lines.filter { $0.category == category }.map(\.amount).sum(in: self.currency)
    }

    package var hasAttemptInFlight: Bool { self.payments.contains { $0.status == .processing } }

    /// Whether the most recent payment attempt failed; `payments` are in the order they were made.
    package var lastAttemptFailed: Bool {
        self.payments.last?.status == .failed
    }

    /// The status a person sees on `today`.
    package func displayStatus(today: CalendarDate) -> InvoiceDisplayStatus {
        InvoiceDisplayStatus.derive(
            state: self.state, hasAttemptInFlight: self.hasAttemptInFlight, isDisputed: self.openDispute != nil,
            lastAttemptFailed: self.lastAttemptFailed, dueDate: self.dueDate, today: today)
    }

    // MARK: Events
    //
    // Each runs the lifecycle, applies what the action means for the document itself (its state, dates, number and
    // amount paid) and returns the action; what it asks beyond the document (a number from the series, a credit
    // note) the caller carries out, in the same transaction.

    /// Issues a draft dated `issueDate`, due `paymentTermsDays` later, and returns `.assignNumber`: the caller takes
    /// the next number of the document's series and gives it to `assignNumber(_:)`.
    package mutating func finalize(
        issueDate: CalendarDate, paymentTermsDays: Int
    ) throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        let action = try self.lifecycle.finalize()
        self.issueDate = issueDate
        self.dueDate = issueDate.adding(days: paymentTermsDays)
        return action
    }

    /// Numbers a document just finalized; a number, once given, is never replaced.
    package mutating func assignNumber(_ number: String) throws(InvoiceTransitionError) {
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
    package mutating func finalize(
        number: String, issueDate: CalendarDate, paymentTermsDays: Int
    ) throws(InvoiceTransitionError) {
        let action = try self.finalize(issueDate: issueDate, paymentTermsDays: paymentTermsDays)
        switch action {
        case .assignNumber:
            try self.assignNumber(number)
        case .recordPartialPayment, .recordCredit, .markPaid, .discardDraft, .issueCreditNote:
            throw .unexpected(action, after: "finalize")
        }
    }

    /// Records `amount` received: the invoice stays open with the rest due (`.recordPartialPayment`) or is paid
    /// (`.markPaid`). Both are the document's own bookkeeping, done here, so a caller with nothing more to do may
    /// ignore what comes back.
    @discardableResult
    package mutating func recordPayment(_ amount: Money) throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        let action = try self.lifecycle.recordPayment(amount, amountDue: self.amountDue)
        self.amountPaid += amount
        return action
    }

    /// Takes `amount` of a credit note off what is due: the invoice stays open with the rest due (`.recordCredit`)
    /// or, with nothing left, is settled (`.markPaid`). Both are done here.
    @discardableResult
    package mutating func applyCredit(_ amount: Money) throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        let action = try self.lifecycle.applyCredit(amount, amountDue: self.amountDue)
        self.amountCredited += amount
        return action
    }

    /// Settles a document as it is issued, what is due counted as paid: a receipt for money already received, a
    /// credit note applied. Returns `.markPaid`, done here.
    @discardableResult
    package mutating func settleInFull() throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        let due = self.amountDue
        let action = try self.lifecycle.settleInFull()
        self.amountPaid += due
        return action
    }

    /// Cancels a draft (`.discardDraft`: nothing more to do) or an open invoice (`.issueCreditNote`: the caller
    /// issues one for its value). Nothing is due afterwards; what was paid stays recorded.
    package mutating func cancel() throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        try self.lifecycle.cancel()
    }

    /// Reverses a paid invoice in full and returns `.issueCreditNote`: the caller issues the credit note and sends
    /// back the `amountPaid`, which stays recorded.
    package mutating func creditPaid() throws(InvoiceTransitionError) -> InvoiceLifecycle.Action {
        try self.lifecycle.creditPaid()
    }
}

/// What a credit or debit note says of the invoice it corrects.
package struct Correction: Hashable, Sendable {
    /// Where a credit note's value went.
    package enum Destination: String, Hashable, Sendable, Codable, CaseIterable {
        /// Taken off the amount due of the unpaid invoice.
        case amountDue = "amount_due"
        /// Sent back through the payment gateway, up to what the gateway took.
        case refund
        /// Put in the workspace's prepaid wallet.
        case wallet
        /// Kept as the workspace's credit balance, which its next invoices use before any payment.
        case creditBalance = "credit_balance"
    }

    /// The corrected invoice's number, as Rule 53 requires the note to carry it.
    package var originalNumber: String
    /// The corrected invoice's date of issue.
    package var originalIssueDate: CalendarDate
    /// Whether the note adjusts GST (section 34); a commercial credit note does not and carries no tax.
    package var adjustsGST: Bool
    /// For a credit note, where its value went; `nil` for a debit note.
    package var destination: Destination?

    package init(originalNumber: String, originalIssueDate: CalendarDate, adjustsGST: Bool, destination: Destination?) {
        self.originalNumber = originalNumber
        self.originalIssueDate = originalIssueDate
        self.adjustsGST = adjustsGST
        self.destination = destination
    }
}

/// The dispute open on an invoice, as the invoice carries it.
package struct OpenDispute: Hashable, Sendable {
    package var id: DisputeID
    /// What the customer contests: the amount due less what they believe is right, never below zero.
    package var disputedAmount: Money

    package init(id: DisputeID, disputedAmount: Money) {
        self.id = id
        self.disputedAmount = disputedAmount
    }
}
