import BillfoldCore
import BillfoldStore
import Foundation

/// Corrections of issued invoices: credit notes (whole or in part, line by line) and debit notes, and the customer
/// credit balance a credit can be kept as.
///
/// Each runs in one transaction, under the workspace's row lock (balances and refunds move) and the invoice's, and
/// writes the audit log and the event log in it.
package struct CorrectionService: Sendable {
    package let payments: PaymentService

    package init(payments: PaymentService) {
        self.payments = payments
    }

    var database: Database { self.payments.database }
    var clock: BillingClock { self.payments.clock }

    /// What the operator credits: lines by amount or quantity, why, whether GST is adjusted, and where it goes
    /// (`nil`: off the amount due of an unpaid invoice, back through the gateway for a paid one that the gateway
    /// was paid through, else to the credit balance).
    package struct CreditRequest: Hashable, Sendable {
        package var adjustments: [LineAdjustment]
        package var reason: String
        package var adjustsGST: Bool
        package var destination: Correction.Destination?

        package init(
            adjustments: [LineAdjustment], reason: String, adjustsGST: Bool = true,
            destination: Correction.Destination? = nil
        ) {
            self.adjustments = adjustments
            self.reason = reason
            self.adjustsGST = adjustsGST
            self.destination = destination
        }
    }

    /// A credit note issued, the invoice after it, and the refunds it started.
    package struct CreditOutcome: Sendable {
        package let invoice: Invoice
        package let creditNote: Invoice
        package let refunds: [Refund]
    }

    /// Issues a credit note against invoice `invoiceID` and sends its value where `request` says.
    package func issueCreditNote(against invoiceID: InvoiceID, _ request: CreditRequest, actor: String)
        async throws -> CreditOutcome
    {
        let now = self.clock.now
        let today = self.clock.today
        let series = self.payments.invoices.numberSeries
        let provider = self.payments.gateway?.provider
        let outcome = try await self.database.inTransaction { store in
            guard try await store.workspaces.lock(try await PaymentService.owner(of: invoiceID, in: store)) else {
                throw EngineError(.notFound, "no invoice \(invoiceID)")
            }
            return try await Self.issueCreditNote(
                against: invoiceID, request, in: store, gatewayProvider: provider, numberSeries: series, today: today,
                actor: actor, now: now)
        }
        for refund in outcome.refunds where refund.destination == .gateway {
            await self.payments.sendRefund(refund.id)
        }
        let refunds = try await self.database.store.refunds.list(for: invoiceID).filter {
            $0.creditNoteID == outcome.creditNote.id
        }
        return CreditOutcome(invoice: outcome.invoice, creditNote: outcome.creditNote, refunds: refunds)
    }

    /// Inside a transaction that holds the workspace's row: the credit note and where its value went. Gateway
    /// refunds are recorded pending; the caller sends them once the transaction commits.
    static func issueCreditNote(
        against invoiceID: InvoiceID, _ request: CreditRequest, in store: Store, gatewayProvider: String?,
        numberSeries: [DocumentKind: InvoiceNumberSeries], today: CalendarDate, actor: String, now: Date
    ) async throws -> CreditOutcome {
        guard try await store.invoices.lock(invoiceID), var invoice = try await store.invoices.find(invoiceID) else {
            throw EngineError(.notFound, "no invoice \(invoiceID)")
        }
        guard invoice.kind == .invoice, let number = invoice.number, let issueDate = invoice.issueDate else {
            throw EngineError(
                .invalidState, "\(invoiceID) is a \(invoice.kind.rawValue); credit notes correct issued invoices")
        }
        guard invoice.state == .open || invoice.state == .paid else {
            throw EngineError(
                .invalidState, "invoice \(number) is \(invoice.state.rawValue); only an open or paid one is credited")
        }
        guard !invoice.hasAttemptInFlight else {
            throw EngineError(.invalidState, "a payment attempt on \(number) is still processing; settle it first")
        }
        let earlierNotes = try await store.invoices.corrections(of: invoiceID)
        let plan: (lines: [InvoiceLine], tax: TaxBreakdown)
        do throws(CorrectionError) {
            try CorrectionPlan.checkDeadline(of: invoice, adjustsGST: request.adjustsGST, issueDate: today)
            plan = try CorrectionPlan.creditNote(
                against: invoice, adjustments: request.adjustments, earlier: CreditedSoFar(notes: earlierNotes),
                adjustsGST: request.adjustsGST)
        } catch {
            throw Self.engineError(error)
        }
        let gatewayPaid = Self.gatewayPayments(of: invoice, provider: gatewayProvider)
        let destination =
            request.destination
            ?? (invoice.state == .open ? .amountDue : gatewayPaid.isEmpty ? .creditBalance : .refund)
        let reason = request.reason
        var note = Invoice(
            id: .generate(), kind: .creditNote, number: nil, workspaceID: invoice.workspaceID, subscriptionID: nil,
            originalInvoiceID: invoice.id, lifecycle: InvoiceLifecycle(state: .draft), issueDate: nil, dueDate: nil,
            periodStart: invoice.periodStart, periodEnd: invoice.periodEnd,
            description: (request.adjustsGST ? "Credit note" : "Commercial credit note (no GST adjustment)")
                + " for \(number): \(reason)",
            currency: invoice.currency, supplier: invoice.supplier, customer: invoice.customer,
            placeOfSupply: invoice.placeOfSupply, lines: plan.lines, tax: plan.tax,
            amountPaid: .zero(invoice.currency), payments: [], createdAt: now,
            correction: Correction(
                originalNumber: number, originalIssueDate: issueDate, adjustsGST: request.adjustsGST,
                destination: destination))
        let prefix =
            request.adjustsGST
            ? (numberSeries[.creditNote]?.prefix ?? DocumentKind.creditNote.defaultNumberPrefix)
            : DocumentKind.commercialCreditNotePrefix
        try await Self.seal(
            &note, series: request.adjustsGST ? note.kind.rawValue : DocumentKind.commercialCreditNoteSeries,
            prefix: prefix, issueDate: today, in: store)
        try note.settleInFull()
        try await store.invoices.create(note)

        let value = note.total
        var refunds: [Refund] = []
        var events: [BillingEvent] = [.creditNoteCreated(note, for: invoice, reason: reason, at: now)]
        switch destination {
        case .amountDue:
            do {
                try invoice.applyCredit(value)
            } catch {
                throw EngineError(.invalidAmount, error.message, param: "destination")
            }
            // Settled by the credit alone, the invoice is not `invoice.paid`: no payment settled it, and
            // `credit_note.created` says what did.
            try await store.invoices.saveSettlement(invoice)
        case .refund, .wallet, .creditBalance:
            // The invoice's refunds that the gateway has not refused, read once for both caps.
            let earlierRefunds = try await store.refunds.list(for: invoiceID).filter { $0.status != .failed }
            let returned = Self.moneyReturned(by: earlierNotes, refunds: earlierRefunds, in: invoice.currency)
            let returnable = invoice.amountPaid - returned
            guard value.minorUnits <= returnable.minorUnits else {
                let left = returnable.isNegative ? .zero(invoice.currency) : returnable
                throw EngineError(
                    .invalidAmount,
                    "The credit note comes to \(value.formatted()) but only \(left.formatted()) "
                        + "of what was paid on \(number) has not gone back; take it off the amount due instead "
                        + "(\"destination\": \"amount_due\") or credit less", param: "destination")
            }
            switch destination {
            case .refund:
                refunds = try await Self.refundThroughGateway(
                    value, of: invoice, creditNote: note, gatewayPaid: gatewayPaid,
                    earlier: earlierRefunds.filter { $0.destination == .gateway }, in: store, now: now)
            case .wallet:
                try await store.wallet.append(
                    WalletEntry(
                        workspaceID: invoice.workspaceID, amount: value, reason: .refund, invoiceID: invoiceID,
                        description: "Credit note \(note.number ?? "") for \(number)", createdAt: now))
                var refund = Refund(
                    workspaceID: invoice.workspaceID, invoiceID: invoiceID, creditNoteID: note.id, paymentID: nil,
                    destination: .wallet, amount: value, status: .processed, reason: "credit_note",
                    gatewayPaymentID: nil, createdAt: now)
                refund.updatedAt = now
                try await store.refunds.create(refund)
                refunds.append(refund)
                events.append(.refundProcessed(refund, at: now))
            case .creditBalance:
                try await store.creditBalance.append(
                    CreditBalanceEntry(
                        workspaceID: invoice.workspaceID, amount: value, reason: .creditNote, documentID: note.id,
                        description: "Credit note \(note.number ?? "") for \(number)", createdAt: now))
            case .amountDue:
                break
            }
        }
        try await store.events.record(events)
        try await store.auditLog.record(
            AuditEntry(
                occurredAt: now, actor: actor, action: "credit_note.issued", subjectID: invoiceID.rawValue,
                workspaceID: invoice.workspaceID, amount: value,
                details: [
                    "credit_note": note.number ?? "", "reason": reason, "destination": destination.rawValue,
                    "adjusts_gst": request.adjustsGST ? "true" : "false",
                ]))
        return CreditOutcome(invoice: invoice, creditNote: note, refunds: refunds)
    }

    /// Issues a debit note against invoice `invoiceID` for what it undercharged: due after the workspace's payment
    /// terms, payable like an invoice.
    package func issueDebitNote(
        against invoiceID: InvoiceID, adjustments: [LineAdjustment], reason: String, actor: String
    ) async throws -> (invoice: Invoice, debitNote: Invoice) {
        let now = self.clock.now
        let today = self.clock.today
        let prefix =
            self.payments.invoices.numberSeries[.debitNote]?.prefix ?? DocumentKind.debitNote.defaultNumberPrefix
        return try await self.database.inTransaction { store in
            guard try await store.invoices.lock(invoiceID), let invoice = try await store.invoices.find(invoiceID)
            else { throw EngineError(.notFound, "no invoice \(invoiceID)") }
            guard invoice.kind == .invoice, let number = invoice.number, let issueDate = invoice.issueDate,
                invoice.state == .open || invoice.state == .paid
            else {
                throw EngineError(
                    .invalidState,
                    "\(invoiceID) is a \(invoice.state.rawValue) \(invoice.kind.rawValue); debit notes "
                        + "correct open or paid invoices")
            }
            let plan: (lines: [InvoiceLine], tax: TaxBreakdown)
            do throws(CorrectionError) {
                plan = try CorrectionPlan.debitNote(against: invoice, adjustments: adjustments)
            } catch {
                throw Self.engineError(error)
            }
            var note = Invoice(
                id: .generate(), kind: .debitNote, number: nil, workspaceID: invoice.workspaceID, subscriptionID: nil,
                originalInvoiceID: invoice.id, lifecycle: InvoiceLifecycle(state: .draft), issueDate: nil,
                dueDate: nil, periodStart: invoice.periodStart, periodEnd: invoice.periodEnd,
                description: "Debit note for \(number): \(reason)", currency: invoice.currency,
                supplier: invoice.supplier, customer: invoice.customer, placeOfSupply: invoice.placeOfSupply,
                lines: plan.lines, tax: plan.tax, amountPaid: .zero(invoice.currency), payments: [], createdAt: now,
                correction: Correction(
                    originalNumber: number, originalIssueDate: issueDate, adjustsGST: true, destination: nil))
            try await Self.seal(&note, series: note.kind.rawValue, prefix: prefix, issueDate: today, in: store)
            try await store.invoices.create(note)
            try await store.events.record(.debitNoteCreated(note, for: invoice, reason: reason, at: now))
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "debit_note.issued", subjectID: invoiceID.rawValue,
                    workspaceID: invoice.workspaceID, amount: note.total,
                    details: ["debit_note": note.number ?? "", "reason": reason]))
            return (invoice, note)
        }
    }

    /// Numbers a note from `series` under `prefix` and finalizes it, dated `issueDate`; a debit note is due after
    /// the workspace's payment terms.
    private static func seal(
        _ note: inout Invoice, series seriesName: String, prefix: String, issueDate: CalendarDate, in store: Store
    ) async throws {
        guard let workspace = try await store.workspaces.find(note.workspaceID),
            let supplier = try await store.supplier.find()
        else { throw EngineError(.missingSupplier, "the workspace or the supplier of \(note.id) is missing") }
        try await InvoiceService.seal(&note, issueDate: issueDate, supplier: supplier, workspace: workspace) {
            let series = try InvoiceNumberSeries(prefix: prefix)
            let year = FinancialYear(containing: issueDate)
            let sequence = try await store.numberSeries.nextSequence(series: seriesName, prefix: prefix, in: year)
            return try series.number(sequence: sequence, in: year)
        }
    }

    /// The succeeded payments on `invoice` that the gateway took, with what each can still give back.
    private static func gatewayPayments(of invoice: Invoice, provider: String?) -> [Payment] {
        invoice.payments.filter {
            $0.status == .succeeded && $0.provider == provider && $0.reference != nil && $0.method != .creditBalance
        }
    }

    /// Pending gateway refunds for `amount`, spread over the gateway's payments, never more than each has left.
    private static func refundThroughGateway(
        _ amount: Money, of invoice: Invoice, creditNote: Invoice, gatewayPaid: [Payment], earlier: [Refund],
        in store: Store, now: Date
    ) async throws -> [Refund] {
        var left = amount
        var refunds: [Refund] = []
        var refundable = Money.zero(amount.currency)
        for payment in gatewayPaid {
            let refunded = earlier.filter { $0.paymentID == payment.id }.map(\.amount).sum(in: amount.currency)
            let available = payment.amount - refunded
            guard available.isPositive else { continue }
            refundable += available
            guard left.isPositive else { continue }
            let share = Money.minimum(available, left)
            left -= share
            let refund = Refund(
                workspaceID: invoice.workspaceID, invoiceID: invoice.id, creditNoteID: creditNote.id,
                paymentID: payment.id, destination: .gateway, amount: share, status: .pending, reason: "credit_note",
                gatewayPaymentID: payment.reference, createdAt: now)
            try await store.refunds.create(refund)
            refunds.append(refund)
        }
        guard !left.isPositive else {
            throw EngineError(
                .invalidAmount,
                "The gateway took \(refundable.formatted()) on \(invoice.number ?? invoice.id.rawValue) that has not "
                    + "been refunded, less than the credit note's \(amount.formatted()); refund at most that much, or "
                    + "send the credit to the wallet or the credit balance", param: "destination")
        }
        return refunds
    }

    static func engineError(_ error: CorrectionError) -> EngineError {
        switch error.code {
        case .deadlinePassed: return EngineError(.deadlinePassed, error.message, param: error.param)
        case .invalidLine, .exceedsLine: return EngineError(.invalidField, error.message, param: error.param)
        }
    }

    // MARK: The credit balance

    /// Inside a transaction that holds the workspace's row: pays what it can of the just-issued `invoice` from the
    /// workspace's credit balance, before any other payment. Nothing happens without a balance.
    static func applyCreditBalance(to invoice: inout Invoice, in store: Store, actor: String, now: Date) async throws {
        guard invoice.kind == .invoice, invoice.state == .open, invoice.amountDue.isPositive else { return }
        let balance = try await store.creditBalance.balance(of: invoice.workspaceID, in: invoice.currency)
        let amount = Money.minimum(balance, invoice.amountDue)
        guard amount.isPositive else { return }
        try invoice.recordPayment(amount)
        let payment = Payment(
            id: .generate(), invoiceID: invoice.id, method: .creditBalance, provider: "credit_balance",
            status: .succeeded, amount: amount, reference: nil, failureReason: nil, createdAt: now, paidAt: now)
        invoice.payments.append(payment)
        try await store.payments.create(payment)
        try await store.invoices.saveSettlement(invoice)
        try await store.creditBalance.append(
            CreditBalanceEntry(
                workspaceID: invoice.workspaceID, amount: -amount, reason: .applied, documentID: invoice.id,
                description: "Used for \(invoice.number ?? invoice.id.rawValue)", createdAt: now))
        var events: [BillingEvent] = [.creditBalanceApplied(payment, on: invoice, balance: balance - amount, at: now)]
        if invoice.state == .paid {
            events.append(.invoicePaid(invoice, by: payment, at: now))
        }
        try await store.events.record(events)
        try await store.auditLog.record(
            AuditEntry(
                occurredAt: now, actor: actor, action: "credit_balance.applied", subjectID: invoice.id.rawValue,
                workspaceID: invoice.workspaceID, amount: amount,
                details: ["payment_id": payment.id.rawValue, "balance_left": (balance - amount).decimalString]))
    }
}

extension CorrectionService {
    /// What `notes`, credit notes of one invoice, sent back to the customer: what they kept as credit balance, and
    /// what their `refunds` (the invoice's, those the gateway has not refused) carried to the wallet or through the
    /// gateway.
    static func moneyReturned(by notes: [Invoice], refunds: [Refund], in currency: Currency) -> Money {
        var returned = Money.zero(currency)
        for note in notes {
            switch note.correction?.destination {
            case .creditBalance:
                returned += note.total
            case .refund, .wallet:
                returned += refunds.filter { $0.creditNoteID == note.id }.map(\.amount).sum(in: currency)
            case .amountDue, nil:
                break
            }
        }
        return returned
    }
}
