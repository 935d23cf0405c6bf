import BillfoldCore
import Foundation
import SQLKit

/// Which invoices a list, summary or export covers.
package struct InvoiceFilter: Hashable, Sendable {
    package var workspaceID: WorkspaceID?
    /// Display statuses to keep; empty keeps all.
    package var statuses: Set<InvoiceDisplayStatus>
    package var kinds: Set<DocumentKind>
    /// Earliest issue date, inclusive.
    package var from: CalendarDate?
    /// Latest issue date, inclusive.
    package var to: CalendarDate?
    /// Part of the number or description, in any letter case.
    package var query: String?

    package init(
        workspaceID: WorkspaceID? = nil, statuses: Set<InvoiceDisplayStatus> = [], kinds: Set<DocumentKind> = [],
        from: CalendarDate? = nil, to: CalendarDate? = nil, query: String? = nil
    ) {
        self.workspaceID = workspaceID
        self.statuses = statuses
        self.kinds = kinds
        self.from = from
        self.to = to
        self.query = query
    }
}

/// One row of the billing history: the columns the seeds show, without lines.
package struct InvoiceListItem: Hashable, Sendable {
    package let id: InvoiceID
    package let kind: DocumentKind
    package let number: String?
    package let workspaceID: WorkspaceID
    package let status: InvoiceDisplayStatus
    package let issueDate: CalendarDate?
    package let dueDate: CalendarDate?
    package let periodStart: CalendarDate
    package let periodEnd: CalendarDate
    package let description: String
    package let currency: Currency
    package let subtotal: Money
    package let platformFee: Money
    package let creditsFee: Money
    package let servicesCount: Int
    package let cgst: Money
    package let sgst: Money
    package let utgst: Money
    package let igst: Money
    package let taxTotal: Money
    package let total: Money
    package let amountPaid: Money
    package let amountDue: Money
    package let placeOfSupply: String?
}

extension InvoiceListItem {
    /// The list row of a whole document, with its status on `today`.
    package init(_ invoice: Invoice, today: CalendarDate) {
        self.init(
            id: invoice.id, kind: invoice.kind, number: invoice.number, workspaceID: invoice.workspaceID,
            status: invoice.displayStatus(today: today), issueDate: invoice.issueDate, dueDate: invoice.dueDate,
            periodStart: invoice.periodStart, periodEnd: invoice.periodEnd, description: invoice.description,
            currency: invoice.currency, subtotal: invoice.subtotal, platformFee: invoice.platformFee,
            creditsFee: invoice.creditsFee, servicesCount: invoice.servicesCount, cgst: invoice.tax.cgst,
            sgst: invoice.tax.sgst, utgst: invoice.tax.utgst, igst: invoice.tax.igst, taxTotal: invoice.tax.total,
            total: invoice.total, amountPaid: invoice.amountPaid, amountDue: invoice.amountDue,
            placeOfSupply: invoice.placeOfSupply?.code)
    }
}

/// Invoices, receipts and credit notes with their lines, taxes and payments.
package protocol InvoiceRepository: Sendable {
    /// Stores a new document with its lines and taxes.
    func create(_ invoice: Invoice) async throws
    /// Stores several documents, with their lines and tax, in as few statements as the database allows.
    func create(_ invoices: [Invoice]) async throws
    /// Stores documents from rows built beforehand, as `create(_:)` stores them.
    func create(_ rows: InvoiceRows) async throws
    /// Records the numbers of documents stored before they were numbered, in as few statements as it can.
    func recordNumbers(_ invoices: [Invoice]) async throws
    /// The document with `id` and everything on it, or `nil`.
    func find(_ id: InvoiceID) async throws -> Invoice?
    /// The workspace and number of each document `ids` names that exists, without its lines.
    func owners(of ids: [InvoiceID]) async throws -> [InvoiceID: (workspaceID: WorkspaceID, number: String?)]
    /// Inside a transaction: holds the document's row until the transaction ends; `false` when there is none.
    func lock(_ id: InvoiceID) async throws -> Bool
    /// Records a draft's finalization: number, dates, frozen parties, place of supply and tax.
    /// Fails unless it is still a draft.
    func saveFinalization(_ invoice: Invoice, at time: Date) async throws
    /// Records the state, amount paid, amount credited and attempt flags after a payment, a credit or a
    /// cancellation.
    func saveSettlement(_ invoice: Invoice) async throws
    /// Records the dispute the invoice carries, or that it carries none.
    func saveOpenDispute(_ invoice: Invoice) async throws
    /// The credit and debit notes issued against `invoiceID`, oldest first, whole.
    func corrections(of invoiceID: InvoiceID) async throws -> [Invoice]
    /// Newest first by issue date, at most `limit`: the first after `startingAfter` when given, and with
    /// `endingBefore` the last before it (the previous page), still newest first.
    func list(
        _ filter: InvoiceFilter, today: CalendarDate, limit: Int, startingAfter: InvoiceID?, endingBefore: InvoiceID?
    ) async throws -> [InvoiceListItem]
    /// Count, total and amount due of the documents the filter keeps, by currency, kind and display status.
    func summary(_ filter: InvoiceFilter, today: CalendarDate) async throws -> [InvoiceStatusTotal]
    /// What the documents the filter keeps add up to by month of issue, and what their lines add up to by category
    /// and resource type.
    func spending(_ filter: InvoiceFilter, today: CalendarDate) async throws -> InvoiceSpending
}

