import BillfoldCore
import BillfoldPayments
import BillfoldStore
import Foundation
import Logging

/// Paying invoices through the payment gateway, exactly once whatever the network and the payers do.
///
/// An attempt is a row in `payments` with one gateway order. It is created before the order, under the invoice's
/// row lock, and a unique index allows one attempt in flight per invoice, so concurrent Pay Now requests share
/// one order. Every outcome (checkout callback, webhook, refresh, reconciliation) goes through `settle`, which runs
/// the attempt's lifecycle under the same lock: a second report of the same outcome finds nothing to do.
///
/// Without a gateway online payment is off: every gateway operation is refused with
/// `onlinePaymentsNotConfigured` before anything is stored, and the payment jobs do nothing.
package struct PaymentService: Sendable {
    package let database: Database
    package let clock: BillingClock
    /// `nil` when online payment is off.
    package let gateway: (any PaymentGateway)?
    package let invoices: InvoiceService
    package let logger: Logger
    /// Auto-pay's pre-debit notices go out through it.
    package let mail: MailComposer
    /// How a request waits for the order another request is creating for the same attempt: `Task.sleep`, unless a
    /// test wants to know when requests are waiting.
    let sleep: @Sendable (Duration) async throws -> Void
    /// An attempt with no order after this long never reached a payer: no money can have moved on it.
    static let orderlessAttemptTimeout: TimeInterval = 600
    /// An attempt whose order has no payment in progress after this long was abandoned at checkout: it fails, so
    /// the invoice can be paid another way. A capture on its order later still counts, once.
    static let abandonedAttemptTimeout: TimeInterval = 1800

    package init(
        invoices: InvoiceService, gateway: (any PaymentGateway)?, mail: MailComposer = .standard,
        logger: Logger = Logger(label: "billfold"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.mail = mail
        self.database = invoices.database
        self.clock = invoices.clock
        self.invoices = invoices
        self.gateway = gateway
        self.logger = logger
        self.sleep = sleep
    }

    /// Whether payments can go through a gateway; `false` when online payment is off.
    package var takesOnlinePayments: Bool { self.gateway != nil }

    /// The gateway, or the refusal that says online payment is off and `what` cannot be done.
    func onlineGateway(for what: @autoclosure () -> String) throws -> any PaymentGateway {
        guard let gateway = self.gateway else {
            throw EngineError(
                .onlinePaymentsNotConfigured,
                "\(what()) needs a payment gateway, and online payment is off on this server")
        }
        return gateway
    }

    /// What a payer's browser needs to pay one attempt.
    package struct Checkout: Sendable {
        package var payment: Payment
        package var invoice: Invoice
        package var orderID: String
        package var keyID: String
        /// The sandbox's hosted checkout page for this order; `nil` with Razorpay, whose script opens Checkout.
        package var hostedCheckoutURL: String?
        /// `false` when an attempt already in flight was returned instead of a new one.
        package var isNew: Bool
    }

    // MARK: Starting an attempt

    /// Starts a gateway attempt for `amount` (the amount due when `nil`) of an open invoice, or returns the attempt
    /// already in flight.
    package func payThroughGateway(_ invoiceID: InvoiceID, amount: Money?, actor: String) async throws -> Checkout {
        _ = try self.onlineGateway(for: "paying invoice \(invoiceID) online")
        let today = self.clock.today
        return try await self.start(on: invoiceID, actor: actor) { invoice in
            // The rule the portal's Pay Now follows: an attempt in flight was resumed before this is asked, and too
            // little due is refused below, with the amount asked.
            guard invoice.paymentRefusal(online: true, today: today) != .notOpen else {
                throw EngineError(
                    .invalidState,
                    "invoice \(invoiceID) is \(invoice.state.rawValue); only an open invoice can be paid")
            }
            let amount = amount ?? invoice.amountDue
            guard amount.currency == invoice.currency else {
                throw EngineError(.invalidAmount, "invoice \(invoiceID) is due in \(invoice.currency.code)")
            }
            guard amount.minorUnits <= invoice.amountDue.minorUnits else {
                throw EngineError(
                    .invalidAmount,
                    "\(amount.formatted()) is more than the \(invoice.amountDue.formatted()) due on \(invoiceID)")
            }
            guard amount.minorUnits >= Invoice.minimumOnlinePayment else {
                let minimum = Money(minorUnits: Invoice.minimumOnlinePayment, currency: amount.currency)
                throw EngineError(
                    .invalidAmount,
                    "the gateway takes at least \(minimum.formatted()); "
                        + "\(amount.formatted()) was asked")
            }
            return amount
        }
    }

    /// Creates the attempt under the invoice's lock, or finds the one in flight, then gives it a gateway order.
    /// `amountToPay` checks the invoice and says how much the attempt asks for.
    func start(
        on invoiceID: InvoiceID, actor: String, customerID: String? = nil,
        amountToPay: @escaping @Sendable (Invoice) throws -> Money
    ) async throws -> Checkout {
        let provider = try self.onlineGateway(for: "a payment attempt on \(invoiceID)").provider
        for _ in 0..<3 {
            let now = self.clock.now
            let begun: (payment: Payment, invoice: Invoice, isNew: Bool)
            do {
                begun = try await self.database.inTransaction { store in
                    guard try await store.invoices.lock(invoiceID),
                        var invoice = try await store.invoices.find(invoiceID)
                    else { throw EngineError(.notFound, "no invoice \(invoiceID)") }
                    if let inFlight = invoice.payments.first(where: { $0.status == .processing }) {
                        return (inFlight, invoice, false)
                    }
                    let amount = try amountToPay(invoice)
                    let payment = Payment(
                        id: .generate(), invoiceID: invoiceID, method: .gateway, provider: provider,
                        status: .processing, amount: amount, reference: nil, failureReason: nil, createdAt: now,
                        paidAt: nil)
                    try await store.payments.create(payment)
                    invoice.payments.append(payment)
                    try await store.invoices.saveSettlement(invoice)
                    try await store.auditLog.record(
                        AuditEntry(
                            occurredAt: now, actor: actor, action: "payment.started", subjectID: invoiceID.rawValue,
                            workspaceID: invoice.workspaceID, amount: amount,
                            details: ["payment_id": payment.id.rawValue, "provider": provider]))
                    return (payment, invoice, true)
                }
            } catch  where error.isUniqueViolation {
                // Another process started an attempt between our read and our insert: use theirs.
                continue
            }
            if begun.isNew {
                return try await self.createOrder(
                    for: begun.payment, invoice: begun.invoice, customerID: customerID, actor: actor)
            }
            if let orderID = begun.payment.gatewayOrderID {
                return self.checkout(begun.payment, invoice: begun.invoice, orderID: orderID, isNew: false)
            }
            // Another request is creating this attempt's order right now: wait for it to finish.
            if let checkout = try await self.awaitOrder(of: begun.payment.id, invoice: begun.invoice) {
                return checkout
            }
        }
        throw EngineError(
            .invalidState, "a payment on \(invoiceID) is being started by another request; try again in a few seconds")
    }

    private func createOrder(for payment: Payment, invoice: Invoice, customerID: String?, actor: String)
        async throws -> Checkout
    {
        let gateway = try self.onlineGateway(for: "a gateway order")
        let order: GatewayOrder
        do {
            order = try await gateway.createOrder(
                OrderRequest(
                    amount: payment.amount.minorUnits, currency: payment.amount.currency.code,
                    receipt: payment.id.rawValue,
                    notes: [
                        "invoice_id": invoice.id.rawValue, "workspace_id": invoice.workspaceID.rawValue,
                        "invoice_number": invoice.number ?? "",
                    ], customerID: customerID))
        } catch {
            _ = try await self.settle(
                paymentID: payment.id, outcome: .failed(reason: error.message, method: nil), event: nil, actor: actor)
            throw Self.engineError(error)
        }
        // The attempt as it stands now, not as it was before the gateway answered: reconciliation may have failed an
        // attempt whose order took too long. The order is recorded on it either way, so a capture on the order
        // still finds its attempt, and nothing reconciliation did is undone.
        let stored = try await self.database.inTransaction { store -> Payment? in
            guard try await store.invoices.lock(invoice.id), var current = try await store.payments.find(payment.id)
            else { return nil }
            current.gatewayOrderID = order.id
            try await store.payments.update(current, gatewayPaymentID: nil)
            return current
        }
        guard let stored, stored.status == .processing else {
            throw EngineError(
                .gatewayUnavailable,
                "the payment gateway made the order for \(payment.id) only after the attempt was closed; pay again")
        }
        return self.checkout(stored, invoice: invoice, orderID: order.id, isNew: true)
    }

    private func awaitOrder(of paymentID: PaymentID, invoice: Invoice) async throws -> Checkout? {
        for _ in 0..<100 {
            try await self.sleep(.milliseconds(100))
            guard let payment = try await self.database.store.payments.find(paymentID) else { return nil }
            if payment.status != .processing { return nil }
            if let orderID = payment.gatewayOrderID {
                return self.checkout(payment, invoice: invoice, orderID: orderID, isNew: false)
            }
        }
        return nil
    }

    private func checkout(_ payment: Payment, invoice: Invoice, orderID: String, isNew: Bool) -> Checkout {
        // Only called once an order exists, so a gateway is configured.
        let configuration = self.gateway?.checkout ?? CheckoutConfiguration(keyID: "", hostedCheckoutURL: nil)
        return Checkout(
            payment: payment, invoice: invoice, orderID: orderID, keyID: configuration.keyID,
            hostedCheckoutURL: configuration.hostedCheckoutURL, isNew: isNew)
    }

    static func engineError(_ error: GatewayError) -> EngineError {
        error.isPermanent
            ? EngineError(.gatewayRefused, "the payment gateway refused: \(error.message)")
            : EngineError(.gatewayUnavailable, "\(error.message); nothing was charged, try again later")
    }

    // MARK: Outcomes

    /// What the gateway says became of an attempt.
    enum Outcome: Sendable {
        case captured(GatewayPayment)
        case failed(reason: String, method: String?)
    }

    /// What a checkout was for.
    package enum CheckoutCompletion: Sendable {
        case invoice(Invoice)
        case mandate(Mandate)
    }

    /// The payer came back from checkout with Razorpay's three fields: verify against the order we stored, then ask
    /// the gateway what happened.
    package func completeCheckout(orderID: String, paymentID: String, signature: String, actor: String)
        async throws -> CheckoutCompletion
    {
        let gateway = try self.onlineGateway(for: "completing a checkout")
        guard let attempt = try await self.database.store.payments.find(gatewayOrderID: orderID) else {
            if let mandate = try await self.database.store.mandates.find(authorisationOrderID: orderID) {
                let confirmed = try await AutoPayService(payments: self).completeAuthorisation(
                    mandate, paymentID: paymentID, signature: signature)
                return .mandate(confirmed)
            }
            throw EngineError(.notFound, "no payment attempt has gateway order \(orderID)")
        }
        guard gateway.isValidCheckoutSignature(orderID: orderID, paymentID: paymentID, signature: signature)
        else {
            throw EngineError(.invalidSignature, "razorpay_signature does not match order \(orderID) and \(paymentID)")
        }
        let payment: GatewayPayment
        do {
            payment = try await gateway.fetchPayment(id: paymentID)
        } catch {
            throw Self.engineError(error)
        }
        guard payment.orderID == orderID else {
            throw EngineError(.invalidRequest, "payment \(paymentID) does not belong to order \(orderID)")
        }
        return .invoice(try await self.settle(gatewayPayment: payment, of: attempt.id, event: nil, actor: actor))
    }

    /// Checkout came back with an error: the attempt failed, and the invoice can be paid again.
    package func failCheckout(orderID: String, reason: String, actor: String) async throws -> Invoice? {
        guard let attempt = try await self.database.store.payments.find(gatewayOrderID: orderID) else { return nil }
        // The browser's word alone never fails an attempt the gateway may still capture: ask the gateway.
        return try await self.refresh(attempt.invoiceID, actor: actor)
    }

    // MARK: Top-ups and refunds

    /// Starts a wallet top-up paid through the gateway: a draft receipt that is numbered, paid and credited to the
    /// wallet when the payment is captured.
    package func topUpThroughGateway(_ workspaceID: WorkspaceID, amount: Money, actor: String) async throws -> Checkout
    {
        _ = try self.onlineGateway(for: "topping up the wallet of \(workspaceID) online")
        guard amount.minorUnits >= Invoice.minimumOnlinePayment else {
            throw EngineError(.invalidAmount, "a top-up through the gateway must be at least ₹1")
        }
        let now = self.clock.now
        let today = self.clock.today
        let draft = try await self.database.inTransaction { store in
            try await WalletService.receiptDraft(for: workspaceID, amount: amount, in: store, today: today, now: now)
        }
        return try await self.start(on: draft.id, actor: actor) { receipt in
            guard receipt.kind == .receipt, receipt.state == .draft else {
                throw EngineError(.invalidState, "top-up receipt \(receipt.id) is already \(receipt.state.rawValue)")
            }
            return receipt.total
        }
    }

    /// Reverses a paid invoice with a credit note for its full value and sends its payments back: gateway payments
    /// through the gateway when `destination` is `gateway`, everything else (and everything, for `wallet`) into the
    /// workspace's wallet.
    package func creditAndRefund(
        _ invoiceID: InvoiceID, reason: String, to destination: Refund.Destination, actor: String
    ) async throws -> (invoice: Invoice, creditNote: Invoice, refunds: [Refund]) {
        let now = self.clock.now
        let today = self.clock.today
        let numberSeries = self.invoices.numberSeries
        let result = try await self.database.inTransaction { store -> (Invoice, Invoice, [Refund]) in
            guard try await store.workspaces.lock(try await Self.owner(of: invoiceID, in: store)),
                try await store.invoices.lock(invoiceID), var invoice = try await store.invoices.find(invoiceID)
            else { throw EngineError(.notFound, "no invoice \(invoiceID)") }
            guard invoice.kind == .invoice else {
                throw EngineError(
                    .invalidState, "\(invoiceID) is a \(invoice.kind.rawValue); only invoices are credited")
            }
            guard !invoice.hasAttemptInFlight else {
                throw EngineError(
                    .invalidState, "a payment attempt on \(invoiceID) is still processing; settle it first")
            }
            let creditNote: Invoice
            let earlierNotes = try await store.invoices.corrections(of: invoiceID)
            let action = try invoice.creditPaid()
            switch action {
            case .issueCreditNote:
                creditNote = try await InvoiceService.issueCreditNote(
                    for: invoice, after: earlierNotes, reason: reason,
                    destination: destination == .gateway ? .refund : .wallet, in: store,
                    issueDate: today, numberSeries: numberSeries, actor: actor, now: now)
            case .assignNumber, .recordPartialPayment, .recordCredit, .markPaid, .discardDraft:
                throw InvoiceTransitionError.unexpected(action, after: "credit and refund")
            }
            var refunds: [Refund] = []
            var refundEvents: [BillingEvent] = []
            // What earlier partial credit notes already sent back is not sent again, nor what a payment already had
            // refunded.
            let earlierRefunds = try await store.refunds.list(for: invoiceID).filter { $0.status != .failed }
            let returned = CorrectionService.moneyReturned(
                by: earlierNotes, refunds: earlierRefunds, in: invoice.currency)
            var left = invoice.amountPaid - returned
            for payment in invoice.payments where payment.status == .succeeded && left.isPositive {
                let refunded = earlierRefunds.filter { $0.paymentID == payment.id }.map(\.amount)
                    .sum(in: invoice.currency)
                let amount = Money.minimum(payment.amount - refunded, left)
                guard amount.isPositive else { continue }
                left -= amount
                // What the credit balance paid goes back to it.
                if payment.method == .creditBalance {
                    try await store.creditBalance.append(
                        CreditBalanceEntry(
                            workspaceID: invoice.workspaceID, amount: amount, reason: .reversal,
                            documentID: creditNote.id,
                            description: "Reversal of \(invoice.number ?? invoiceID.rawValue), credit note "
                                + "\(creditNote.number ?? "")", createdAt: now))
                    continue
                }
                let throughGateway =
                    destination == .gateway && payment.provider == self.gateway?.provider && payment.reference != nil
                var refund = Refund(
                    workspaceID: invoice.workspaceID, invoiceID: invoiceID, creditNoteID: creditNote.id,
                    paymentID: payment.id, destination: throughGateway ? .gateway : .wallet, amount: amount,
                    status: throughGateway ? .pending : .processed, reason: "credit_note",
                    gatewayPaymentID: throughGateway ? payment.reference : nil, createdAt: now)
                if !throughGateway {
                    refund.updatedAt = now
                    refundEvents.append(.refundProcessed(refund, at: now))
                    try await store.wallet.append(
                        WalletEntry(
                            workspaceID: invoice.workspaceID, amount: amount, reason: .refund, invoiceID: invoiceID,
                            description: "Refund of \(invoice.number ?? invoiceID.rawValue), credit note "
                                + "\(creditNote.number ?? "")", createdAt: now))
                }
                try await store.refunds.create(refund)
                refunds.append(refund)
            }
            try await store.invoices.saveSettlement(invoice)
            try await store.events.record(
                [.invoiceVoided(invoice, creditNote: creditNote, reason: reason, at: now)] + refundEvents)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "invoice.credited", subjectID: invoiceID.rawValue,
                    workspaceID: invoice.workspaceID, amount: invoice.amountPaid,
                    details: [
                        "reason": reason, "credit_note": creditNote.number ?? "",
                        "refunds": refunds.map { "\($0.id.rawValue):\($0.destination.rawValue)" }.joined(
                            separator: ","),
                    ]))
            return (invoice, creditNote, refunds)
        }
        for refund in result.2 where refund.destination == .gateway {
            await self.sendRefund(refund.id)
        }
        let refunds = try await self.database.store.refunds.list(for: invoiceID)
        return (result.0, result.1, refunds)
    }

    /// Applies a payment the gateway reported, once. Captured money goes to the invoice; anything beyond what is
    /// due goes back through the gateway. Authorized and created payments change nothing.
    @discardableResult
    func settle(gatewayPayment payment: GatewayPayment, of paymentID: PaymentID, event: GatewayEvent?, actor: String)
        async throws -> Invoice
    {
        switch payment.status {
        case .captured, .refunded:
            return try await self.settle(paymentID: paymentID, outcome: .captured(payment), event: event, actor: actor)
        case .failed:
            let reason = payment.errorDescription ?? payment.errorCode ?? "the payment failed"
            return try await self.settle(
                paymentID: paymentID, outcome: .failed(reason: reason, method: payment.method), event: event,
                actor: actor)
        case .created, .authorized:
            return try await self.settle(paymentID: paymentID, outcome: nil, event: event, actor: actor)
        }
    }

    /// The one place an attempt's outcome is written. `event`, when given, is recorded in the same transaction:
    /// a redelivery finds it and changes nothing.
    func settle(paymentID: PaymentID, outcome: Outcome?, event: GatewayEvent?, actor: String) async throws -> Invoice {
        let now = self.clock.now
        let today = self.clock.today
        let numberSeries = self.invoices.numberSeries
        let provider = try self.onlineGateway(for: "settling payment attempt \(paymentID)").provider
        let (invoice, refunds) = try await self.database.inTransaction { store -> (Invoice, [Refund]) in
            guard let found = try await store.payments.find(paymentID) else {
                throw EngineError(.notFound, "no payment attempt \(paymentID)")
            }
            guard try await store.workspaces.lock(try await Self.owner(of: found.invoiceID, in: store)),
                try await store.invoices.lock(found.invoiceID),
                var invoice = try await store.invoices.find(found.invoiceID),
                var attempt = invoice.payments.first(where: { $0.id == paymentID })
            else { throw EngineError(.notFound, "no invoice for payment attempt \(paymentID)") }
            if let event {
                guard
                    try await store.gatewayEvents.record(
                        provider: provider, eventID: event.id, name: event.name, at: now)
                else { return (invoice, []) }
            }
            guard let outcome else { return (invoice, []) }
            let action: PaymentAttemptLifecycle.Action
            switch outcome {
            case .captured(let captured):
                action = attempt.succeed(
                    amount: Money(minorUnits: captured.amount, currency: invoice.currency),
                    method: PaymentMethod(gatewayMethod: captured.method), reference: captured.id, at: now)
            case .failed(let reason, let method):
                action = attempt.fail(
                    reason: String(reason.prefix(500)), method: method.map(PaymentMethod.init(gatewayMethod:)))
            }
            var refunds: [Refund] = []
            switch (action, outcome) {
            case (.ignore, _):
                return (invoice, [])
            case (.applyToInvoice, .captured(let captured)):
                guard captured.currency == invoice.currency.code else {
                    throw EngineError(.invalidRequest, "payment \(captured.id) is in \(captured.currency)")
                }
                let received = attempt.amount
                var applied = received
                if invoice.kind == .receipt, invoice.state == .draft {
                    // Records the top-up's events, the payment's among them.
                    invoice = try await WalletService.completeTopUp(
                        invoice, paidBy: attempt, in: store, issueDate: today, numberSeries: numberSeries,
                        actor: actor, now: now)
                } else {
                    let wasOpen = invoice.state == .open
                    applied = wasOpen ? Money.minimum(received, invoice.amountDue) : .zero(received.currency)
                    if applied.isPositive {
                        try invoice.recordPayment(applied)
                    }
                    try await store.events.record(.paymentSucceeded(attempt, on: invoice, at: now))
                    if wasOpen, invoice.kind == .invoice, invoice.state == .paid {
                        try await store.events.record(.invoicePaid(invoice, by: attempt, at: now))
                    }
                }
                let excess = received - applied
                if excess.isPositive {
                    // Paid twice (a retry on an old order, or an invoice settled meanwhile): the rest goes back.
                    let refund = Refund(
                        workspaceID: invoice.workspaceID, invoiceID: invoice.id, creditNoteID: nil,
                        paymentID: attempt.id, destination: .gateway, amount: excess, status: .pending,
                        reason: "overpayment", gatewayPaymentID: captured.id, createdAt: now)
                    try await store.refunds.create(refund)
                    refunds.append(refund)
                }
                try await store.payments.update(attempt, gatewayPaymentID: captured.id)
                try await store.auditLog.record(
                    AuditEntry(
                        occurredAt: now, actor: actor, action: "payment.succeeded", subjectID: invoice.id.rawValue,
                        workspaceID: invoice.workspaceID, amount: received,
                        details: [
                            "payment_id": attempt.id.rawValue, "gateway_payment_id": captured.id,
                            "method": attempt.method.rawValue, "applied": String(applied.minorUnits),
                            "refunded_excess": String(excess.minorUnits),
                        ]))
                try await AutoPayService.attemptSucceeded(on: invoice.id, in: store, now: now)
            case (.recordFailure, .failed(let reason, _)):
                try await store.payments.update(attempt, gatewayPaymentID: nil)
                try await InvoiceService.recordEvents(of: attempt, on: invoice, in: store, now: now)
                try await store.auditLog.record(
                    AuditEntry(
                        occurredAt: now, actor: actor, action: "payment.failed", subjectID: invoice.id.rawValue,
                        workspaceID: invoice.workspaceID, amount: attempt.amount,
                        details: ["payment_id": attempt.id.rawValue, "reason": attempt.failureReason ?? ""]))
                try await AutoPayService.attemptFailed(
                    on: invoice.id, reason: reason, mail: self.mail, in: store, now: now)
            case (.applyToInvoice, .failed), (.recordFailure, .captured):
                throw EngineError(
                    .invalidState,
                    "payment attempt \(paymentID) answered a gateway outcome with \(action), which it never does")
            }
            if let index = invoice.payments.firstIndex(where: { $0.id == attempt.id }) {
                invoice.payments[index] = attempt
            }
            try await store.invoices.saveSettlement(invoice)
            return (invoice, refunds)
        }
        for refund in refunds {
            await self.sendRefund(refund.id)
        }
        return invoice
    }

    static func owner(of invoiceID: InvoiceID, in store: Store) async throws -> WorkspaceID {
        guard let owner = try await store.invoices.owners(of: [invoiceID])[invoiceID]?.workspaceID else {
            throw EngineError(.notFound, "no invoice \(invoiceID)")
        }
        return owner
    }

    // MARK: Webhooks

    /// What became of one webhook delivery.
    package enum WebhookResult: String, Sendable {
        case applied
        /// Seen before: nothing changed.
        case duplicate
        /// Not about anything Billfold started.
        case ignored
    }

    /// A webhook from the gateway: the signature is checked on the raw body before anything is parsed.
    package func receiveWebhook(body: [UInt8], signature: String?, eventID: String?) async throws -> WebhookResult {
        let gateway = try self.onlineGateway(for: "a gateway webhook")
        guard let signature, gateway.isValidWebhookSignature(body: body, signature: signature) else {
            throw EngineError(.invalidSignature, "X-Razorpay-Signature is missing or does not match the body")
        }
        guard let eventID, !eventID.isEmpty, eventID.utf8.count <= 100 else {
            throw EngineError(.invalidRequest, "the x-razorpay-event-id header is missing")
        }
        let event: GatewayEvent
        do {
            event = try RazorpayWebhook.decode(body: body, eventID: eventID)
        } catch {
            throw EngineError(.invalidRequest, "the webhook body is not a Razorpay event: \(error.message)")
        }
        return try await self.apply(event)
    }

    func apply(_ event: GatewayEvent) async throws -> WebhookResult {
        let actor = "gateway:\(try self.onlineGateway(for: "a gateway event").provider)"
        if event.name.hasPrefix("payment.") || event.name == "order.paid", let payment = event.payment,
            let orderID = payment.orderID ?? event.order?.id
        {
            if let attempt = try await self.database.store.payments.find(gatewayOrderID: orderID) {
                return try await self.settleRecordingEvent(payment, of: attempt.id, event: event, actor: actor)
            }
            if try await self.database.store.mandates.find(authorisationOrderID: orderID) != nil {
                return try await AutoPayService(payments: self).applyAuthorisation(payment, event: event)
            }
        }
        if event.name.hasPrefix("refund."), let refund = event.refund {
            return try await self.applyRefundEvent(refund, event: event)
        }
        if event.name.hasPrefix("token."), let token = event.token {
            return try await AutoPayService(payments: self).applyToken(token, event: event)
        }
        return try await self.recordOnly(event)
    }

    private func settleRecordingEvent(
        _ payment: GatewayPayment, of attemptID: PaymentID, event: GatewayEvent, actor: String
    ) async throws -> WebhookResult {
        let seenBefore = try await self.isRecorded(event)
        if seenBefore { return .duplicate }
        try await self.settle(gatewayPayment: payment, of: attemptID, event: event, actor: actor)
        return .applied
    }

    func isRecorded(_ event: GatewayEvent) async throws -> Bool {
        let provider = try self.onlineGateway(for: "a gateway event").provider
        return try await self.database.store.gatewayEvents.isRecorded(provider: provider, eventID: event.id)
    }

    func recordOnly(_ event: GatewayEvent) async throws -> WebhookResult {
        let isNew = try await self.database.store.gatewayEvents.record(
            provider: try self.onlineGateway(for: "a gateway event").provider, eventID: event.id, name: event.name,
            at: self.clock.now)
        return isNew ? .ignored : .duplicate
    }

    // MARK: Refresh and reconciliation

    /// Asks the gateway about every attempt on the invoice still processing (and recent failures, which a payer may
    /// have retried on the same order), and settles what it says. With online payment off there is no one to ask:
    /// the invoice comes back as it is.
    package func refresh(_ invoiceID: InvoiceID, actor: String) async throws -> Invoice {
        guard let invoice = try await self.database.store.invoices.find(invoiceID) else {
            throw EngineError(.notFound, "no invoice \(invoiceID)")
        }
        let now = self.clock.now
        let recent = now.addingTimeInterval(-86_400)
        for attempt in invoice.payments where attempt.provider == self.gateway?.provider {
            let isOpen = attempt.status == .processing || (attempt.status == .failed && attempt.createdAt > recent)
            guard isOpen else { continue }
            try await self.reconcile(attempt, actor: actor, now: now)
        }
        guard let refreshed = try await self.database.store.invoices.find(invoiceID) else {
            throw EngineError(.notFound, "no invoice \(invoiceID)")
        }
        return refreshed
    }

    private func reconcile(_ attempt: Payment, actor: String, now: Date) async throws {
        guard let orderID = attempt.gatewayOrderID else {
            if attempt.status == .processing, now.timeIntervalSince(attempt.createdAt) > Self.orderlessAttemptTimeout {
                _ = try await self.settle(
                    paymentID: attempt.id,
                    outcome: .failed(reason: "the gateway order was never recorded; no payer saw it", method: nil),
                    event: nil, actor: actor)
            }
            return
        }
        let gateway = try self.onlineGateway(for: "reconciling payment attempt \(attempt.id)")
        let payments: [GatewayPayment]
        do {
            payments = try await gateway.fetchPayments(orderID: orderID)
        } catch {
            throw Self.engineError(error)
        }
        if let captured = payments.first(where: { $0.status == .captured || $0.status == .refunded }) {
            try await self.settle(gatewayPayment: captured, of: attempt.id, event: nil, actor: actor)
        } else if let last = payments.last, last.status == .failed, attempt.status == .processing {
            try await self.settle(gatewayPayment: last, of: attempt.id, event: nil, actor: actor)
        } else if attempt.status == .processing, !payments.contains(where: { $0.status == .authorized }),
            now.timeIntervalSince(attempt.createdAt) > Self.abandonedAttemptTimeout
        {
            _ = try await self.settle(
                paymentID: attempt.id,
                outcome: .failed(reason: "checkout was abandoned: no payment was made on the order", method: nil),
                event: nil, actor: actor)
        }
    }

    /// One reconciliation pass: settles attempts processing for longer than `grace` and resends refunds still
    /// pending. Returns how many attempts it asked about. Safe to run in several processes at once. With online
    /// payment off it asks nothing and returns 0.
    @discardableResult
    package func reconcile(grace: TimeInterval = 60, limit: Int = 200) async throws -> Int {
        guard let gateway = self.gateway else { return 0 }
        let now = self.clock.now
        let attempts = try await self.database.store.payments.processing(
            startedBefore: now.addingTimeInterval(-grace), limit: limit)
        for attempt in attempts where attempt.provider == gateway.provider {
            do {
                try await self.reconcile(attempt, actor: "reconciler", now: now)
            } catch {
                self.logger.warning("could not reconcile \(attempt.id): \(error)")
            }
        }
        for refund in try await self.database.store.refunds.pending(
            recordedBefore: now.addingTimeInterval(-grace), limit: limit)
        {
            await self.sendRefund(refund.id)
        }
        return attempts.count
    }

    // MARK: Refunds through the gateway

    /// Sends a pending gateway refund, or asks after one already sent. The refund's id is its idempotency key, so
    /// sending it again after a crash cannot refund twice.
    func sendRefund(_ id: RefundID) async {
        // Without a gateway the refund stays pending until one is configured.
        guard let gateway = self.gateway else { return }
        do {
            guard var refund = try await self.database.store.refunds.find(id), refund.status == .pending,
                refund.destination == .gateway, let paymentID = refund.gatewayPaymentID
            else { return }
            let answer: GatewayRefund
            if let gatewayRefundID = refund.gatewayRefundID {
                answer = try await gateway.fetchRefund(paymentID: paymentID, refundID: gatewayRefundID)
            } else {
                answer = try await gateway.refund(
                    RefundRequest(
                        paymentID: paymentID, amount: refund.amount.minorUnits, idempotencyKey: refund.id.rawValue,
                        receipt: refund.id.rawValue, notes: ["reason": refund.reason]))
            }
            refund.gatewayRefundID = answer.id
            try await self.recordRefundStatus(&refund, answer.status, reason: nil)
        } catch let error as GatewayError where error.isPermanent {
            self.logger.error("the gateway refused refund \(id): \(error.message)")
            if var refund = try? await self.database.store.refunds.find(id) {
                try? await self.recordRefundStatus(&refund, .failed, reason: error.message)
            }
        } catch {
            self.logger.warning("refund \(id) is still pending: \(error)")
        }
    }

    private func recordRefundStatus(_ refund: inout Refund, _ status: GatewayRefund.Status, reason: String?)
        async throws
    {
        let now = self.clock.now
        refund.status = Refund.Status(gateway: status)
        refund.failureReason = reason ?? refund.failureReason
        refund.updatedAt = now
        let settled = refund
        try await self.database.inTransaction { store in
            // Refunds of one workspace take turns on its row: of two reports of the same outcome (the gateway's
            // answer and its webhook), only the first finds the refund pending and records it.
            guard try await store.workspaces.lock(settled.workspaceID),
                try await store.refunds.find(settled.id)?.status == .pending
            else { return }
            try await store.refunds.update(settled)
            if settled.status == .processed {
                try await store.events.record(.refundProcessed(settled, at: now))
            }
            if settled.status != .pending {
                try await store.auditLog.record(
                    AuditEntry(
                        occurredAt: now, actor: "gateway:\(self.gateway?.provider ?? "none")",
                        action: "refund.\(settled.status.rawValue)",
                        subjectID: settled.invoiceID?.rawValue ?? settled.id.rawValue,
                        workspaceID: settled.workspaceID, amount: settled.amount,
                        details: ["refund_id": settled.id.rawValue, "gateway_refund_id": settled.gatewayRefundID ?? ""]
                    ))
            }
        }
    }

    private func applyRefundEvent(_ gatewayRefund: GatewayRefund, event: GatewayEvent) async throws -> WebhookResult {
        guard try await self.recordOnly(event) == .ignored else { return .duplicate }
        let refunds = self.database.store.refunds
        var found = try await refunds.find(gatewayRefundID: gatewayRefund.id)
        if found == nil, let id = gatewayRefund.receipt.flatMap(RefundID.init(validating:)) {
            found = try await refunds.find(id)
        }
        guard var refund = found else { return .ignored }
        guard refund.status == .pending else { return .applied }
        refund.gatewayRefundID = gatewayRefund.id
        try await self.recordRefundStatus(&refund, gatewayRefund.status, reason: nil)
        return .applied
    }

}

extension Refund.Status {
    init(gateway status: GatewayRefund.Status) {
        switch status {
        case .pending: self = .pending
        case .processed: self = .processed
        case .failed: self = .failed
        }
    }
}
