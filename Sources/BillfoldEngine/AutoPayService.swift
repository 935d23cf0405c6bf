import BillfoldCore
import BillfoldPayments
import BillfoldStore
import Foundation

/// Auto-pay: a mandate registered once through checkout, then each finalized invoice debited from it after a
/// pre-debit notice, with retries on a schedule.
package struct AutoPayService: Sendable {
    package let payments: PaymentService

    /// The authorisation payment a mandate is registered with: ₹1, refunded once captured.
    package static let authorisationAmount: Int64 = 100
    /// RBI: the notice must reach the payer at least 24 hours before the debit; an hour more for delivery.
    package static let noticeLead: TimeInterval = 25 * 3600
    /// RBI: debits above ₹15,000 need the payer's own authentication, so they are not taken automatically.
    package static let additionalAuthenticationAbove: Int64 = 1_500_000
    /// Debits tried at most this many times.
    package static let maximumAttempts = 4
    /// The wait before a failed debit is tried again, by how many have failed (each wait covers a new notice).
    package static let retryDelays: [TimeInterval] = [25 * 3600, 49 * 3600, 97 * 3600]

    package init(payments: PaymentService) {
        self.payments = payments
    }

    private var database: Database { self.payments.database }

    /// The gateway mandates and debits go through, or the refusal that says online payment is off.
    private func gateway(for what: @autoclosure () -> String) throws -> any PaymentGateway {
        try self.payments.onlineGateway(for: what())
    }

    // MARK: Mandates

    /// A mandate waiting for the payer, and where they authorise it.
    package struct MandateSetup: Sendable {
        package var mandate: Mandate
        package var keyID: String
        package var hostedCheckoutURL: String?
    }

    /// Registers a mandate for debits of at most `maxAmount`: a gateway customer and an authorisation order the
    /// payer completes at checkout. The mandate is confirmed by `token.confirmed`.
    package func registerMandate(for workspaceID: WorkspaceID, maxAmount: Money, actor: String) async throws
        -> MandateSetup
    {
        let gateway = try self.gateway(for: "an auto-pay mandate for \(workspaceID)")
        guard let workspace = try await self.database.store.workspaces.find(workspaceID) else {
            throw EngineError(.notFound, "no workspace \(workspaceID)")
        }
        guard maxAmount.currency == workspace.currency, maxAmount.minorUnits >= Self.authorisationAmount else {
            throw EngineError(
                .invalidAmount, "max_amount must be at least ₹1 in \(workspace.currency.code)")
        }
        let now = self.payments.clock.now
        let expiresAt = now.addingTimeInterval(10 * 365 * 86_400)
        let mandateID = MandateID.generate()
        let customer: GatewayCustomer
        let order: GatewayOrder
        do {
            customer = try await gateway.createCustomer(
                CustomerRequest(
                    name: String(workspace.legalName.prefix(50)), email: workspace.email,
                    notes: ["workspace_id": workspaceID.rawValue]))
            order = try await gateway.createOrder(
                OrderRequest(
                    amount: Self.authorisationAmount, currency: workspace.currency.code, receipt: mandateID.rawValue,
                    notes: ["workspace_id": workspaceID.rawValue, "purpose": "auto-pay mandate"],
                    customerID: customer.id,
                    token: TokenRequest(
                        maxAmount: maxAmount.minorUnits, expireAt: Int64(expiresAt.timeIntervalSince1970),
                        frequency: "as_presented")))
        } catch {
            throw PaymentService.engineError(error)
        }
        let mandate = Mandate(
            id: mandateID, workspaceID: workspaceID, provider: gateway.provider, status: .pending,
            customerID: customer.id, authorisationOrderID: order.id, tokenID: nil, maxAmount: maxAmount,
            expiresAt: expiresAt, createdAt: now)
        try await self.database.inTransaction { store in
            try await store.mandates.create(mandate)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "mandate.requested", subjectID: mandate.id.rawValue,
                    workspaceID: workspaceID, amount: maxAmount, details: ["order_id": order.id]))
        }
        return MandateSetup(
            mandate: mandate, keyID: gateway.checkout.keyID, hostedCheckoutURL: gateway.checkout.hostedCheckoutURL)
    }

    /// The payer came back from authorising a mandate at checkout.
    func completeAuthorisation(_ mandate: Mandate, paymentID: String, signature: String) async throws -> Mandate {
        let gateway = try self.gateway(for: "authorising mandate \(mandate.id)")
        guard
            gateway.isValidCheckoutSignature(
                orderID: mandate.authorisationOrderID, paymentID: paymentID, signature: signature)
        else { throw EngineError(.invalidSignature, "razorpay_signature does not match the mandate's order") }
        do {
            let payment = try await gateway.fetchPayment(id: paymentID)
            _ = try await self.applyAuthorisation(payment, event: nil)
        } catch let error as GatewayError {
            throw PaymentService.engineError(error)
        }
        guard let updated = try await self.database.store.mandates.find(mandate.id) else {
            throw EngineError(.notFound, "no mandate \(mandate.id)")
        }
        return updated
    }

    /// The authorisation payment of a mandate: remember its token and send the ₹1 back.
    func applyAuthorisation(_ payment: GatewayPayment, event: GatewayEvent?) async throws
        -> PaymentService.WebhookResult
    {
        guard let orderID = payment.orderID else { return .ignored }
        let now = self.payments.clock.now
        let gateway = try self.gateway(for: "a mandate's authorisation")
        let provider = gateway.provider
        let refund: Refund? = try await self.database.inTransaction { store in
            if let event {
                guard
                    try await store.gatewayEvents.record(
                        provider: provider, eventID: event.id, name: event.name, at: now)
                else { return nil }
            }
            guard var mandate = try await store.mandates.find(authorisationOrderID: orderID) else { return nil }
            if mandate.tokenID == nil, let tokenID = payment.tokenID {
                mandate.tokenID = tokenID
                mandate.updatedAt = now
                try await store.mandates.update(mandate)
            }
            guard payment.status == .captured else { return nil }
            let refund = Refund(
                id: RefundID(rawValue: "rfd_" + payment.id.filter { $0.isLetter || $0.isNumber }),
                workspaceID: mandate.workspaceID, invoiceID: nil, creditNoteID: nil, paymentID: nil,
                destination: .gateway, amount: Money(minorUnits: payment.amount, currency: mandate.maxAmount.currency),
                status: .pending, reason: "mandate_authorisation", gatewayPaymentID: payment.id, createdAt: now)
            // The refund's id comes from the payment's, so a second report of the capture cannot add a second one.
            guard try await store.refunds.find(refund.id) == nil else { return nil }
            try await store.refunds.create(refund)
            return refund
        }
        if let refund { await self.payments.sendRefund(refund.id) }
        // token.confirmed may have come before this payment linked the token: read the token's state now.
        if let tokenID = payment.tokenID, let customerID = payment.customerID,
            let token = try? await gateway.fetchToken(customerID: customerID, tokenID: tokenID)
        {
            _ = try await self.applyToken(token, event: nil)
        }
        return .applied
    }

    /// `token.confirmed`, `token.rejected`, `token.cancelled`, or a token read back after checkout.
    func applyToken(_ token: GatewayToken, event: GatewayEvent?) async throws -> PaymentService.WebhookResult {
        let now = self.payments.clock.now
        let provider = try self.gateway(for: "a mandate's token").provider
        return try await self.database.inTransaction { store in
            if let event {
                guard
                    try await store.gatewayEvents.record(
                        provider: provider, eventID: event.id, name: event.name, at: now)
                else { return .duplicate }
            }
            guard var mandate = try await store.mandates.find(tokenID: token.id) else { return .ignored }
            let status: Mandate.Status
            switch token.status {
            case .confirmed: status = .confirmed
            case .rejected: status = .rejected
            case .cancelled, .paused: status = .cancelled
            case .initiated: return .applied
            }
            // A cancelled or rejected mandate never comes back; a confirmation arriving after one changes nothing.
            guard mandate.status == .pending || (mandate.status == .confirmed && status != .confirmed) else {
                return .applied
            }
            mandate.status = status
            mandate.updatedAt = now
            try await store.mandates.update(mandate)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: "gateway:\(provider)", action: "mandate.\(status.rawValue)",
                    subjectID: mandate.id.rawValue, workspaceID: mandate.workspaceID, amount: mandate.maxAmount,
                    details: ["token_id": token.id]))
            return .applied
        }
    }

    // MARK: Debits

    /// Schedules a debit for every open invoice of an auto-pay workspace with a confirmed mandate, and records its
    /// pre-debit notice in the outbox. Returns how many it scheduled. With online payment off no debit can be
    /// taken, so none is scheduled and no notice promises one.
    @discardableResult
    package func scheduleDebits(limit: Int = 200) async throws -> Int {
        guard self.payments.takesOnlinePayments else { return 0 }
        let now = self.payments.clock.now
        var scheduled = 0
        for (invoiceID, mandateID) in try await self.database.store.autoPayCharges.awaitingSchedule(limit: limit) {
            let created = try await self.database.inTransaction { store -> Bool in
                guard try await store.invoices.lock(invoiceID), let invoice = try await store.invoices.find(invoiceID),
                    invoice.state == .open, let workspace = try await store.workspaces.find(invoice.workspaceID)
                else { return false }
                let charge = AutoPayCharge(
                    invoiceID: invoiceID, workspaceID: invoice.workspaceID, mandateID: mandateID,
                    amount: invoice.amountDue, status: .scheduled, notifiedAt: now,
                    nextAttemptAt: now.addingTimeInterval(Self.noticeLead), createdAt: now)
                guard try await store.autoPayCharges.create(charge) else { return false }
                try await Self.enqueueNotice(
                    for: charge, invoice: invoice, workspace: workspace, mail: self.payments.mail, in: store, now: now)
                try await store.auditLog.record(
                    AuditEntry(
                        occurredAt: now, actor: "auto-pay", action: "auto_pay.scheduled", subjectID: invoiceID.rawValue,
                        workspaceID: invoice.workspaceID, amount: charge.amount,
                        details: [
                            "charge_id": charge.id.rawValue, "debit_at": ISO8601Instant.format(charge.nextAttemptAt),
                        ]
                    ))
                return true
            }
            if created { scheduled += 1 }
        }
        return scheduled
    }

    /// The pre-debit notice: amount, date, reference and how to opt out, at least 24 hours before the debit, to
    /// every billing contact; one per debit attempt.
    static func enqueueNotice(
        for charge: AutoPayCharge, invoice: Invoice, workspace: Workspace, mail: MailComposer, in store: Store,
        now: Date
    ) async throws {
        guard let supplier = try await store.supplier.find() else { return }
        var context = mail.context(supplier: supplier, workspace: workspace)
        context.invoices = [mail.line(invoice)]
        context.amount = charge.amount
        context.debitOn = CalendarDate(charge.nextAttemptAt, in: .indiaStandardTime)
        context.mandateReference = charge.mandateID.rawValue
        context.reference = charge.id.rawValue
        try await mail.enqueue(
            .preDebitNotice, MailComposer.Cause(Self.noticeCause(of: charge), invoiceID: invoice.id), to: workspace,
            context: context, in: store, at: now)
    }

    /// Why a notice is owed: the debit and which attempt it announces.
    package static func noticeCause(of charge: AutoPayCharge) -> String {
        "pre_debit:\(charge.id.rawValue)/\(charge.attempts + 1)"
    }

    /// Debits the scheduled charges whose time has come. Returns how many it sent to the gateway. With online
    /// payment off it claims none: they stay scheduled until a gateway is configured.
    @discardableResult
    package func chargeDue(limit: Int = 50) async throws -> Int {
        guard self.payments.takesOnlinePayments else { return 0 }
        let now = self.payments.clock.now
        let claimed = try await self.database.inTransaction { store -> [AutoPayCharge] in
            var claimed: [AutoPayCharge] = []
            for var charge in try await store.autoPayCharges.claimDue(at: now, limit: limit) {
                charge.status = .charging
                charge.attempts += 1
                try await store.autoPayCharges.update(charge, at: now)
                claimed.append(charge)
            }
            return claimed
        }
        var sent = 0
        for charge in claimed {
            do {
                if try await self.debit(charge, now: now) { sent += 1 }
            } catch {
                // Nothing reached the gateway in a way the attempt records (the database or the gateway was
                // unreachable): the debit goes back on the schedule and the next pass tries it again.
                try await self.reschedule(charge, after: error, now: now)
            }
        }
        return sent
    }

    private func debit(_ charge: AutoPayCharge, now: Date) async throws -> Bool {
        let store = self.database.store
        guard let invoice = try await store.invoices.find(charge.invoiceID), invoice.state == .open,
            invoice.amountDue.isPositive
        else {
            try await self.stop(charge, reason: "the invoice was settled another way", now: now)
            return false
        }
        // A disputed invoice is not debited: the customer pays it by hand, or not, once the dispute is settled.
        guard invoice.openDispute == nil else {
            try await self.stop(charge, reason: "the invoice is disputed; it is not debited automatically", now: now)
            return false
        }
        guard let workspace = try await store.workspaces.find(charge.workspaceID), workspace.autoPay else {
            try await self.stop(charge, reason: "auto-pay was turned off", now: now)
            return false
        }
        guard let mandate = try await store.mandates.find(charge.mandateID), mandate.status == .confirmed,
            let tokenID = mandate.tokenID, mandate.expiresAt > now
        else {
            try await self.stop(charge, reason: "the mandate is no longer confirmed", now: now)
            return false
        }
        let amount = invoice.amountDue
        guard amount.minorUnits <= Self.additionalAuthenticationAbove else {
            try await self.stop(
                charge, reason: "debits above ₹15,000 need the payer's authentication; pay it from the portal",
                now: now)
            return false
        }
        guard amount.minorUnits <= mandate.maxAmount.minorUnits else {
            try await self.stop(
                charge,
                reason: "\(amount.formatted()) is above the mandate's limit of \(mandate.maxAmount.formatted())",
                now: now)
            return false
        }
        guard !invoice.hasAttemptInFlight else {
            // The payer is paying it by hand right now; look again in an hour.
            var later = charge
            later.status = .scheduled
            later.attempts -= 1
            later.nextAttemptAt = now.addingTimeInterval(3600)
            try await store.autoPayCharges.update(later, at: now)
            return false
        }
        let gateway = try self.gateway(for: "an auto-pay debit")
        let checkout = try await self.payments.start(
            on: invoice.id, actor: "auto-pay", customerID: mandate.customerID
        ) { current in
            guard current.state == .open else { throw EngineError(.invalidState, "invoice is not open") }
            return current.amountDue
        }
        do {
            _ = try await gateway.chargeRecurring(
                RecurringChargeRequest(
                    amount: checkout.payment.amount.minorUnits, currency: checkout.payment.amount.currency.code,
                    orderID: checkout.orderID, customerID: mandate.customerID, tokenID: tokenID,
                    email: workspace.email, description: "Invoice \(invoice.number ?? invoice.id.rawValue)",
                    notes: ["invoice_id": invoice.id.rawValue, "charge_id": charge.id.rawValue]))
        } catch {
            _ = try await self.payments.settle(
                paymentID: checkout.payment.id,
                outcome: .failed(reason: "the recurring debit was refused: \(error.message)", method: nil), event: nil,
                actor: "auto-pay")
        }
        return true
    }

    private func reschedule(_ charge: AutoPayCharge, after error: any Error, now: Date) async throws {
        try await self.database.inTransaction { store in
            guard var current = try await store.autoPayCharges.find(invoiceID: charge.invoiceID),
                current.status == .charging,
                try await store.invoices.find(charge.invoiceID)?.hasAttemptInFlight == false
            else { return }
            current.status = .scheduled
            current.attempts -= 1
            current.nextAttemptAt = now
            current.lastError = String("\(error)".prefix(500))
            try await store.autoPayCharges.update(current, at: now)
        }
    }

    private func stop(_ charge: AutoPayCharge, reason: String, now: Date) async throws {
        var stopped = charge
        stopped.status = .stopped
        stopped.lastError = reason
        try await self.database.inTransaction { [stopped] store in
            try await store.autoPayCharges.update(stopped, at: now)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: "auto-pay", action: "auto_pay.stopped",
                    subjectID: charge.invoiceID.rawValue, workspaceID: charge.workspaceID, amount: charge.amount,
                    details: ["charge_id": charge.id.rawValue, "reason": reason]))
        }
    }

    /// Inside the settling transaction: the debit in flight on this invoice succeeded.
    static func attemptSucceeded(on invoiceID: InvoiceID, in store: Store, now: Date) async throws {
        guard var charge = try await store.autoPayCharges.find(invoiceID: invoiceID), charge.status == .charging
        else { return }
        charge.status = .succeeded
        charge.lastError = nil
        try await store.autoPayCharges.update(charge, at: now)
    }

    /// Inside the settling transaction: the debit in flight on this invoice failed; try again later, with a new
    /// notice, or stop when the attempts have run out.
    static func attemptFailed(
        on invoiceID: InvoiceID, reason: String, mail: MailComposer, in store: Store, now: Date
    ) async throws {
        guard var charge = try await store.autoPayCharges.find(invoiceID: invoiceID), charge.status == .charging
        else { return }
        charge.lastError = String(reason.prefix(500))
        if charge.attempts >= Self.maximumAttempts {
            charge.status = .stopped
        } else {
            charge.status = .scheduled
            charge.nextAttemptAt = now.addingTimeInterval(
                Self.retryDelays[min(charge.attempts, Self.retryDelays.count) - 1])
            if let invoice = try await store.invoices.find(invoiceID),
                let workspace = try await store.workspaces.find(charge.workspaceID)
            {
                try await Self.enqueueNotice(
                    for: charge, invoice: invoice, workspace: workspace, mail: mail, in: store, now: now)
            }
        }
        try await store.autoPayCharges.update(charge, at: now)
        try await store.auditLog.record(
            AuditEntry(
                occurredAt: now, actor: "auto-pay",
                action: "auto_pay.\(charge.status == .stopped ? "stopped" : "retry_scheduled")",
                subjectID: invoiceID.rawValue, workspaceID: charge.workspaceID, amount: charge.amount,
                details: ["charge_id": charge.id.rawValue, "attempts": String(charge.attempts), "reason": reason]))
    }

    /// One pass of the auto-pay job.
    package func runOnce() async throws {
        try await self.scheduleDebits()
        try await self.chargeDue()
    }
}