extension InvoiceRepository {
    /// Newest first by issue date, at most `limit`, after `startingAfter` when given.
    package func list(_ filter: InvoiceFilter, today: CalendarDate, limit: Int, startingAfter: InvoiceID?)
        async throws -> [InvoiceListItem]
    {
        try await self.list(filter, today: today, limit: limit, startingAfter: startingAfter, endingBefore: nil)
    }
}

/// The documents of one currency, kind and display status: how many, their totals, and what is still due on them.
package struct InvoiceStatusTotal: Hashable, Sendable {
    package let currency: Currency
    package let kind: DocumentKind
    package let status: InvoiceDisplayStatus
    package let count: Int
    package let total: Money
    package let amountPaid: Money
    package let amountDue: Money
}

/// The figures of the seeds' billing summary in one currency: total paid, pending and overdue, which count tax
/// invoices alone, and beside them, under their own names, the wallet top-ups received and the credit notes issued.
///
/// A top-up's receipt or a credit note is not an invoice paid: counted as one, a prepaid workspace that tops up
/// ₹5,000 and pays a ₹1,180 invoice from its wallet would show ₹6,180 paid.
package struct InvoiceTotals: Hashable, Sendable {
    /// How many documents, and an amount over them.
    package struct Figure: Hashable, Sendable {
        package let count: Int
        package let amount: Money
    }

    package let currency: Currency
    /// Paid invoices and what was paid on them (a credit note that took part of one off is not money paid).
    package let paid: Figure
    /// Invoices awaiting payment and not yet past due (pending, processing, failed), and what is due on them.
    package let pending: Figure
    /// Invoices past their due date, and what is due on them.
    package let overdue: Figure
    /// Invoices under an open dispute, whatever their due date, and what is due on them.
    package let disputed: Figure
    /// Wallet top-ups received: paid receipts and their totals.
    package let walletTopUps: Figure
    /// Credit notes issued, and their totals.
    package let creditNotes: Figure

    /// The figures of `rows` in `currency`; rows in other currencies are left out.
    package init(_ rows: [InvoiceStatusTotal], currency: Currency) {
        func figure(
            _ kind: DocumentKind, _ statuses: Set<InvoiceDisplayStatus>, _ amount: (InvoiceStatusTotal) -> Money
        ) -> Figure {
            let kept = rows.filter { $0.currency == currency && $0.kind == kind && statuses.contains($0.status) }
            return Figure(count: kept.reduce(0) { $0 + $1.count }, amount: kept.map(amount).sum(in: currency))
        }
        self.currency = currency
        self.paid = figure(.invoice, [.paid], \.amountPaid)
        self.pending = figure(.invoice, [.pending, .processing, .failed], \.amountDue)
        self.disputed = figure(.invoice, [.disputed], \.amountDue)
        self.overdue = figure(.invoice, [.overdue], \.amountDue)
        self.walletTopUps = figure(.receipt, [.paid], \.total)
        let issued = Set(InvoiceDisplayStatus.allCases).subtracting([.draft])
        self.creditNotes = figure(.creditNote, issued, \.total)
    }
}

