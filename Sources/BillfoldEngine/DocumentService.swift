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
    package func writeArchive(
        of ids: [InvoiceID], to write: (ArraySlice<UInt8>) async throws -> Void
    ) async throws {
        var archive = ZIPArchiveWriter(modified: self.clock.now)
        for id in ids {
            guard let invoice = try await self.database.store.invoices.find(id), invoice.number != nil else { continue }
            let file = try await self.pdf(of: invoice)
            try await write(try archive.append(named: file.name, contents: file.bytes)[...])
        }
        try await write(archive.finish()[...])
    }

    /// The workspace's account from `from` to `to`: invoices raise what it owes; credit notes, payments and wallet
    /// top-ups lower it. Payments from the wallet are left out, since the top-up that filled the wallet counts
    /// already.
    package func statement(of workspaceID: WorkspaceID, from: CalendarDate, to: CalendarDate) async throws
        -> DocumentFile
    {
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
            for item in page where item.currency == workspace.currency && item.number != nil {
                guard let invoice = try await store.invoices.find(item.id) else { continue }
                entries += self.entries(of: invoice)
            }
            after = last.id
        }
        entries.sort { ($0.date, $0.reference) < ($1.date, $1.reference) }
        // Every balance the statement shows is a sum of these amounts; past an amount's range it cannot be shown.
        let magnitude = entries.reduce(Int128(0)) {
            $0 + Int128($1.debit.minorUnits.magnitude) + Int128($1.credit.minorUnits.magnitude)
        }
        guard magnitude <= Int128(Int64.max) else { throw MoneyError.overflow }
        let zero = Money.zero(workspace.currency)
        let opening = entries.filter { $0.date < from }.reduce(zero) { $0 + $1.debit - $1.credit }
        let statement = AccountStatement(
            supplier: supplier.partySnapshot, customer: workspace.partySnapshot, currency: workspace.currency,
            from: from, to: to, openingBalance: opening, entries: entries.filter { $0.date >= from && $0.date <= to })
        let name = "statement-\(workspace.name.fileNameSafe)-\(from)-\(to).pdf"
        return DocumentFile(name: name, bytes: self.renderer.statementPDF(statement))
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
            return [
                .init(
                    date: issueDate, kind: .creditNote, reference: number, description: invoice.description,
                    debit: zero, credit: invoice.total)
            ]
        case .invoice, .debitNote:
            var entries: [AccountStatement.Entry] = [
                .init(
                    date: issueDate, kind: .invoice, reference: number, description: invoice.description,
                    debit: invoice.total, credit: zero)
            ]
            for payment in invoice.payments where payment.status == .succeeded && payment.method != .wallet {
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
}

extension String {
    /// Letters and digits kept, everything else a dash: for file names.
    fileprivate var fileNameSafe: String {
        String(self.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}
