import ArgumentParser
import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Logging
import SQLKit

/// `billfold-bench billing-run`: a month's billing run over many workspaces on SQLite, next to a plain bulk insert of
/// the rows it wrote.
struct BillingRunBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing-run",
        abstract: "Bill one month for N workspaces with ten usage lines each on SQLite; report invoices per second.")

    @Option(help: "Workspaces to seed, each with a subscription and a month of usage.")
    var workspaces = 100_000

    @Option(help: "Services (meters) each workspace used in the month: one invoice line each.")
    var services = 10

    @Flag(help: "Keep the SQLite file afterwards and print its path.")
    var keep = false

    /// October 2026 is billed at noon on 1 November in India.
    static let periodStart = CalendarDate(year: 2026, month: 10, day: 1)!
    static let asOf = CalendarDate(year: 2026, month: 11, day: 1)!.start(in: .indiaStandardTime)
        .addingTimeInterval(12 * 3600)

    func run() async throws {
        let directory = try makeWorkDirectory()
        defer { if !self.keep { try? FileManager.default.removeItem(at: directory) } }
        let path = directory.appendingPathComponent("bench.sqlite").path
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .warning
        print("billing-run: \(formatted(Double(self.workspaces))) workspaces × \(self.services) services on SQLite")
        try await Database.withOpen(.sqlite(path: path), logger: logger) { database in
            try await Migrations.run(on: database)
            let (_, seedSeconds) = try await Stopwatch.time { try await self.seed(database) }
            print("  seeded in \(formatted(seedSeconds, decimals: 1)) s")

            let service = InvoiceService(database: database, clock: ManualClock(Self.asOf).billingClock())
            let ticksBefore = CPUAccounting.process(getpid())?.ticks
            let (report, runSeconds) = try await Stopwatch.time {
                try await BillingRun(invoices: service).run(asOf: Self.asOf, actor: "bench")
            }
            let ticksAfter = CPUAccounting.process(getpid())?.ticks
            guard report.failures.isEmpty, report.invoices.count == self.workspaces else {
                throw ValidationError(
                    "the run issued \(report.invoices.count) invoices with \(report.failures.count) failures; "
                        + "first: \(report.failures.first.map { "\($0.1)" } ?? "none")")
            }
            let invoiceRate = Double(report.invoices.count) / runSeconds
            let rows = try await self.rowCounts(database)
            print(
                "  billing run: \(formatted(Double(report.invoices.count))) invoices "
                    + "(\(formatted(Double(rows.lines))) lines, \(formatted(Double(rows.taxes))) tax rows) "
                    + "in \(formatted(runSeconds, decimals: 2)) s = \(formatted(invoiceRate)) invoices/s")
            // The run's own CPU time for each invoice, steadier than the rate on a machine others share too.
            if let before = ticksBefore, let after = ticksAfter {
                let cpuSeconds = Double(after - before) / CPUAccounting.ticksPerSecond
                print(
                    "  the run's CPU: \(formatted(cpuSeconds / Double(report.invoices.count) * 1e6)) µs an invoice, "
                        + "\(formatted(cpuSeconds / runSeconds, decimals: 2)) cores busy on average")
            }

            let copySeconds = try await self.bulkInsert(database)
            let copyRate = Double(report.invoices.count) / copySeconds
            print(
                "  plain bulk insert of the same rows (INSERT … SELECT in one transaction): "
                    + "\(formatted(copySeconds, decimals: 2)) s = \(formatted(copyRate)) invoices/s")
            print("  ratio, billing run to bulk insert: \(formatted(invoiceRate / copyRate, decimals: 3))")
        }
        if self.keep { print("  database kept at \(path)") }
    }

    /// The supplier, a plan, the meters, and per workspace a subscription and one usage record per service.
    func seed(_ database: Database) async throws {
        let now = Self.asOf.addingTimeInterval(-40 * 86_400)
        let plan = Plan(
            id: .generate(), code: "growth", name: "Growth", interval: .month, currency: .inr,
            platformFee: Money(minorUnits: 999_900, currency: .inr), includedSeats: 5,
            seatPrice: Money(minorUnits: 39_900, currency: .inr), monthlyCredits: 0, creditPrice: .zero(.inr),
            sac: Plan.defaultSAC, createdAt: now)
        let kinds = ["pod", "vm", "storage", "network", "managed-database"]
        let meters = (0..<self.services).map { index in
            Meter(
                id: .generate(), code: "meter-\(index)", name: "Service \(index)",
                resourceType: kinds[index % kinds.count], unit: "unit", sac: Plan.defaultSAC, currency: .inr,
                pricing: .perUnit(unitPrice: FixedDecimal(scaledValue: 1_250_000 + Int64(index) * 10_000)),
                createdAt: now)
        }
        let supplier = Supplier(
            name: "Nimbus Cloud", legalName: "Nimbus Cloud Private Limited", email: "billing@nimbus.example",
            gstin: try GSTIN("29AAGCN4821K1Z5"),
            address: Address(line1: "1 MG Road", city: "Bengaluru", stateCode: "29", pin: "560001", country: "IN"),
            letterOfUndertaking: nil)
        try await database.inTransaction { store in
            try await store.supplier.save(supplier)
            try await store.plans.create(plan)
            for meter in meters { try await store.meters.create(meter) }
        }
        let states = ["29", "27", "33", "07", "04"]
        let usageStart = Self.periodStart.start(in: .indiaStandardTime).addingTimeInterval(14 * 86_400)
        let chunk = 2_000
        for first in stride(from: 0, to: self.workspaces, by: chunk) {
            let range = first..<min(first + chunk, self.workspaces)
            try await database.inTransaction { store in
                var usage: [UsageRecord] = []
                usage.reserveCapacity(range.count * meters.count)
                for index in range {
                    let workspace = Workspace(
                        id: .generate(), name: "Tenant \(index)", legalName: "Tenant \(index) Private Limited",
                        email: "billing@tenant\(index).example", gstin: nil,
                        address: Address(
                            line1: "\(index) Ring Road", city: "City", stateCode: states[index % states.count],
                            pin: "560001", country: "IN"),
                        billingMode: .postpaid, paymentTermsDays: 15, autoPay: false, serviceState: .active,
                        currency: .inr, createdAt: now)
                    try await store.workspaces.create(workspace)
                    try await store.subscriptions.create(
                        Subscription(
                            id: .generate(), workspaceID: workspace.id, planID: plan.id, seats: 5 + index % 4,
                            status: .active, currentPeriodStart: Self.periodStart,
                            currentPeriodEnd: Self.periodStart.adding(months: 1), cancelAtPeriodEnd: false,
                            createdAt: now))
                    for (service, meter) in meters.enumerated() {
                        usage.append(
                            UsageRecord(
                                id: .generate(), workspaceID: workspace.id, eventID: "e\(index)-\(service)",
                                meterCode: meter.code, resourceName: "resource-\(service)",
                                quantity: FixedDecimal(scaledValue: Int64(1 + (index * 7 + service) % 500) * 250_000),
                                startedAt: usageStart, endedAt: usageStart.addingTimeInterval(3600), createdAt: now))
                    }
                }
                _ = try await store.usage.record(usage)
            }
        }
    }

    func rowCounts(_ database: Database) async throws -> (lines: Int, taxes: Int) {
        func count(_ table: String) async throws -> Int {
            try await database.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
        return (try await count("invoice_lines"), try await count("invoice_taxes"))
    }

    /// Copies the invoices, their lines and their tax rows into empty tables of the same columns in one
    /// transaction, and returns the seconds it took: the floor for writing what the run wrote.
    func bulkInsert(_ database: Database) async throws -> Double {
        let tables = ["invoices", "invoice_lines", "invoice_taxes"]
        for table in tables {
            try await database.sql.raw(
                "CREATE TABLE \(unsafeRaw: "bulk_" + table) AS SELECT * FROM \(unsafeRaw: table) WHERE 0"
            ).run()
        }
        let (_, seconds) = try await Stopwatch.time {
            try await database.transaction { sql in
                for table in tables {
                    try await sql.raw(
                        "INSERT INTO \(unsafeRaw: "bulk_" + table) SELECT * FROM \(unsafeRaw: table)"
                    ).run()
                }
            }
        }
        return seconds
    }
}