/// The rows that store documents, built apart from storing them.
///
/// Building them reads no database, so a billing run builds them while it prices a batch, before the transaction
/// that stores it, and the writer does not wait for them.
package struct InvoiceRows: Sendable {
    /// One document's rows: its own, its lines' and its tax heads'.
    struct Document: Sendable {
        let id: InvoiceID
        let invoice: [BulkValue]
        let lines: [[BulkValue]]
        let taxes: [[BulkValue]]
    }

    private(set) var documents: [Document]

    /// The documents whose rows these are.
    package var invoiceIDs: [InvoiceID] { self.documents.map(\.id) }

    /// The rows of `invoices`, as they are now.
    package init(_ invoices: [Invoice]) throws {
        // A batch shares one supplier: its snapshot is encoded once.
        var suppliers: [PartySnapshot: String] = [:]
        self.documents = try invoices.map { invoice in
            let supplier = suppliers[invoice.supplier] ?? SnapshotCoding.json(of: invoice.supplier)
            suppliers[invoice.supplier] = supplier
            return Document(
                id: invoice.id, invoice: try Self.row(of: invoice, supplier: supplier),
                lines: invoice.lines.enumerated().map { position, line in
                    [
                        .text(invoice.id.rawValue), .integer(position + 1), .text(line.category.rawValue),
                        .text(line.resourceType), .text(line.resourceName), .text(line.description),
                        .text(line.periodStart.description), .text(line.periodEnd.description),
                        .integer(line.quantity.scaledValue), .text(line.unit), .integer(line.unitPrice.scaledValue),
                        .integer(line.amount.minorUnits), .text(line.sac), .integer(line.gstRateBasisPoints),
                        .integer(line.originalPosition),
                    ]
                },
                taxes: Self.taxes(of: invoice))
        }
    }

    /// The rows of the document's tax heads.
    static func taxes(of invoice: Invoice) -> [[BulkValue]] {
        invoice.tax.heads.map { head in
            [
                .text(invoice.id.rawValue), .text(head.head.rawValue), .integer(head.rateBasisPoints),
                .integer(head.taxableAmount.minorUnits), .integer(head.amount.minorUnits),
            ]
        }
    }

    /// The rows of the documents `ids` names, in the order they were built.
    package func keeping(_ ids: Set<InvoiceID>) -> InvoiceRows {
        var kept = self
        kept.documents.removeAll { !ids.contains($0.id) }
        return kept
    }

    /// Adds `other`'s rows after these.
    package mutating func append(_ other: InvoiceRows) {
        self.documents += other.documents
    }

    private static func row(of invoice: Invoice, supplier: String) throws -> [BulkValue] {
        [
            .text(invoice.id.rawValue), .text(invoice.kind.rawValue), .text(invoice.number),
            .text(invoice.workspaceID.rawValue), .text(invoice.subscriptionID?.rawValue),
            .text(invoice.originalInvoiceID?.rawValue), .text(invoice.state.rawValue),
            .text(invoice.issueDate?.description), .text(invoice.dueDate?.description),
            .text(invoice.periodStart.description), .text(invoice.periodEnd.description),
            .text(SQLInvoiceRepository.sortDate(of: invoice)), .text(SQLInvoiceRepository.searchText(of: invoice)),
            .text(invoice.description), .text(invoice.currency.code), .text(supplier),
            .text(SnapshotCoding.json(of: invoice.customer)), .text(invoice.placeOfSupply?.code),
            .text(invoice.tax.supplyType.rawValue), .integer(invoice.subtotal.minorUnits),
            .integer(invoice.platformFee.minorUnits), .integer(invoice.creditsFee.minorUnits),
            .integer(invoice.servicesCount), .integer(invoice.tax.cgst.minorUnits),
            .integer(invoice.tax.sgst.minorUnits), .integer(invoice.tax.utgst.minorUnits),
            .integer(invoice.tax.igst.minorUnits), .integer(invoice.tax.total.minorUnits),
            .integer(invoice.total.minorUnits), .integer(invoice.amountPaid.minorUnits),
            .boolean(invoice.hasAttemptInFlight), .boolean(invoice.lastAttemptFailed),
            .integer(invoice.createdAt.storedMilliseconds),
            .integer(invoice.issueDate == nil ? nil : invoice.createdAt.storedMilliseconds),
            .integer(invoice.amountCredited.minorUnits), .text(try invoice.correction.map(SQLInvoiceRepository.encode)),
        ]
    }
}

