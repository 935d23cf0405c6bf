import BillfoldCore
import BillfoldStore
import Foundation

/// The prepaid wallet: top-ups that issue receipts, and invoices paid from the balance.
package struct WalletService: Sendable {
    package let database: Database
    package let clock: BillingClock
    package let invoices: InvoiceService

    package init(invoices: InvoiceService) {
        self.database = invoices.database
        self.clock = invoices.clock
        self.invoices = invoices
    }

    /// Adds `amount` to the workspace's wallet and issues a paid receipt for it, in one transaction: money the
    /// operator received by `method` outside the gateway.
    package func topUp(
        _ workspaceID: WorkspaceID, amount: Money, method: PaymentMethod, reference: String?, actor: String
    ) async throws -> Invoice {
        let now = self.clock.now
        let today = self.clock.today
        let numberSeries = self.invoices.numberSeries
        return try await self.database.inTransaction { store in
            let draft = try await Self.receiptDraft(for: workspaceID, amount: amount, in: store, today: today, now: now)
            let payment = Payment(
                id: .generate(), invoiceID: draft.id, method: method, provider: "manual", status: .succeeded,
                amount: amount, reference: reference, failureReason: nil, createdAt: now, paidAt: now)
            try await store.payments.create(payment)
            return try await Self.completeTopUp(
                draft, paidBy: payment, in: store, issueDate: today, numberSeries: numberSeries, actor: actor, now: now)
        }
    }

    /// Inside a transaction: locks the workspace, checks it takes top-ups, and stores a draft receipt for `amount`.
    /// The draft has no number until it is paid, so an abandoned top-up leaves no gap in the series.
    static func receiptDraft(
        for workspaceID: WorkspaceID, amount: Money, in store: Store, today: CalendarDate, now: Date
    ) async throws -> Invoice {
        guard amount.isPositive else { throw EngineError(.invalidAmount, "a top-up must be more than zero") }
        // Wallet movements of one workspace take turns on its row, so the balance read stays true.
        guard try await store.workspaces.lock(workspaceID), let workspace = try await store.workspaces.find(workspaceID)
        else { throw EngineError(.notFound, "no workspace \(workspaceID)") }
        guard workspace.billingMode == .prepaid else {
            throw EngineError(
                .invalidState,
                "workspace \(workspaceID) is billed postpaid and has no wallet to top up; "
                    + "set its billing_mode to prepaid first")
        }
        guard amount.currency == workspace.currency else {
            throw EngineError(.invalidAmount, "the wallet of \(workspaceID) holds \(workspace.currency.code)")
        }
        guard let supplier = try await store.supplier.find() else {
            throw EngineError(.missingSupplier, "configure the supplier before taking top-ups")
        }
        let line = InvoiceLine(
            category: .topUp, resourceType: "wallet", resourceName: "Prepaid wallet", description: "Wallet top-up",
            periodStart: today, periodEnd: today, quantity: FixedDecimal(1), unit: "top-up",
            unitPrice: amount.majorUnitDecimal, amount: amount, sac: Plan.defaultSAC, gstRateBasisPoints: 0)
        let draft = Invoice.draft(
            kind: .receipt, workspace: workspace, supplier: supplier, subscriptionID: nil, periodStart: today,
            periodEnd: today, description: "Wallet top-up", lines: [line], createdAt: now)
        try await store.invoices.create(draft)
        return draft
    }

    /// Inside a transaction holding the workspace's row: numbers the receipt, marks it paid by `payment` (already
    /// stored, succeeded), and credits the wallet; records `payment.succeeded` and `wallet.topped_up`.
    static func completeTopUp(
        _ draft: Invoice, paidBy payment: Payment, in store: Store, issueDate: CalendarDate,
        numberSeries: [DocumentKind: InvoiceNumberSeries], actor: String, now: Date
    ) async throws -> Invoice {
        var receipt = try await InvoiceService.finalize(
            draft.id, in: store, issueDate: issueDate, numberSeries: numberSeries, actor: actor, now: now)
        try receipt.settleInFull()
        receipt.payments = [payment]
        try await store.invoices.saveSettlement(receipt)
        try await store.wallet.append(
            WalletEntry(
                workspaceID: receipt.workspaceID, amount: payment.amount, reason: .topUp, invoiceID: receipt.id,
                description: "Top-up, receipt \(receipt.number ?? "")", createdAt: now))
        let balance = try await store.wallet.balance(of: receipt.workspaceID, in: payment.amount.currency)
        try await store.events.record([
            .paymentSucceeded(payment, on: receipt, at: now),
            .walletToppedUp(receipt: receipt, payment: payment, balance: balance, at: now),
        ])
        try await store.auditLog.record(
            AuditEntry(
                occurredAt: now, actor: actor, action: "wallet.topped_up", subjectID: receipt.id.rawValue,
                workspaceID: receipt.workspaceID, amount: payment.amount,
                details: ["number": receipt.number ?? "", "payment_id": payment.id.rawValue]))
        return receipt
    }

    /// Pays what the wallet can cover of an open invoice; what it cannot cover stays due.
    package func pay(_ invoiceID: InvoiceID, actor: String) async throws -> Invoice {
        let now = self.clock.now
        return try await self.database.inTransaction { store in
            guard let owner = try await store.invoices.find(invoiceID)?.workspaceID,
                try await store.workspaces.lock(owner), try await store.invoices.lock(invoiceID)
            else { throw EngineError(.notFound, "no invoice \(invoiceID)") }
            return try await Self.pay(invoiceID, in: store, actor: actor, now: now)
        }
    }

    /// Inside a transaction that holds the workspace's and the invoice's rows: pays from the wallet.
    static func pay(_ invoiceID: InvoiceID, in store: Store, actor: String, now: Date) async throws -> Invoice {
        guard var invoice = try await store.invoices.find(invoiceID) else {
            throw EngineError(.notFound, "no invoice \(invoiceID)")
        }
        guard invoice.state == .open else {
            throw EngineError(.invalidState, "invoice \(invoiceID) is \(invoice.state.rawValue), not open")
        }
        guard !invoice.hasAttemptInFlight else {
            throw EngineError(.invalidState, "a payment attempt on \(invoiceID) is still processing")
        }
        let balance = try await store.wallet.balance(of: invoice.workspaceID, in: invoice.currency)
        let amount = Money.minimum(balance, invoice.amountDue)
        guard amount.isPositive else {
            throw EngineError(.invalidAmount, "the wallet of \(invoice.workspaceID) has no balance to pay with")
        }
        try invoice.recordPayment(amount)
        let payment = Payment(
            id: .generate(), invoiceID: invoiceID, method: .wallet, provider: "wallet", status: .succeeded,
            amount: amount, reference: nil, failureReason: nil, createdAt: now, paidAt: now)
        invoice.payments.append(payment)
        try await store.payments.create(payment)
        try await store.invoices.saveSettlement(invoice)
        try await store.wallet.append(
            WalletEntry(
                workspaceID: invoice.workspaceID, amount: -amount, reason: .invoicePayment, invoiceID: invoiceID,
                description: "Payment of \(invoice.number ?? invoiceID.rawValue)", createdAt: now))
        try await InvoiceService.recordEvents(of: payment, on: invoice, in: store, now: now)
        try await store.auditLog.record(
            AuditEntry(
                occurredAt: now, actor: actor, action: "payment.succeeded", subjectID: invoiceID.rawValue,
                workspaceID: invoice.workspaceID, amount: amount,
                details: ["payment_id": payment.id.rawValue, "method": "wallet"]))
        return invoice
    }
}
