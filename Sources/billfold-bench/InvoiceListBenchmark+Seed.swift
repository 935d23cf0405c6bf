import ArgumentParser
import BillfoldCore
import BillfoldStore
import Foundation
import Logging
import SQLKit

extension InvoiceListBenchmark {
    /// What the seed wrote, for the requests that follow.
    struct SeededHistory {
        /// In the order the invoices were dealt to them: invoice `n` belongs to workspace `n % count`.
        let workspaceIDs: [WorkspaceID]
        let firstIssueDate: CalendarDate
        let today: CalendarDate
        let lines: Int
        let taxRows: Int
        let payments: Int
        /// The seconds the one `INSERT … SELECT` of the invoices took.
        let invoiceSeconds: Double

        /// How many invoices workspace `position` was dealt out of `invoices`.
        func invoiceCount(ofWorkspaceAt position: Int, invoices: Int) -> Int {
            invoices / self.workspaceIDs.count + (position < invoices % self.workspaceIDs.count ? 1 : 0)
        }
    }

    /// The history covers about two years up to today, the date the server will list on.
    static let historyDays = 730
    static let paymentTermsDays = 30
    /// Each workspace moves up one plan every six months of its history, so a search for one plan's name keeps
    /// about a quarter of a workspace's invoices.
    static let plans: [(name: String, platformFee: Int64)] = [
        ("Starter", 299_900), ("Growth", 999_900), ("Scale", 2_499_900), ("Enterprise", 9_999_900),
    ]
    /// Karnataka, the supplier's state, for intra-state supplies; four other states for inter-state ones.
    static let stateCodes = ["29", "27", "33", "07", "24"]

    static let supplier = Supplier(
        name: "Nimbus Cloud", legalName: "Nimbus Cloud Private Limited", email: "billing@nimbus.example",
        gstin: try! GSTIN("29AAGCN4821K1Z5"),
        address: Address(line1: "1 MG Road", city: "Bengaluru", stateCode: "29", pin: "560001", country: "IN"),
        letterOfUndertaking: nil)