struct SQLInvoiceRepository: InvoiceRepository {
    let sql: any SQLDatabase

    func create(_ invoice: Invoice) async throws {
        try await self.create([invoice])
    }

    func create(_ invoices: [Invoice]) async throws {
        try await self.create(try InvoiceRows(invoices))
    }

    func create(_ rows: InvoiceRows) async throws {
        do {
            try await BulkInsert.run(
                rows.documents.map(\.invoice), into: "invoices",
                columns: [
                    "id", "kind", "number", "workspace_id", "subscription_id", "original_invoice_id", "state",
                    "issue_date", "due_date", "period_start", "period_end", "sort_date", "search_text", "description",
                    "currency", "supplier", "customer", "place_of_supply", "supply_type", "subtotal", "platform_fee",
                    "credits_fee", "services_count", "tax_cgst", "tax_sgst", "tax_utgst", "tax_igst", "tax_total",
                    "total", "amount_paid", "attempt_in_flight", "last_attempt_failed", "created_at", "finalized_at",
                    "amount_credited", "correction",
                ], rowsPerStatement: 500, on: self.sql)
        } catch  where error.isUniqueViolation {
            throw StoreError.duplicate("an invoice, its number or its billing period is already stored")
        }
        try await BulkInsert.run(
            rows.documents.flatMap(\.lines), into: "invoice_lines",
            columns: [
                "invoice_id", "position", "category", "resource_type", "resource_name", "description", "period_start",
                "period_end", "quantity", "unit", "unit_price", "amount", "sac", "gst_rate_basis_points",
                "original_position",
            ], rowsPerStatement: 500, on: self.sql)
        try await self.insertTaxes(rows.documents.flatMap(\.taxes))
    }

    /// Five values a row.
    private func insertTaxes(_ rows: [[BulkValue]]) async throws {
        try await BulkInsert.run(
            rows, into: "invoice_taxes",
            columns: ["invoice_id", "head", "rate_basis_points", "taxable_amount", "amount"],
            rowsPerStatement: 5_000, on: self.sql)
    }

    func recordNumbers(_ invoices: [Invoice]) async throws {
        do {
            try await BulkUpdate.run(
                "invoices", invoices, id: \.id.rawValue,
                setting: [("number", \.number), ("search_text", Self.searchText(of:))], rowsPerStatement: 500,
                on: self.sql)
        } catch  where error.isUniqueViolation {
            throw StoreError.duplicate("an invoice number is already stored")
        }
    }

    /// What `q` searches: the number and the description, lower-cased here so both engines agree on Unicode.
    static func searchText(of invoice: Invoice) -> String {
        "\(invoice.number ?? "") \(invoice.description)".lowercased()
    }

    /// The date a document sorts by: its issue date, or for a draft the end of its period.
    static func sortDate(of invoice: Invoice) -> String {
        (invoice.issueDate ?? invoice.periodEnd).description
    }

