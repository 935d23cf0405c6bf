import BillfoldCore
import BillfoldStore
import Foundation

/// The use cases that change a document's money: finalize, record a payment attempt, cancel with a credit note.
///
/// Each runs in one transaction and writes the audit log in it.
package struct InvoiceService: Sendable {
    package let database: Database
    package let clock: BillingClock
    /// The number series of each document kind.
    package let numberSeries: [DocumentKind: InvoiceNumberSeries]

    package init(database: Database, clock: BillingClock, numberSeries: [DocumentKind: InvoiceNumberSeries]? = nil) {
        self.database = database
        self.clock = clock
        self.numberSeries =
            numberSeries
            ?? Dictionary(
                uniqueKeysWithValues: DocumentKind.allCases.map { kind in
                    (kind, try! InvoiceNumberSeries(prefix: kind.defaultNumberPrefix))
                })
    }

    /// Stores a draft for `workspace` with `lines`, taxed by place of supply.
    package func createDraft(
        kind: DocumentKind, workspaceID: WorkspaceID, subscriptionID: SubscriptionID?,
        periodStart: CalendarDate, periodEnd: CalendarDate, description: String, lines: [InvoiceLine],
        originalInvoiceID: InvoiceID? = nil
    ) async throws -> Invoice {
        let now = self.clock.now
        return try await self.database.inTransaction { store in
            let invoice = try await Self.makeDraft(
                in: store, kind: kind, workspaceID: workspaceID, subscriptionID: subscriptionID,
                periodStart: periodStart, periodEnd: periodEnd, description: description, lines: lines,
                originalInvoiceID: originalInvoiceID, now: now)
            try await store.invoices.create(invoice)
            return invoice
        }
    }

    private static func makeDraft(
        in store: Store, kind: DocumentKind, workspaceID: WorkspaceID, subscriptionID: SubscriptionID?,
        periodStart: CalendarDate, periodEnd: CalendarDate, description: String, lines: [InvoiceLine],
        originalInvoiceID: InvoiceID?, now: Date
    ) async throws -> Invoice {
        guard let workspace = try await store.workspaces.find(workspaceID) else {
            throw EngineError(.notFound, "no workspace \(workspaceID)")
        }
        guard let supplier = try await store.supplier.find() else {
            throw EngineError(.missingSupplier, "configure the supplier (name, GSTIN, address) before invoicing")
        }
        return Invoice.draft(
            kind: kind, workspace: workspace, supplier: supplier, subscriptionID: subscriptionID,
            originalInvoiceID: originalInvoiceID, periodStart: periodStart, periodEnd: periodEnd,
            description: description, lines: lines, createdAt: now)
    }

    /// Numbers a draft from its series and freezes it, dated `issueDate` (today when `nil`).
    package func finalize(_ id: InvoiceID, issueDate: CalendarDate? = nil, actor: String) async throws -> Invoice {
        let now = self.clock.now
        let date = issueDate ?? self.clock.today
        let numberSeries = self.numberSeries
        return try await self.database.inTransaction { store in
            try await Self.finalize(id, in: store, issueDate: date, numberSeries: numberSeries, actor: actor, now: now)
        }
    }

    static func finalize(
        _ id: InvoiceID, in store: Store, issueDate: CalendarDate, numberSeries: [DocumentKind: InvoiceNumberSeries],
        actor: String, now: Date
    ) async throws -> Invoice {
        // The workspace's row first, as every use case that moves a balance takes it: the credit balance pays first.
        guard try await store.workspaces.lock(try await PaymentService.owner(of: id, in: store)),
            try await store.invoices.lock(id), var invoice = try await store.invoices.find(id)
        else {
            throw EngineError(.notFound, "no invoice \(id)")
        }
        guard invoice.state == .draft else {
            throw EngineError(
                .invalidState, "invoice \(id) is \(invoice.state.rawValue); only a draft can be finalized")
        }
        guard let workspace = try await store.workspaces.find(invoice.workspaceID),
            let supplier = try await store.supplier.find()
        else { throw EngineError(.missingSupplier, "the workspace or the supplier of \(id) is missing") }
        try await Self.number(
            &invoice, in: store, supplier: supplier, workspace: workspace, issueDate: issueDate,
            numberSeries: numberSeries)
        try await store.invoices.saveFinalization(invoice, at: now)
        // A receipt's event is `wallet.topped_up` and a credit note's `credit_note.created`, recorded by their callers.
        if invoice.kind == .invoice {
            try await store.events.record(.invoiceFinalized(invoice, at: now))
        }
        try await store.auditLog.record(Self.finalizationEntry(of: invoice, actor: actor, now: now))
        try await CorrectionService.applyCreditBalance(to: &invoice, in: store, actor: actor, now: now)
        return invoice
    }

    /// Inside a transaction: seals a draft and gives it the next number of its series; the caller stores it.
    static func number(
        _ invoice: inout Invoice, in store: Store, supplier: Supplier, workspace: Workspace, issueDate: CalendarDate,
        numberSeries: [DocumentKind: InvoiceNumberSeries]
    ) async throws {
        let kind = invoice.kind
        try await Self.seal(&invoice, issueDate: issueDate, supplier: supplier, workspace: workspace) {
            guard let series = numberSeries[kind] else {
                throw EngineError(.invalidState, "no number series for \(kind.rawValue)")
            }
            let year = FinancialYear(containing: issueDate)
            let sequence = try await store.numberSeries.nextSequence(kind: kind, prefix: series.prefix, in: year)
            return try series.number(sequence: sequence, in: year)
        }
    }

    /// Taxes a draft by place of supply and finalizes it in memory, due after the workspace's payment terms, then
    /// carries out what finalizing asks: the number `nextNumber` takes. The caller stores it. A credit or debit note
    /// keeps the parties and tax heads of the invoice it corrects, and only an invoice or a debit note has payment
    /// terms.
    static func seal(
        _ invoice: inout Invoice, issueDate: CalendarDate, supplier: Supplier, workspace: Workspace,
        nextNumber: () async throws -> String
    ) async throws {
        try Self.finalizeAwaitingNumber(&invoice, issueDate: issueDate, supplier: supplier, workspace: workspace)
        try invoice.assignNumber(try await nextNumber())
    }

    /// `seal` up to its number: the draft taxed and finalized in memory, open and waiting for the number that
    /// finalizing asks for.
    static func finalizeAwaitingNumber(
        _ invoice: inout Invoice, issueDate: CalendarDate, supplier: Supplier, workspace: Workspace
    ) throws {
        if !invoice.isCorrection {
            invoice.applyTax(supplier: supplier, customer: workspace)
        }
        let terms = invoice.kind == .invoice || invoice.kind == .debitNote ? workspace.paymentTermsDays : 0
        let action = try invoice.finalize(issueDate: issueDate, paymentTermsDays: terms)
        guard case .assignNumber = action else {
            throw InvoiceTransitionError.unexpected(action, after: "finalize")
        }
    }

    /// The audit entry of a finalized document.
    static func finalizationEntry(of invoice: Invoice, actor: String, now: Date) -> AuditEntry {
        AuditEntry(
            occurredAt: now, actor: actor, action: "\(invoice.kind.rawValue).finalized",
            subjectID: invoice.id.rawValue, workspaceID: invoice.workspaceID, amount: invoice.total,
            details: ["number": invoice.number ?? ""])
    }

    /// Records a payment attempt that the gateway or the payer has not settled yet, or that failed.
    package func recordAttempt(
        on id: InvoiceID, method: PaymentMethod, provider: String, amount: Money, status: PaymentAttemptLifecycle.State,
        reference: String?, failureReason: String?, actor: String
    ) async throws -> Invoice {
        let now = self.clock.now
        guard amount.isPositive else { throw EngineError(.invalidAmount, "a payment must be more than zero") }
        return try await self.database.inTransaction { store in
            guard try await store.invoices.lock(id), var invoice = try await store.invoices.find(id) else {
                throw EngineError(.notFound, "no invoice \(id)")
            }
            guard invoice.state == .open else {
                throw EngineError(
                    .invalidState, "invoice \(id) is \(invoice.state.rawValue); only an open one takes payments")
            }
            guard amount.currency == invoice.currency else {
                throw EngineError(
                    .invalidAmount, "invoice \(id) is in \(invoice.currency.code), not \(amount.currency.code)")
            }
            guard !invoice.hasAttemptInFlight else {
                throw EngineError(
                    .invalidState, "a payment attempt on \(id) is still processing; settle it before taking another")
            }
            if status == .succeeded {
                try invoice.recordPayment(amount)
            }
            let payment = Payment(
                id: .generate(), invoiceID: id, method: method, provider: provider, status: status, amount: amount,
                reference: reference, failureReason: failureReason, createdAt: now,
                paidAt: status == .succeeded ? now : nil)
            invoice.payments.append(payment)
            try await store.payments.create(payment)
            try await store.invoices.saveSettlement(invoice)
            try await Self.recordEvents(of: payment, on: invoice, in: store, now: now)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "payment.\(status.rawValue)", subjectID: id.rawValue,
                    workspaceID: invoice.workspaceID, amount: amount,
                    details: ["payment_id": payment.id.rawValue, "method": method.rawValue]))
            return invoice
        }
    }

    /// Inside the transaction that recorded `payment` on `invoice`: the events of its outcome. A payment that
    /// succeeded is `payment.succeeded`, and `invoice.paid` too when it left nothing due on an invoice; one that
    /// failed is `payment.failed` and `invoice.payment_failed`; one still processing is no event yet.
    static func recordEvents(of payment: Payment, on invoice: Invoice, in store: Store, now: Date) async throws {
        switch payment.status {
        case .succeeded:
            try await store.events.record(.paymentSucceeded(payment, on: invoice, at: now))
            if invoice.kind == .invoice, invoice.state == .paid {
                try await store.events.record(.invoicePaid(invoice, by: payment, at: now))
            }
        case .failed:
            try await store.events.record(.paymentFailed(payment, on: invoice, at: now))
            try await store.events.record(.invoicePaymentFailed(invoice, attempt: payment, at: now))
        case .processing:
            break
        }
    }

    /// Records money received against an invoice: the invoice is paid when nothing is left due.
    package func recordPayment(
        on id: InvoiceID, amount: Money, method: PaymentMethod, provider: String, reference: String?, actor: String
    ) async throws -> Invoice {
        try await self.recordAttempt(
            on: id, method: method, provider: provider, amount: amount, status: .succeeded, reference: reference,
            failureReason: nil, actor: actor)
    }

    /// Cancels an invoice. An open one is numbered, so a credit note for its full value is issued with it.
    package func cancel(_ id: InvoiceID, reason: String, actor: String) async throws -> (
        invoice: Invoice, creditNote: Invoice?
    ) {
        let now = self.clock.now
        let today = self.clock.today
        let numberSeries = self.numberSeries
        return try await self.database.inTransaction { store in
            // The workspace's row before the invoice's, as every use case that moves money takes them.
            guard try await store.workspaces.lock(try await PaymentService.owner(of: id, in: store)),
                try await store.invoices.lock(id), var invoice = try await store.invoices.find(id)
            else {
                throw EngineError(.notFound, "no invoice \(id)")
            }
            guard !invoice.hasAttemptInFlight else {
                throw EngineError(.invalidState, "a payment attempt on \(id) is still processing; settle it first")
            }
            guard invoice.amountPaid.isZero else {
                throw EngineError(.invalidState, "invoice \(id) has payments; refund them with a credit note instead")
            }
            let creditNote: Invoice?
            let action = try invoice.cancel()
            switch action {
            case .discardDraft:
                creditNote = nil
            case .issueCreditNote:
                creditNote = try await Self.issueCreditNote(
                    for: invoice, after: try await store.invoices.corrections(of: id), reason: reason,
                    destination: .amountDue, in: store, issueDate: today,
                    numberSeries: numberSeries,
                    actor: actor, now: now)
            case .assignNumber, .recordPartialPayment, .recordCredit, .markPaid:
                throw InvoiceTransitionError.unexpected(action, after: "cancel")
            }
            try await store.invoices.saveSettlement(invoice)
            // A draft was never issued, so its discarding is no event; a finalized invoice is voided.
            if invoice.number != nil {
                try await store.events.record(
                    .invoiceVoided(invoice, creditNote: creditNote, reason: reason, at: now))
            }
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "invoice.cancelled", subjectID: id.rawValue,
                    workspaceID: invoice.workspaceID, amount: invoice.total,
                    details: ["reason": reason, "credit_note": creditNote?.number ?? ""]))
            return (invoice, creditNote)
        }
    }

    /// A credit note for what is left of `invoice`, finalized and applied to it at once: its whole value, with its
    /// lines and tax, or after `earlierNotes` (its partial credit notes) what they left of each line, to the paisa.
    static func issueCreditNote(
        for invoice: Invoice, after earlierNotes: [Invoice], reason: String, destination: Correction.Destination?,
        in store: Store,
        issueDate: CalendarDate, numberSeries: [DocumentKind: InvoiceNumberSeries], actor: String, now: Date
    ) async throws -> Invoice {
        do throws(CorrectionError) {
            try CorrectionPlan.checkDeadline(of: invoice, adjustsGST: true, issueDate: issueDate)
        } catch {
            throw CorrectionService.engineError(error)
        }
        var lines = invoice.lines
        var tax = invoice.tax
        let earlier = CreditedSoFar(notes: earlierNotes)
        if earlier != CreditedSoFar(notes: []) {
            do throws(CorrectionError) {
                (lines, tax) = try CorrectionPlan.creditNote(
                    against: invoice, adjustments: CorrectionPlan.remainder(of: invoice, after: earlier),
                    earlier: earlier, adjustsGST: true)
            } catch {
                throw EngineError(
                    .invalidState, "nothing is left to credit on \(invoice.number ?? invoice.id.rawValue): \(error)")
            }
        }
        let draft = Invoice(
            id: .generate(), kind: .creditNote, number: nil, workspaceID: invoice.workspaceID, subscriptionID: nil,
            originalInvoiceID: invoice.id, lifecycle: InvoiceLifecycle(state: .draft), issueDate: nil, dueDate: nil,
            periodStart: invoice.periodStart, periodEnd: invoice.periodEnd,
            description: "Credit note for \(invoice.number ?? invoice.id.rawValue): \(reason)",
            currency: invoice.currency, supplier: invoice.supplier, customer: invoice.customer,
            placeOfSupply: invoice.placeOfSupply, lines: lines, tax: tax,
            amountPaid: .zero(invoice.currency), payments: [], createdAt: now,
            correction: invoice.number.flatMap { number in
                invoice.issueDate.map {
                    Correction(
                        originalNumber: number, originalIssueDate: $0, adjustsGST: true, destination: destination)
                }
            })
        try await store.invoices.create(draft)
        var creditNote = try await Self.finalize(
            draft.id, in: store, issueDate: issueDate, numberSeries: numberSeries, actor: actor, now: now)
        try creditNote.settleInFull()
        try await store.invoices.saveSettlement(creditNote)
        try await store.events.record(.creditNoteCreated(creditNote, for: invoice, reason: reason, at: now))
        return creditNote
    }
}
