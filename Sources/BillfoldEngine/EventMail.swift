import BillfoldCore
import BillfoldStore
import Foundation

/// Mail that follows from the event log: an invoice issued, a payment received or failed, a credit or debit note, a
/// dispute's course, a wallet topped up or running low. It reads the events after its cursor, queues their mail and
/// moves the cursor in one transaction, so each event is mailed once whatever fails or restarts; the events themselves
/// were written in the transactions of the changes, so none is missed.
///
/// The first run starts a week back: a database that had events before mail was switched on is not mailed its
/// history.
///
/// A payment, a credit note or a voided invoice may clear an overdue balance, so their workspaces are assessed by
/// dunning at once, which restores a suspended service without waiting for its next pass.
package struct EventMail: Sendable {
    package let database: Database
    package let clock: BillingClock
    package let mail: MailComposer
    package let dunning: DunningService

    /// The cursor's name in `job_cursors`.
    static let cursor = "event_mail"
    /// How far back mail reaches the first time it runs: a week of events is mailed, older history is not.
    static let firstLookBack: TimeInterval = 7 * 86_400

    package init(database: Database, clock: BillingClock, mail: MailComposer, dunning: DunningService) {
        self.database = database
        self.clock = clock
        self.mail = mail
        self.dunning = dunning
    }

    /// Mails every event recorded since the last run; returns how many events it read.
    @discardableResult
    package func run(batchSize: Int = 200) async throws -> Int {
        var read = 0
        while true {
            let now = self.clock.now
            let (count, touched) = try await self.database.inTransaction { store -> (Int, Set<WorkspaceID>) in
                let position = try await store.jobCursors.lock(
                    Self.cursor, newStartingAt: now.addingTimeInterval(-Self.firstLookBack))
                let batch = try await store.events.following(position, limit: batchSize)
                var touched: Set<WorkspaceID> = []
                // Who writes: read once for the batch.
                let supplier = batch.isEmpty ? nil : try await store.supplier.find()
                for (_, event) in batch {
                    if try await self.mail(for: event, from: supplier, in: store, at: now),
                        let workspaceID = event.workspaceID
                    {
                        touched.insert(workspaceID)
                    }
                }
                if let last = batch.last { try await store.jobCursors.advance(Self.cursor, to: last.position) }
                return (batch.count, touched)
            }
            for workspaceID in touched.sorted(by: { $0.rawValue < $1.rawValue }) {
                try await self.dunning.assess(workspaceID)
            }
            read += count
            if count < batchSize { return read }
        }
    }

    /// Queues the mail `event` calls for; `true` when the event may have cleared an overdue balance.
    private func mail(
        for event: BillingEvent, from supplier: Supplier?, in store: Store, at now: Date
    ) async throws -> Bool {
        switch event.type {
        case .invoiceFinalized:
            guard
                let (invoice, workspace, supplier) = try await self.parties(
                    of: event.invoiceID, from: supplier, in: store),
                invoice.kind == .invoice
            else { return false }
            var context = self.mail.context(supplier: supplier, workspace: workspace)
            var line = self.mail.line(invoice)
            // What was due when it was issued, though a payment may have come before this mail is composed.
            if case .money(let due) = event.data["amount_due"] { line.amountDue = due }
            context.invoices = [line]
            try await self.mail.enqueue(
                .invoiceIssued,
                MailComposer.Cause(event.id.rawValue, invoiceID: invoice.id, attachments: [.documentPDF(invoice.id)]),
                to: workspace, context: context, in: store, at: now)
            return false
        case .paymentSucceeded:
            guard
                let (invoice, workspace, supplier) = try await self.parties(
                    of: event.invoiceID, from: supplier, in: store)
            else {
                return false
            }
            let payment = invoice.payments.first { $0.id == event.paymentID }
            // A top-up's receipt goes with `wallet.topped_up`, which knows the balance.
            if invoice.kind != .receipt {
                var context = self.mail.context(supplier: supplier, workspace: workspace)
                context.invoices = [self.mail.line(invoice)]
                context.amount = payment?.amount
                context.paymentMethod = payment?.method.displayName
                context.reference = payment?.id.rawValue
                try await self.mail.enqueue(
                    .paymentReceived,
                    MailComposer.Cause(
                        event.id.rawValue, invoiceID: invoice.id, attachments: [.documentPDF(invoice.id)]),
                    to: workspace, context: context, in: store, at: now)
            }
            if payment?.provider == "wallet" {
                try await self.warnIfWalletLow(workspace, supplier: supplier, in: store, at: now)
            }
            return true
        case .paymentFailed:
            guard
                let (invoice, workspace, supplier) = try await self.parties(
                    of: event.invoiceID, from: supplier, in: store)
            else {
                return false
            }
            let payment = invoice.payments.first { $0.id == event.paymentID }
            var context = self.mail.context(supplier: supplier, workspace: workspace)
            context.invoices = [self.mail.line(invoice)]
            context.amount = payment?.amount
            context.paymentMethod = payment?.method.displayName
            context.failureReason = payment?.failureReason
            context.reference = payment?.id.rawValue
            try await self.mail.enqueue(
                .paymentFailed, MailComposer.Cause(event.id.rawValue, invoiceID: invoice.id), to: workspace,
                context: context, in: store, at: now)
            return false
        case .walletToppedUp:
            guard
                let (receipt, workspace, supplier) = try await self.parties(
                    of: event.invoiceID, from: supplier, in: store)
            else {
                return false
            }
            let payment = receipt.payments.first { $0.id == event.paymentID }
            var context = self.mail.context(supplier: supplier, workspace: workspace)
            context.invoices = [self.mail.line(receipt)]
            context.amount = payment?.amount ?? receipt.total
            context.paymentMethod = payment?.method.displayName
            context.reference = payment?.id.rawValue
            try await self.mail.enqueue(
                .paymentReceived,
                MailComposer.Cause(event.id.rawValue, invoiceID: receipt.id, attachments: [.documentPDF(receipt.id)]),
                to: workspace, context: context, in: store, at: now)
            return true
        case .creditNoteCreated:
            guard let creditNoteID = event.creditNoteID,
                let (creditNote, workspace, supplier) = try await self.parties(
                    of: creditNoteID, from: supplier, in: store)
            else { return false }
            var original: Invoice?
            if let invoiceID = event.invoiceID { original = try await store.invoices.find(invoiceID) }
            var context = self.mail.context(supplier: supplier, workspace: workspace)
            context.invoices = original.map { [self.mail.line($0)] } ?? []
            context.amount = creditNote.total
            context.creditNoteNumber = creditNote.number
            context.creditedInvoiceNumber = original?.number
            context.creditNoteLink = self.mail.address.invoicePage(creditNote.id)
            if case .string(let reason) = event.data["reason"] { context.creditNoteReason = reason }
            try await self.mail.enqueue(
                .creditNoteIssued,
                MailComposer.Cause(
                    event.id.rawValue, invoiceID: creditNote.id, attachments: [.documentPDF(creditNote.id)]),
                to: workspace, context: context, in: store, at: now)
            return true
        case .invoicePaid, .invoiceVoided:
            return true
        case .debitNoteCreated:
            guard case .string(let id) = event.data["debit_note_id"],
                let (debitNote, workspace, supplier) = try await self.parties(
                    of: InvoiceID(rawValue: id), from: supplier, in: store),
                debitNote.kind == .debitNote
            else { return false }
            var context = self.mail.context(supplier: supplier, workspace: workspace)
            var line = self.mail.line(debitNote)
            // What was due when it was issued, though a payment may have come before this mail is composed.
            if case .money(let due) = event.data["amount_due"] { line.amountDue = due }
            context.invoices = [line]
            context.debitedInvoiceNumber = debitNote.correction?.originalNumber
            if case .string(let reason) = event.data["reason"] { context.debitNoteReason = reason }
            try await self.mail.enqueue(
                .debitNoteIssued,
                MailComposer.Cause(
                    event.id.rawValue, invoiceID: debitNote.id, attachments: [.documentPDF(debitNote.id)]),
                to: workspace, context: context, in: store, at: now)
            return false
        case .disputeOpened, .disputeUpdated, .disputeResolved, .disputeRejected:
            return try await self.mailDispute(event, from: supplier, in: store, at: now)
        case .invoicePaymentFailed, .invoiceOverdue, .refundProcessed, .workspaceServiceStateChanged, .reminderSent,
            .creditBalanceApplied:
            // Mailed where they happen (dunning), covered by `payment.failed` or the invoice's own mail, or nothing a
            // customer needs mailed.
            return false
        }
    }

    /// Tells the workspace what became of its dispute: received, taken up, answered, withdrawn, resolved or
    /// rejected. A comment the customer wrote is no news to them, and the operator follows disputes through the API,
    /// so it sends none. `true` when the change may have cleared an overdue balance: a dispute sets its amount aside,
    /// and a resolution may credit it.
    private func mailDispute(
        _ event: BillingEvent, from supplier: Supplier?, in store: Store, at now: Date
    ) async throws -> Bool {
        guard case .string(let id) = event.data["dispute_id"],
            let dispute = try await store.disputes.find(DisputeID(rawValue: id)),
            let (invoice, workspace, supplier) = try await self.parties(
                of: event.invoiceID ?? dispute.invoiceID, from: supplier, in: store)
        else { return false }
        var change: String?
        if case .string(let value) = event.data["change"] { change = value }
        var context = self.mail.context(supplier: supplier, workspace: workspace)
        context.invoices = [self.mail.line(invoice)]
        context.disputeLink = self.mail.address.disputePage(dispute.id)
        context.disputeReason = dispute.reason.label
        context.disputedAmount = dispute.disputedAmount
        if case .string(let resolution) = event.data["resolution"] { context.disputeMessage = resolution }
        let template: MailTemplate
        let clears: Bool
        switch event.type {
        case .disputeOpened:
            template = .disputeOpened
            clears = true
        case .disputeUpdated:
            // Only what the operator did, or the customer's withdrawal, which is worth a confirmation.
            guard let update = change.flatMap(MailContext.DisputeUpdate.init(rawValue:)) else { return false }
            context.disputeUpdate = update
            context.disputeMessage = nil
            if update == .reply {
                // The reply this event recorded, by its id.
                let commentID = event.data["comment_id"].flatMap { value -> String? in
                    if case .string(let id) = value { return id }
                    return nil
                }
                let comments = try await store.disputes.comments(of: dispute.id)
                context.disputeMessage = comments.first { $0.id.rawValue == commentID }?.body
            }
            template = .disputeUpdated
            clears = false
        case .disputeResolved:
            if let creditNoteID = event.creditNoteID ?? dispute.creditNoteID,
                let creditNote = try await store.invoices.find(creditNoteID)
            {
                context.amount = creditNote.total
                context.creditNoteNumber = creditNote.number
                context.creditNoteLink = self.mail.address.invoicePage(creditNote.id)
            }
            template = .disputeResolved
            clears = true
        case .disputeRejected:
            template = .disputeRejected
            clears = false
        default:
            return false
        }
        try await self.mail.enqueue(
            template, MailComposer.Cause(event.id.rawValue, invoiceID: invoice.id), to: workspace, context: context,
            in: store, at: now)
        return clears
    }

    /// The document an event is about, its workspace, and the supplier who writes; `nil` when any is gone.
    private func parties(of invoiceID: InvoiceID?, from supplier: Supplier?, in store: Store) async throws
        -> (Invoice, Workspace, Supplier)?
    {
        guard let supplier, let invoiceID, let invoice = try await store.invoices.find(invoiceID),
            let workspace = try await store.workspaces.find(invoice.workspaceID)
        else { return nil }
        return (invoice, workspace, supplier)
    }

    /// Tells a workspace its wallet is running low, once each time its balance falls below its alert: the mail's
    /// cause names the last top-up, so the next warning waits for the wallet to be topped up and run low again.
    private func warnIfWalletLow(
        _ workspace: Workspace, supplier: Supplier, in store: Store, at now: Date
    ) async throws {
        guard let threshold = workspace.walletLowBalance else { return }
        let balance = try await store.wallet.balance(of: workspace.id, in: workspace.currency)
        guard balance.currency == threshold.currency, balance.minorUnits < threshold.minorUnits else { return }
        let lastTopUp = try await store.events.latest(.walletToppedUp, of: workspace.id)
        var context = self.mail.context(supplier: supplier, workspace: workspace)
        context.walletBalance = balance
        context.walletThreshold = threshold
        try await self.mail.enqueue(
            .walletLow, MailComposer.Cause("wallet_low:\(workspace.id.rawValue):\(lastTopUp?.id.rawValue ?? "start")"),
            to: workspace, context: context, in: store, at: now)
    }
}