    func owners(of ids: [InvoiceID]) async throws -> [InvoiceID: (workspaceID: WorkspaceID, number: String?)] {
        var owners: [InvoiceID: (workspaceID: WorkspaceID, number: String?)] = [:]
        for chunk in ids.chunked(into: 500) {
            var query: SQLQueryString = "SELECT id, workspace_id, number FROM invoices WHERE id IN ("
            for (index, id) in chunk.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                query.appendInterpolation(bind: id.rawValue)
            }
            query.appendLiteral(")")
            for row in try await self.sql.raw(query).all() {
                owners[InvoiceID(rawValue: try row.string("id"))] = (
                    WorkspaceID(rawValue: try row.string("workspace_id")), try row.optionalString("number")
                )
            }
        }
        return owners
    }

    func find(_ id: InvoiceID) async throws -> Invoice? {
        guard let row = try await self.sql.raw("SELECT * FROM invoices WHERE id = \(plain: id.rawValue)").first()
        else { return nil }
        let currency = try row.currency("currency")
        let lineRows = try await self.sql.raw(
            "SELECT * FROM invoice_lines WHERE invoice_id = \(bind: id.rawValue) ORDER BY position"
        ).all()
        let taxRows = try await self.sql.raw(
            "SELECT * FROM invoice_taxes WHERE invoice_id = \(bind: id.rawValue)"
        ).all()
        let payments = try await SQLPaymentRepository(sql: self.sql).list(for: id)
        let lines = try lineRows.map { line in
            InvoiceLine(
                category: try line.enumeration("category", as: LineCategory.self),
                resourceType: try line.string("resource_type"), resourceName: try line.string("resource_name"),
                description: try line.string("description"), periodStart: try line.calendarDate("period_start"),
                periodEnd: try line.calendarDate("period_end"), quantity: try line.decimal("quantity"),
                unit: try line.string("unit"), unitPrice: try line.decimal("unit_price"),
                amount: try line.money("amount", in: currency), sac: try line.string("sac"),
                gstRateBasisPoints: try line.int("gst_rate_basis_points"),
                originalPosition: try line.optionalInt64("original_position").map { Int($0) })
        }
        let heads = try taxRows.map { tax in
            TaxHeadAmount(
                head: try tax.enumeration("head", as: TaxHead.self), rateBasisPoints: try tax.int("rate_basis_points"),
                taxableAmount: try tax.money("taxable_amount", in: currency),
                amount: try tax.money("amount", in: currency))
        }.sorted(by: TaxHeadAmount.printOrder)
        let tax = TaxBreakdown(
            supplyType: try row.enumeration("supply_type", as: SupplyType.self),
            taxableAmount: try row.money("subtotal", in: currency), heads: heads)
        return Invoice(
            id: id, kind: try row.enumeration("kind", as: DocumentKind.self), number: try row.optionalString("number"),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
            subscriptionID: try row.optionalString("subscription_id").map(SubscriptionID.init(rawValue:)),
            originalInvoiceID: try row.optionalString("original_invoice_id").map(InvoiceID.init(rawValue:)),
            lifecycle: InvoiceLifecycle(state: try row.enumeration("state", as: InvoiceLifecycle.State.self)),
            issueDate: try row.optionalCalendarDate("issue_date"), dueDate: try row.optionalCalendarDate("due_date"),
            periodStart: try row.calendarDate("period_start"), periodEnd: try row.calendarDate("period_end"),
            description: try row.string("description"), currency: currency,
            supplier: try SnapshotCoding.decode(PartySnapshot.self, from: try row.string("supplier")),
            customer: try SnapshotCoding.decode(PartySnapshot.self, from: try row.string("customer")),
            placeOfSupply: try row.optionalString("place_of_supply").flatMap(StateCode.init(code:)),
            lines: lines, tax: tax, amountPaid: try row.money("amount_paid", in: currency), payments: payments,
            createdAt: try row.date("created_at"), amountCredited: try row.money("amount_credited", in: currency),
            correction: try row.optionalString("correction").map(Self.decodeCorrection),
            openDispute: try row.optionalString("open_dispute_id").map {
                OpenDispute(
                    id: DisputeID(rawValue: $0), disputedAmount: try row.money("disputed_amount", in: currency))
            })
    }

    func lock(_ id: InvoiceID) async throws -> Bool {
        // A no-op write: PostgreSQL locks the row, SQLite already holds the database's write lock.
        try await self.sql.raw("UPDATE invoices SET state = state WHERE id = \(bind: id.rawValue) RETURNING id")
            .first() != nil
    }

    func saveFinalization(_ invoice: Invoice, at time: Date) async throws {
        let updated = try await self.sql.raw(
            """
            UPDATE invoices SET number = \(bind: invoice.number), state = \(bind: invoice.state.rawValue),
                issue_date = \(bind: invoice.issueDate?.description), due_date = \(bind: invoice.dueDate?.description),
                sort_date = \(bind: Self.sortDate(of: invoice)), search_text = \(bind: Self.searchText(of: invoice)),
                supplier = \(bind: SnapshotCoding.json(of: invoice.supplier)),
                customer = \(bind: SnapshotCoding.json(of: invoice.customer)),
                place_of_supply = \(bind: invoice.placeOfSupply?.code), supply_type = \(bind: invoice.tax.supplyType.rawValue),
                tax_cgst = \(bind: invoice.tax.cgst.minorUnits), tax_sgst = \(bind: invoice.tax.sgst.minorUnits),
                tax_utgst = \(bind: invoice.tax.utgst.minorUnits), tax_igst = \(bind: invoice.tax.igst.minorUnits),
                tax_total = \(bind: invoice.tax.total.minorUnits), total = \(bind: invoice.total.minorUnits),
                finalized_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: invoice.id.rawValue) AND state = 'draft'
            RETURNING id
            """
        ).all()
        guard !updated.isEmpty else { throw StoreError.notFound("no draft invoice \(invoice.id) to finalize") }
        try await self.sql.raw("DELETE FROM invoice_taxes WHERE invoice_id = \(bind: invoice.id.rawValue)").run()
        try await self.insertTaxes(InvoiceRows.taxes(of: invoice))
    }

    func saveSettlement(_ invoice: Invoice) async throws {
        try await self.sql.raw(
            """
            UPDATE invoices SET state = \(bind: invoice.state.rawValue),
                amount_paid = \(bind: invoice.amountPaid.minorUnits),
                amount_credited = \(bind: invoice.amountCredited.minorUnits),
                attempt_in_flight = \(bind: invoice.hasAttemptInFlight),
                last_attempt_failed = \(bind: invoice.lastAttemptFailed)
            WHERE id = \(bind: invoice.id.rawValue)
            """
        ).run()
    }

    func saveOpenDispute(_ invoice: Invoice) async throws {
        try await self.sql.raw(
            """
            UPDATE invoices SET open_dispute_id = \(bind: invoice.openDispute?.id.rawValue),
                disputed_amount = \(bind: invoice.openDispute?.disputedAmount.minorUnits ?? 0)
            WHERE id = \(bind: invoice.id.rawValue)
            """
        ).run()
    }

    func corrections(of invoiceID: InvoiceID) async throws -> [Invoice] {
        let rows = try await self.sql.raw(
            """
            SELECT id FROM invoices WHERE original_invoice_id = \(plain: invoiceID.rawValue) AND state <> 'draft'
            ORDER BY created_at, id
            """
        ).all()
        var notes: [Invoice] = []
        for row in rows {
            if let note = try await self.find(InvoiceID(rawValue: try row.string("id"))) { notes.append(note) }
        }
        return notes
    }

    /// A note's reference to its invoice as stored: JSON.
    private struct StoredCorrection: Codable {
        var originalNumber: String
        var originalIssueDate: String
        var adjustsGst: Bool
        var destination: String?
    }

    static func encode(_ correction: Correction) throws -> String {
        try SnapshotCoding.encode(
            StoredCorrection(
                originalNumber: correction.originalNumber, originalIssueDate: correction.originalIssueDate.description,
                adjustsGst: correction.adjustsGST, destination: correction.destination?.rawValue))
    }

    static func decodeCorrection(_ text: String) throws -> Correction {
        let stored = try SnapshotCoding.decode(StoredCorrection.self, from: text)
        guard let date = CalendarDate(iso8601: stored.originalIssueDate) else {
            throw StoreError.corrupt("a stored correction's date \(stored.originalIssueDate) is not a date")
        }
        return Correction(
            originalNumber: stored.originalNumber, originalIssueDate: date, adjustsGST: stored.adjustsGst,
            destination: try stored.destination.map {
                guard let destination = Correction.Destination(rawValue: $0) else {
                    throw StoreError.corrupt("a stored credit destination \($0) is unknown")
                }
                return destination
            })
    }

    func list(
        _ filter: InvoiceFilter, today: CalendarDate, limit: Int, startingAfter: InvoiceID?, endingBefore: InvoiceID?
    ) async throws -> [InvoiceListItem] {
        // Only what a list row shows: the party snapshots and the correction are the bulk of a stored invoice.
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.listColumns.map { "i." + $0 }.joined(separator: ", ")), ")
        query += Self.statusExpression(today: today, table: "i")
        query.appendLiteral(" AS display_status")
        query.appendLiteral(" FROM invoices i")
        var conditions = Self.conditions(for: filter, today: today, table: "i")
        if let startingAfter {
            query.appendLiteral(" JOIN invoices c ON c.id = ")
            query.appendInterpolation(plain: startingAfter.rawValue)
            conditions.append("(i.sort_date < c.sort_date OR (i.sort_date = c.sort_date AND i.id < c.id))")
        }
        if let endingBefore {
            query.appendLiteral(" JOIN invoices e ON e.id = ")
            query.appendInterpolation(plain: endingBefore.rawValue)
            conditions.append("(i.sort_date > e.sort_date OR (i.sort_date = e.sort_date AND i.id > e.id))")
        }
        query += Self.whereClause(conditions)
        guard endingBefore != nil else {
            query.appendLiteral(" ORDER BY i.sort_date DESC, i.id DESC LIMIT \(limit)")
            return try await self.sql.raw(query).all().map(Self.listItem)
        }
        // Backwards from the cursor, so the limit keeps the rows nearest it; turned newest first again below.
        query.appendLiteral(" ORDER BY i.sort_date ASC, i.id ASC LIMIT \(limit)")
        return try await self.sql.raw(query).all().map(Self.listItem).reversed()
    }

    func summary(_ filter: InvoiceFilter, today: CalendarDate) async throws -> [InvoiceStatusTotal] {
        var query = SQLQueryString(
            """
            SELECT currency, kind, display_status, state, COUNT(*) AS document_count,
                CAST(SUM(total / 4294967296) AS BIGINT) AS total_high,
                CAST(SUM(total % 4294967296) AS BIGINT) AS total_low,
                CAST(SUM(amount_paid / 4294967296) AS BIGINT) AS paid_high,
                CAST(SUM(amount_paid % 4294967296) AS BIGINT) AS paid_low,
                CAST(SUM(amount_credited / 4294967296) AS BIGINT) AS credited_high,
                CAST(SUM(amount_credited % 4294967296) AS BIGINT) AS credited_low
            FROM (SELECT i.currency, i.kind, i.state, i.total, i.amount_paid, i.amount_credited,
            """)
        query += Self.statusExpression(today: today, table: "i")
        query.appendLiteral(" AS display_status FROM invoices i")
        query += Self.whereClause(Self.conditions(for: filter, today: today, table: "i"))
        // Each display status belongs to one state, so grouping by the state too adds no rows.
        query.appendLiteral(
            ") AS kept GROUP BY currency, kind, display_status, state ORDER BY currency, kind, display_status")
        var totals: [InvoiceStatusTotal] = []
        // Per currency, the groups' largest amounts added up without sign: every sum the caller makes of the groups
        // (paid, pending, overdue) stays within it, so it must fit in an amount.
        var magnitudes: [String: Int128] = [:]
        for row in try await self.sql.raw(query).all() {
            let currency = try row.currency("currency")
            let total = try Self.sum(row, high: "total_high", low: "total_low")
            let paid = try Self.sum(row, high: "paid_high", low: "paid_low")
            let credited = try Self.sum(row, high: "credited_high", low: "credited_low")
            let state = try row.enumeration("state", as: InvoiceLifecycle.State.self)
            let due: Int128
            switch state {
            case .draft, .open: due = total - paid - credited
            case .paid, .cancelled: due = 0
            }
            magnitudes[currency.code, default: 0] += Int128(Swift.max(total.magnitude, paid.magnitude, due.magnitude))
            guard let sum = magnitudes[currency.code], sum <= Int128(Int64.max) else { throw MoneyError.overflow }
            let totalMoney = Money(minorUnits: Int64(total), currency: currency)
            let paidMoney = Money(minorUnits: Int64(paid), currency: currency)
            totals.append(
                InvoiceStatusTotal(
                    currency: currency, kind: try row.enumeration("kind", as: DocumentKind.self),
                    status: try row.enumeration("display_status", as: InvoiceDisplayStatus.self),
                    count: try row.int("document_count"), total: totalMoney, amountPaid: paidMoney,
                    amountDue: Money(minorUnits: Int64(due), currency: currency)))
        }
        return totals
    }

    /// An amount summed in SQL as its high and low 32 bits, so that no `SUM` overflows 64 bits.
    static func sum(_ row: any SQLRow, high: String, low: String) throws -> Int128 {
        Int128(try row.int64(high)) * 4_294_967_296 + Int128(try row.int64(low))
    }

    /// The display status in SQL, with the precedence of `InvoiceDisplayStatus.derive`.
    static func statusExpression(today: CalendarDate, table: String) -> SQLQueryString {
        var expression = SQLQueryString("CASE WHEN \(unsafeRaw: table).state = 'cancelled' THEN 'cancelled'")
        expression.appendLiteral(" WHEN \(table).state = 'paid' THEN 'paid'")
        expression.appendLiteral(" WHEN \(table).state = 'open' AND \(table).attempt_in_flight THEN 'processing'")
        expression.appendLiteral(
            " WHEN \(table).state = 'open' AND \(table).open_dispute_id IS NOT NULL THEN 'disputed'")
        expression.appendLiteral(" WHEN \(table).state = 'open' AND \(table).due_date < ")
        expression.appendInterpolation(plain: today.description)
        expression.appendLiteral(" THEN 'overdue'")
        expression.appendLiteral(" WHEN \(table).state = 'open' AND \(table).last_attempt_failed THEN 'failed'")
        expression.appendLiteral(" WHEN \(table).state = 'open' THEN 'pending' ELSE 'draft' END")
        return expression
    }

    /// The filter's conditions; ids, kinds, statuses and dates are plain literals (see `appendInterpolation(plain:)`).
    static func conditions(for filter: InvoiceFilter, today: CalendarDate, table: String) -> [SQLQueryString] {
        var conditions: [SQLQueryString] = []
        if let workspaceID = filter.workspaceID {
            conditions.append("\(unsafeRaw: table).workspace_id = \(plain: workspaceID.rawValue)")
        }
        if !filter.kinds.isEmpty {
            let kinds = filter.kinds.map(\.rawValue).sorted()
            conditions.append("\(unsafeRaw: table).kind IN (\(plain: kinds))")
        }
        if !filter.statuses.isEmpty {
            let statuses = filter.statuses.map(\.rawValue).sorted()
            var condition = self.statusExpression(today: today, table: table)
            condition += " IN (\(plain: statuses))"
            conditions.append(condition)
        }
        if let from = filter.from {
            conditions.append("\(unsafeRaw: table).issue_date >= \(plain: from.description)")
        }
        if let to = filter.to {
            conditions.append("\(unsafeRaw: table).issue_date <= \(plain: to.description)")
        }
        if let query = filter.query?.lowercased(), !query.isEmpty {
            let pattern =
                "%"
                + query.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("\(unsafeRaw: table).search_text LIKE \(bind: pattern) ESCAPE '\\'")
        }
        return conditions
    }

    static func whereClause(_ conditions: [SQLQueryString]) -> SQLQueryString {
        guard !conditions.isEmpty else { return "" }
        var clause = SQLQueryString(" WHERE ")
        for (index, condition) in conditions.enumerated() {
            if index > 0 { clause.appendLiteral(" AND ") }
            clause += condition
        }
        return clause
    }

    /// The columns `listItem(from:)` reads, besides the display status.
    static let listColumns = [
        "id", "kind", "number", "workspace_id", "state", "issue_date", "due_date", "period_start", "period_end",
        "description", "currency", "subtotal", "platform_fee", "credits_fee", "services_count", "tax_cgst", "tax_sgst",
        "tax_utgst", "tax_igst", "tax_total", "total", "amount_paid", "amount_credited", "place_of_supply", "sort_date",
    ]

    static func listItem(from row: any SQLRow) throws -> InvoiceListItem {
        let currency = try row.currency("currency")
        let state = try row.enumeration("state", as: InvoiceLifecycle.State.self)
        let total = try row.money("total", in: currency)
        let amountPaid = try row.money("amount_paid", in: currency)
        let amountCredited = try row.money("amount_credited", in: currency)
        return InvoiceListItem(
            id: InvoiceID(rawValue: try row.string("id")), kind: try row.enumeration("kind", as: DocumentKind.self),
            number: try row.optionalString("number"),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
            status: try row.enumeration("display_status", as: InvoiceDisplayStatus.self),
            issueDate: try row.optionalCalendarDate("issue_date"), dueDate: try row.optionalCalendarDate("due_date"),
            periodStart: try row.calendarDate("period_start"), periodEnd: try row.calendarDate("period_end"),
            description: try row.string("description"), currency: currency,
            subtotal: try row.money("subtotal", in: currency), platformFee: try row.money("platform_fee", in: currency),
            creditsFee: try row.money("credits_fee", in: currency), servicesCount: try row.int("services_count"),
            cgst: try row.money("tax_cgst", in: currency), sgst: try row.money("tax_sgst", in: currency),
            utgst: try row.money("tax_utgst", in: currency), igst: try row.money("tax_igst", in: currency),
            taxTotal: try row.money("tax_total", in: currency), total: total, amountPaid: amountPaid,
            amountDue: Invoice.amountDue(
                state: state, total: total, amountPaid: amountPaid, amountCredited: amountCredited),
            placeOfSupply: try row.optionalString("place_of_supply"))
    }
}