    /// Writes the supplier, the workspaces and `invoices` finalized invoices with their lines, tax rows and
    /// payments, as the server stores them, with a few statements that each generate their rows inside SQLite.
    ///
    /// Invoice `n` is issued on day `n × days / invoices` of the history and belongs to workspace
    /// `n % workspaces`; its number runs on in its financial year's series; a hash of `n` decides whether it is
    /// paid, open or cancelled, so every workspace has a little of each.
    func seed(_ database: Database, today: CalendarDate) async throws -> SeededHistory {
        // A throwaway file nobody else opens: no journal, no syncs, and a cache that holds the whole seed, so that
        // each page is written once. The server opens it afterwards with its own settings.
        for pragma in ["PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -2097152"] {
            try await database.sql.raw(SQLQueryString(pragma)).run()
        }
        let firstIssueDate = today.adding(days: 1 - Self.historyDays)
        let workspaces = self.makeWorkspaces(createdAt: firstIssueDate.adding(days: -30))
        try await database.inTransaction { store in
            try await store.supplier.save(Self.supplier)
            for workspace in workspaces { try await store.workspaces.create(workspace) }
        }
        try await self.writeSeedTables(database, workspaces: workspaces, firstIssueDate: firstIssueDate, today: today)
        let (invoices, workspaceCount) = (self.invoices, self.workspaces)
        let (_, invoiceSeconds) = try await Stopwatch.time {
            try await database.transaction { sql in
                try await Self.insertInvoices(sql, count: invoices, workspaces: workspaceCount)
            }
        }
        try await database.transaction { sql in try await Self.insertLinesTaxesAndPayments(sql) }
        for table in ["seed_workspaces", "seed_days", "seed_plans"] {
            try await database.sql.raw("DROP TABLE \(unsafeRaw: table)").run()
        }
        try await database.sql.raw("PRAGMA journal_mode = WAL").run()
        func count(_ table: String) async throws -> Int {
            try await database.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
        let stored = try await count("invoices")
        guard stored == self.invoices else {
            throw ValidationError("the seed wrote \(stored) invoices, not \(self.invoices)")
        }
        return SeededHistory(
            workspaceIDs: workspaces.map(\.id), firstIssueDate: firstIssueDate, today: today,
            lines: try await count("invoice_lines"), taxRows: try await count("invoice_taxes"),
            payments: try await count("payments"), invoiceSeconds: invoiceSeconds)
    }

    /// A fresh SQLite file at `path`, migrated and seeded with `invoices` over `workspaces`, as the document
    /// benchmarks read it.
    static func seedFile(_ path: String, invoices: Int, workspaces: Int, today: CalendarDate, logger: Logger)
        async throws -> SeededHistory
    {
        let seeder = try Self.parse(["--invoices", String(invoices), "--workspaces", String(workspaces)])
        // No readers: the seed turns the journal off, which needs the file to itself.
        return try await Database.withOpen(.sqlite(path: path), logger: logger, sqliteReaders: 0) { database in
            try await Migrations.run(on: database)
            return try await seeder.seed(database, today: today)
        }
    }

    func makeWorkspaces(createdAt: CalendarDate) -> [Workspace] {
        (0..<self.workspaces).map { index in
            Workspace(
                id: .generate(), name: "Tenant \(index)", legalName: "Tenant \(index) Private Limited",
                email: "billing@tenant\(index).example", gstin: nil,
                address: Address(
                    line1: "\(index) Ring Road", city: "City",
                    stateCode: Self.stateCodes[index % Self.stateCodes.count],
                    pin: "560001", country: "IN"),
                billingMode: .postpaid, paymentTermsDays: Self.paymentTermsDays, autoPay: false,
                serviceState: .active, currency: .inr, createdAt: createdAt.start(in: .indiaStandardTime))
        }
    }

    /// Temporary tables the invoice rows are made from: per workspace its frozen customer block and supply type;
    /// per day of the history its dates and number series; the plans. The number series rows go in too.
    func writeSeedTables(
        _ database: Database, workspaces: [Workspace], firstIssueDate: CalendarDate, today: CalendarDate
    ) async throws {
        let sql = database.sql
        try await sql.raw(
            """
            CREATE TEMP TABLE seed_workspaces (position INTEGER PRIMARY KEY, id TEXT NOT NULL,
                customer TEXT NOT NULL, place_of_supply TEXT NOT NULL, supply_type TEXT NOT NULL)
            """
        ).run()
        var workspaceRows: [SQLQueryString] = []
        for (position, workspace) in workspaces.enumerated() {
            let placeOfSupply = workspace.placeOfSupply!
            let supplyType = GSTCalculator.supplyType(supplierState: Self.supplier.state, placeOfSupply: placeOfSupply)
            // The SQL below taxes intra-state supplies as CGST plus SGST and the rest as IGST.
            precondition(supplyType == .intraState || supplyType == .interState, "seed states have no UTGST")
            workspaceRows.append(
                """
                (\(bind: position), \(bind: workspace.id.rawValue), \(bind: SnapshotCoding.json(of: workspace.partySnapshot)),
                    \(bind: placeOfSupply.code), \(bind: supplyType.rawValue))
                """)
        }
        try await Self.insert(workspaceRows, into: "seed_workspaces", sql)

        try await sql.raw(
            """
            CREATE TEMP TABLE seed_days (day INTEGER PRIMARY KEY, issue_date TEXT NOT NULL, due_date TEXT NOT NULL,
                period_start TEXT NOT NULL, period_end TEXT NOT NULL, number_prefix TEXT NOT NULL,
                first_of_year INTEGER NOT NULL, created_at BIGINT NOT NULL, is_due_later INTEGER NOT NULL)
            """
        ).run()
        // Invoice n falls on day n × days / invoices, so the first invoice of day d is ⌈d × invoices / days⌉.
        func firstInvoice(ofDay day: Int) -> Int {
            (day * self.invoices + Self.historyDays - 1) / Self.historyDays
        }
        var firstOfYear: [FinancialYear: Int] = [:]
        var dayRows: [SQLQueryString] = []
        for day in 0..<Self.historyDays {
            let issueDate = firstIssueDate.adding(days: day)
            let year = FinancialYear(containing: issueDate)
            let first = firstOfYear[year] ?? firstInvoice(ofDay: day)
            firstOfYear[year] = first
            let dueDate = issueDate.adding(days: Self.paymentTermsDays)
            let createdAt = Int64(issueDate.start(in: .indiaStandardTime).timeIntervalSince1970 * 1000) + 36_000_000
            dayRows.append(
                """
                (\(bind: day), \(bind: issueDate.description), \(bind: dueDate.description),
                    \(bind: issueDate.adding(months: -1).description), \(bind: issueDate.adding(days: -1).description),
                    \(bind: "INV/\(year.shortLabel)/"), \(bind: first), \(bind: createdAt), \(bind: dueDate >= today))
                """)
        }
        try await Self.insert(dayRows, into: "seed_days", sql)
        let years = firstOfYear.sorted { $0.key < $1.key }
        for (index, (year, first)) in years.enumerated() {
            let next = index + 1 < years.count ? years[index + 1].value : self.invoices
            guard next - first <= 999_999 else {
                throw ValidationError("\(next - first) invoices in \(year) do not fit six-digit numbers; seed fewer")
            }
            try await sql.raw(
                """
                INSERT INTO number_series (kind, financial_year, prefix, last_sequence)
                VALUES ('invoice', \(bind: year.startYear), 'INV', \(bind: next - first))
                """
            ).run()
        }

        try await sql.raw("CREATE TEMP TABLE seed_plans (position INTEGER PRIMARY KEY, name TEXT, platform_fee BIGINT)")
            .run()
        let planRows: [SQLQueryString] = Self.plans.enumerated().map { index, plan in
            "(\(bind: index), \(bind: plan.name), \(bind: plan.platformFee))"
        }
        try await Self.insert(planRows, into: "seed_plans", sql)
    }

    /// `rows` in multi-row INSERTs of 500, within SQLite's limit on bound values.
    static func insert(_ rows: [SQLQueryString], into table: String, _ sql: any SQLDatabase) async throws {
        for first in stride(from: 0, to: rows.count, by: 500) {
            let chunk = rows[first..<min(first + 500, rows.count)]
            try await sql.raw("INSERT INTO \(unsafeRaw: table) VALUES \(chunk.joined(separator: ", "))").run()
        }
    }

    /// Every invoice in one statement: a recursive CTE counts 0..<invoices and the seed tables supply the rest.
    ///
    /// Amounts are whole rupees, so 9% and 18% of a subtotal are exact and the stored tax columns equal what
    /// the GST calculator would give. Invoices not yet due are mostly open (pending); older ones mostly paid,
    /// with some left open (overdue) and some cancelled.
    static func insertInvoices(_ sql: any SQLDatabase, count: Int, workspaces: Int) async throws {
        let supplier = SnapshotCoding.json(of: Self.supplier.partySnapshot)
        try await sql.raw(
            """
            WITH RECURSIVE counter (n) AS (
                SELECT 0 UNION ALL SELECT n + 1 FROM counter WHERE n < \(bind: count - 1)
            ), dealt AS (
                SELECT n, n * \(bind: Self.historyDays) / \(bind: count) AS day,
                    n % \(bind: workspaces) AS position, n * 2654435761 % 4294967291 % 100 AS roll
                FROM counter
            ), priced AS (
                SELECT dealt.n, days.issue_date, days.due_date, days.period_start, days.period_end, days.created_at,
                    printf('%s%06d', days.number_prefix, dealt.n - days.first_of_year + 1) AS number,
                    w.id AS workspace_id, w.customer, w.place_of_supply, w.supply_type,
                    plans.name || ' plan, monthly' AS description, plans.platform_fee,
                    plans.platform_fee + (1 + dealt.n * 37 % 500) * 1000 AS subtotal,
                    CASE WHEN days.is_due_later THEN (CASE WHEN dealt.roll < 30 THEN 'paid' ELSE 'open' END)
                        WHEN dealt.roll < 4 THEN 'cancelled' WHEN dealt.roll < 12 THEN 'open' ELSE 'paid' END AS state
                FROM dealt
                JOIN seed_days days ON days.day = dealt.day
                JOIN seed_workspaces w ON w.position = dealt.position
                JOIN seed_plans plans
                    ON plans.position = (dealt.position + dealt.day * \(bind: Self.plans.count) / \(bind: Self.historyDays))
                        % \(bind: Self.plans.count)
            ), taxed AS (
                SELECT priced.*, subtotal * 18 / 100 AS tax_total,
                    CASE WHEN supply_type = 'intra_state' THEN subtotal * 9 / 100 ELSE 0 END AS half_tax
                FROM priced
            )
            INSERT INTO invoices (id, kind, number, workspace_id, subscription_id, original_invoice_id, state,
                issue_date, due_date, period_start, period_end, sort_date, search_text, description, currency,
                supplier, customer, place_of_supply, supply_type, subtotal, platform_fee, credits_fee,
                services_count, tax_cgst, tax_sgst, tax_utgst, tax_igst, tax_total, total, amount_paid,
                attempt_in_flight, last_attempt_failed, created_at, finalized_at)
            SELECT printf('inv_bench%011d', n), 'invoice', number, workspace_id, NULL, NULL, state,
                issue_date, due_date, period_start, period_end, issue_date, lower(number || ' ' || description),
                description, 'INR', \(bind: supplier), customer, place_of_supply, supply_type, subtotal,
                platform_fee, 0, 1, half_tax, half_tax, 0, tax_total - 2 * half_tax, tax_total,
                subtotal + tax_total, CASE WHEN state = 'paid' THEN subtotal + tax_total ELSE 0 END, 0, 0,
                created_at, created_at
            FROM taxed
            """
        ).run()
    }

    /// Per invoice a platform fee line and a usage line that add up to its subtotal, its tax rows, and for a
    /// paid one the payment that settled it.
    static func insertLinesTaxesAndPayments(_ sql: any SQLDatabase) async throws {
        // CROSS JOIN keeps the invoices the outer loop, so rows arrive in primary key order.
        try await sql.raw(
            """
            INSERT INTO invoice_lines (invoice_id, position, category, resource_type, resource_name, description,
                period_start, period_end, quantity, unit, unit_price, amount, sac, gst_rate_basis_points)
            SELECT i.id, line.position, line.category, line.resource_type, line.resource_name,
                CASE line.position WHEN 1 THEN i.description ELSE 'Pod vCPU' END, i.period_start, i.period_end,
                CASE line.position WHEN 1 THEN 1000000 ELSE (i.subtotal - i.platform_fee) / 1000 * 1000000 END,
                line.unit,
                CASE line.position WHEN 1 THEN i.platform_fee * 10000 ELSE 10000000 END,
                CASE line.position WHEN 1 THEN i.platform_fee ELSE i.subtotal - i.platform_fee END,
                \(bind: Plan.defaultSAC), 1800
            FROM invoices i CROSS JOIN (
                SELECT 1 AS position, 'platform_fee' AS category, 'platform' AS resource_type,
                    'platform' AS resource_name, 'month' AS unit
                UNION ALL SELECT 2, 'usage', 'pod', 'api', 'vCPU-hour'
            ) line
            """
        ).run()
        try await sql.raw(
            """
            INSERT INTO invoice_taxes (invoice_id, head, rate_basis_points, taxable_amount, amount)
            SELECT i.id, head.head, head.rate_basis_points, i.subtotal,
                CASE head.head WHEN 'cgst' THEN i.tax_cgst WHEN 'sgst' THEN i.tax_sgst ELSE i.tax_igst END
            FROM invoices i CROSS JOIN (
                SELECT 'cgst' AS head, 900 AS rate_basis_points, 'intra_state' AS supply_type
                UNION ALL SELECT 'sgst', 900, 'intra_state'
                UNION ALL SELECT 'igst', 1800, 'inter_state'
            ) head
            WHERE head.supply_type = i.supply_type
            """
        ).run()
        try await sql.raw(
            """
            INSERT INTO payments (id, invoice_id, method, provider, status, amount, currency, reference,
                failure_reason, created_at, paid_at)
            SELECT 'pay_' || substr(id, 5), id, 'upi', 'razorpay', 'succeeded', total, currency,
                'pay_R' || substr(id, 10), NULL, created_at + 7200000, created_at + 7200000
            FROM invoices WHERE state = 'paid'
            """
        ).run()
    }
}
