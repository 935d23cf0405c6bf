import BillfoldCore
import BillfoldDocuments
import BillfoldStore
import Foundation

/// One document as a file: its name in a download or a ZIP, and its PDF bytes.
package struct DocumentFile: Sendable {
    package let name: String
    package let bytes: [UInt8]
}

/// Documents as PDF: each invoice, credit note and receipt, ZIP archives of many, and a workspace's statement.
package struct DocumentService: Sendable {
    package let database: Database
    package let renderer: DocumentRenderer
    package let clock: BillingClock

    /// Documents set in the fonts found on this machine (DejaVu Sans and a Devanagari face, else Helvetica).
    package init(database: Database, clock: BillingClock, renderer: DocumentRenderer = DocumentRenderer()) {
        self.database = database
        self.renderer = renderer
        self.clock = clock
    }

    /// The PDF of one finalized document; a credit note names the invoice it corrects.
    package func pdf(of invoice: Invoice) async throws -> DocumentFile {
        var original: (number: String, issueDate: CalendarDate)?
        if let originalID = invoice.originalInvoiceID,
            let corrected = try await self.database.store.invoices.find(originalID),
            let number = corrected.number, let issueDate = corrected.issueDate
        {
            original = (number, issueDate)
        }
        do {
            let bytes = try self.renderer.invoicePDF(invoice, originalInvoice: original)
            return DocumentFile(name: Self.fileName(of: invoice), bytes: bytes)
        } catch {
            throw EngineError(.invalidState, error.message)
        }
    }

    /// `INV-26-27-000042.pdf`: the number, with the slashes a file name cannot hold made dashes.
    package static func fileName(of invoice: Invoice) -> String {
        (invoice.number ?? invoice.id.rawValue).replacingOccurrences(of: "/", with: "-") + ".pdf"
    }

    /// A ZIP archive of the documents `ids` name, in that order, written to `write` a document at a time, so the
    /// archive never sits in memory whole. Every id must have been checked beforehand; a draft is left out.
    ///
    /// Up to `concurrency` documents are read and rendered at once (by default one a core), and written in order
    /// as they are ready. A document is started only when one is written, so at most `concurrency` PDFs, rendering
    /// or finished early, are held at a time.
    package func writeArchive(
        of ids: [InvoiceID], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
        to write: (ArraySlice<UInt8>) async throws -> Void
    ) async throws {
        var archive = ZIPArchiveWriter(modified: self.clock.now)
        try await withThrowingTaskGroup(of: (Int, DocumentFile?).self) { group in
            var started = 0
            var ready: [Int: DocumentFile?] = [:]
            var next = 0
            func start() {
                let index = started
                let id = ids[index]
                group.addTask {
                    guard let invoice = try await self.database.store.invoices.find(id), invoice.number != nil else {
                        return (index, nil)
                    }
                    return (index, try await self.pdf(of: invoice))
                }
                started += 1
            }
            while started < min(max(concurrency, 1), ids.count) { start() }
            while let (index, file) = try await group.next() {
                ready[index] = file
                while let file = ready.removeValue(forKey: next) {
                    if let file { try await write(try archive.append(named: file.name, contents: file.bytes)[...]) }
                    next += 1
                    if started < ids.count { start() }
                }
            }
        }
        try await write(archive.finish()[...])
    }

    /// The workspace's account from `from` to `to`: invoices and debit notes raise what it owes; payments, credit
    /// notes and wallet top-ups lower it; refunds through the gateway raise it again, since that money left.
    ///
    /// The wallet and the credit balance are the customer's money on the account: what fills them (a top-up, a
    /// credit note sent there) is a credit, and what they pay is left out, or it would count twice. So the closing
    /// balance is what the customer owes less what it holds in the wallet and the credit balance, which the
    /// statement prints apart.
    ///
    /// The documents of each page of the history are read `concurrency` at a time (by default one per core): on
    /// SQLite each read takes one of the read-only connections, on PostgreSQL one of the pool's.
    package func statement(
        of workspaceID: WorkspaceID, from: CalendarDate, to: CalendarDate,
        concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    ) async throws -> DocumentFile {
        let store = self.database.store
        guard let workspace = try await store.workspaces.find(workspaceID) else {
            throw EngineError(.notFound, "no workspace with id \(workspaceID)")
        }
        guard let supplier = try await store.supplier.find() else {
            throw EngineError(.missingSupplier, "set the supplier with PUT /api/v1/supplier before printing statements")
        }
        var entries: [AccountStatement.Entry] = []
        var after: InvoiceID?
        let filter = InvoiceFilter(workspaceID: workspaceID, to: to)
        while true {
            let page = try await store.invoices.list(filter, today: self.clock.today, limit: 200, startingAfter: after)
            guard let last = page.last else { break }
            let documents = page.filter { $0.currency == workspace.currency && $0.number != nil }.map(\.id)
            // In the order they finished; put back in the page's order, so the statement is the same however read.
            let read = try await concurrently(Array(documents.enumerated()), atMost: concurrency) { position, id in
                (position, try await self.entries(ofDocument: id))
            }
            for (_, found) in read.sorted(by: { $0.0 < $1.0 }) { entries += found }
            after = last.id
        }
        // Within a day, what was charged comes before what settled or corrected it.
        entries.sort { ($0.date, $0.kind.dayOrder, $0.reference) < ($1.date, $1.kind.dayOrder, $1.reference) }
        // Every balance the statement shows is a sum of these amounts; past an amount's range it cannot be shown.
        let magnitude = entries.reduce(Int128(0)) {
            $0 + Int128($1.debit.minorUnits.magnitude) + Int128($1.credit.minorUnits.magnitude)
        }
        guard magnitude <= Int128(Int64.max) else { throw MoneyError.overflow }
        let zero = Money.zero(workspace.currency)
        let opening = entries.filter { $0.date < from }.reduce(zero) { $0 + $1.debit - $1.credit }
        let statement = AccountStatement(
            supplier: supplier.partySnapshot, customer: workspace.partySnapshot, currency: workspace.currency,
            from: from, to: to, openingBalance: opening, entries: entries.filter { $0.date >= from && $0.date <= to },
            creditBalance: try await self.creditBalance(of: workspace, at: to))
        let name = "statement-\(workspace.name.fileNameSafe)-\(from)-\(to).pdf"
        return DocumentFile(name: name, bytes: self.renderer.statementPDF(statement))
    }

    /// What the document `id` puts on a statement, with the refunds of an invoice or a debit note; none when it is
    /// gone.
    private func entries(ofDocument id: InvoiceID) async throws -> [AccountStatement.Entry] {
        let store = self.database.store
        guard let invoice = try await store.invoices.find(id) else { return [] }
        var entries = self.entries(of: invoice)
        if invoice.kind == .invoice || invoice.kind == .debitNote {
            entries += self.refunds(of: invoice, try await store.refunds.list(for: invoice.id))
        }
        return entries
    }

    /// The workspace's credit balance at the end of `day`: today's, less what moved it after `day`.
    private func creditBalance(of workspace: Workspace, at day: CalendarDate) async throws -> Money {
        let store = self.database.store
        var balance = try await store.creditBalance.balance(of: workspace.id, in: workspace.currency)
        guard day < self.clock.today else { return balance }
        // Newest first: the movements after `day` are at the head.
        for entry in try await store.creditBalance.entries(of: workspace.id, limit: 10_000) {
            guard CalendarDate(entry.createdAt, in: self.clock.timeZone) > day else { break }
            if entry.amount.currency == workspace.currency { balance -= entry.amount }
        }
        return balance
    }

    private func entries(of invoice: Invoice) -> [AccountStatement.Entry] {
        guard let number = invoice.number, let issueDate = invoice.issueDate else { return [] }
        let zero = Money.zero(invoice.currency)
        switch invoice.kind {
        case .receipt:
            return [
                .init(
                    date: issueDate, kind: .receipt, reference: number, description: "Wallet top-up",
                    debit: zero, credit: invoice.total)
            ]
        case .creditNote:
            // Wherever its value went, the note credits the account once: off an invoice's amount due, into the
            // wallet or the credit balance (whose later use is then left out), or back through the gateway (whose
            // refund is a debit of its own).
            return [
                .init(
                    date: issueDate, kind: .creditNote, reference: number, description: invoice.description,
                    debit: zero, credit: invoice.total)
            ]
        case .invoice, .debitNote:
            var entries: [AccountStatement.Entry] = [
                .init(
                    date: issueDate, kind: invoice.kind == .debitNote ? .debitNote : .invoice, reference: number,
                    description: invoice.description, debit: invoice.total, credit: zero)
            ]
            // The wallet's top-ups and the credit notes that filled the credit balance were credited already.
            for payment in invoice.payments
            where payment.status == .succeeded && payment.method != .wallet && payment.method != .creditBalance {
                let paidOn = CalendarDate(payment.paidAt ?? payment.createdAt, in: self.clock.timeZone)
                entries.append(
                    .init(
                        date: paidOn, kind: .payment, reference: payment.reference ?? payment.id.rawValue,
                        description: "Payment for \(number) (\(payment.method.displayName))", debit: zero,
                        credit: payment.amount))
            }
            return entries
        }
    }

    /// What went back through the gateway from `invoice`'s payments, for a credit note or a payment beyond what was
    /// due: money that left the account. A refund into the wallet stays on it, and a failed one never left.
    private func refunds(of invoice: Invoice, _ refunds: [Refund]) -> [AccountStatement.Entry] {
        let number = invoice.number ?? invoice.id.rawValue
        return refunds.filter { $0.destination == .gateway && $0.status != .failed }.map { refund in
            .init(
                date: CalendarDate(refund.createdAt, in: self.clock.timeZone), kind: .refund,
                reference: refund.gatewayRefundID ?? refund.id.rawValue,
                description: refund.reason == "overpayment"
                    ? "Refund of an overpayment on \(number)" : "Refund to the original payment method for \(number)",
                debit: refund.amount, credit: .zero(invoice.currency))
        }
    }
}

extension AccountStatement.EntryKind {
    /// Where an entry goes among a day's: invoices and debit notes, then the credit notes that correct them, the
    /// payments and top-ups, and the refunds that follow a credit.
    fileprivate var dayOrder: Int {
        switch self {
        case .invoice: return 0
        case .debitNote: return 1
        case .creditNote: return 2
        case .payment: return 3
        case .receipt: return 4
        case .refund: return 5
        }
    }
}

extension String {
    /// Letters and digits kept, everything else a dash: for file names.
    fileprivate var fileNameSafe: String {
        String(self.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}
