import ArgumentParser
import BillfoldCore
import BillfoldStore
import ChildProcesses
import Foundation
import Logging
import SQLKit
import Synchronization

/// `billfold-bench reads-during-writes`: the invoice list's latency on an idle `billfold serve` and while the same
/// server runs a billing run over many workspaces and takes an ingest stream, with SQLite's read-only connections
/// and, as the baseline in the same run, with every statement on the one writer (`--sqlite-readers 0`).
struct ReadsDuringWritesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reads-during-writes",
        abstract: "List invoices while the server bills N workspaces and ingests usage, with and without readers.")

    @Option(help: "Workspaces the billing run bills, each with ten services of usage.")
    var workspaces = 100_000

    @Option(help: "Invoices already issued, the history the list reads.")
    var historyInvoices = 200_000

    @Option(help: "Workspaces the history is dealt over.")
    var historyWorkspaces = 2_000

    @Option(help: "List requests timed on the idle server.")
    var idleRequests = 500

    @Option(help: "Usage records per batch of the ingest stream, one batch in flight.")
    var batchSize = 2_000

    @Option(help: "Milliseconds from the start of one ingest batch to the start of the next (at most).")
    var batchInterval = 500

    @Option(help: "Milliseconds from the start of one list call to the start of the next during the run (at most).")
    var listInterval = 20

    @Option(help: "Seconds between the server's mail passes (billfold serve --mail-interval); 0, no mail.")
    var mailInterval = 0

    @Option(help: "Read-only SQLite connections in the measured configuration.")
    var sqliteReaders = Database.defaultSQLiteReaders

    static let apiKey = "bf_bench_operator_key_0000000000000000000000"
    /// The p99 the issue asks of a list call during the run.
    static let busyTargetMilliseconds = 50.0

    func validate() throws {
        guard self.workspaces >= 1, self.historyWorkspaces >= 1, self.historyInvoices >= self.historyWorkspaces else {
            throw ValidationError("bill at least one workspace, and seed at least one invoice per history workspace")
        }
        guard self.idleRequests >= 1, (1...10_000).contains(self.batchSize), self.sqliteReaders >= 1 else {
            throw ValidationError("--idle-requests and --sqlite-readers must be 1 or more, --batch-size 1 to 10,000")
        }
        guard self.batchInterval >= 0, self.listInterval >= 0, self.mailInterval >= 0 else {
            throw ValidationError("--batch-interval, --list-interval and --mail-interval must be 0 or more")
        }
    }

    func run() async throws {
        let directory = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let seeded = directory.appendingPathComponent("seed.sqlite")
        print(
            "reads-during-writes: \(formatted(Double(self.historyInvoices))) invoices of history over "
                + "\(formatted(Double(self.historyWorkspaces))) workspaces, and \(formatted(Double(self.workspaces))) "
                + "workspaces × 10 services to bill, on SQLite")
        let today = CalendarDate(Date(), in: .indiaStandardTime)
        let (seed, seedSeconds) = try await Stopwatch.time { try await self.seed(seeded.path, today: today) }
        print("  seeded in \(formatted(seedSeconds, decimals: 1)) s")

        for readers in [self.sqliteReaders, 0] {
            // Each configuration bills the same periods, so each starts from a copy of the seed.
            let path = directory.appendingPathComponent("readers-\(readers).sqlite")
            try FileManager.default.copyItem(at: seeded, to: path)
            print(
                readers == 0
                    ? "  baseline, every statement on the one writer (billfold serve --sqlite-readers 0):"
                    : "  \(readers) read-only connections beside the writer (billfold serve --sqlite-readers \(readers)):"
            )
            try await self.measure(
                database: path.path, readers: readers, seed: seed, today: today, directory: directory)
        }
    }

    struct Seed {
        let listedWorkspace: WorkspaceID
        let listedInvoices: Int
        let ingestWorkspaces: [String]
    }

    /// The invoice-list benchmark's history, then the billing-run benchmark's workspaces, subscriptions and usage.
    func seed(_ path: String, today: CalendarDate) async throws -> Seed {
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .warning
        let history = try InvoiceListBenchmark.parse([
            "--invoices", String(self.historyInvoices), "--workspaces", String(self.historyWorkspaces),
        ])
        let billing = try BillingRunBenchmark.parse(["--workspaces", String(self.workspaces)])
        // No readers: the history's seed turns the journal off, which needs the file to itself.
        return try await Database.withOpen(.sqlite(path: path), logger: logger, sqliteReaders: 0) { database in
            try await Migrations.run(on: database)
            let seeded = try await history.seed(database, today: today)
            try await billing.seed(database)
            let position = self.historyWorkspaces / 2
            let ingestWorkspaces = try await database.sql.raw(
                "SELECT id FROM workspaces WHERE name LIKE 'Tenant %' ORDER BY id LIMIT 100"
            ).all(decodingColumn: "id", as: String.self)
            return Seed(
                listedWorkspace: seeded.workspaceIDs[position],
                listedInvoices: seeded.invoiceCount(ofWorkspaceAt: position, invoices: self.historyInvoices),
                ingestWorkspaces: ingestWorkspaces)
        }
    }

    /// Starts `billfold serve` on `database` with `readers`, times the list idle, then times it again while the
    /// server bills every seeded workspace and takes usage batches one after another.
    func measure(database: String, readers: Int, seed: Seed, today: CalendarDate, directory: URL) async throws {
        // No jobs of the server's own (dunning, payments, webhooks, and mail unless asked for): only the load the
        // benchmark makes.
        let server = try await BenchServer.start(
            database: database, apiKey: Self.apiKey,
            arguments: [
                "--sqlite-readers", String(readers), "--dunning-interval", "0", "--payment-jobs-interval", "0",
                "--webhook-interval", "0", "--mail-interval", String(self.mailInterval),
            ])
        defer { server.stop() }
        let client = try KeepAliveHTTPClient(baseURL: server.url)
        let lister = ListRequests(client: client, apiKey: Self.apiKey, workspace: seed.listedWorkspace)
        let variants = try lister.variants(expectedCount: seed.listedInvoices, today: today)
        let paths = variants.map(\.path)
        for path in paths { for _ in 0..<5 { _ = try lister.timedGet(path) } }
        let idle = try (0..<self.idleRequests).map { try lister.timedGet(paths[$0 % paths.count]) }
        print("    idle: list \(LatencySummary(idle)), \(idle.count) requests one at a time")

        let api = APIClient(baseURL: server.url, apiKey: Self.apiKey, directory: directory)
        let asOf = ISO8601DateFormatter().string(from: BillingRunBenchmark.asOf)
        let running = Running()
        let billing = Task {
            defer { running.finish() }
            return try await Stopwatch.time {
                try await api.post("/api/v1/billing_runs", json: #"{"as_of": "\#(asOf)"}"#)
            }
        }
        let (batchSize, ingestWorkspaces) = (self.batchSize, seed.ingestWorkspaces)
        let (batchInterval, listInterval) = (Duration.milliseconds(self.batchInterval), self.listInterval)
        let ingesting = Task {
            var records = 0
            var batch = 0
            let clock = ContinuousClock()
            while running.isOn {
                let next = clock.now + batchInterval
                let body = Self.usageBatch(batch, size: batchSize, workspaces: ingestWorkspaces)
                _ = try await api.post("/api/v1/usage", body: body)
                records += batchSize
                batch += 1
                // Wait for the next batch's time in short steps, so the stream stops soon after the run does.
                while running.isOn, clock.now < next { try await clock.sleep(for: .milliseconds(20)) }
            }
            return records
        }
        // One request at a time on a thread of its own (the client blocks), for as long as the run lasts.
        let (url, workspace) = (server.url, seed.listedWorkspace)
        let busy = try await onThread {
            let lister = ListRequests(
                client: try KeepAliveHTTPClient(baseURL: url), apiKey: Self.apiKey, workspace: workspace)
            var samples: [Double] = []
            var index = 0
            while running.isOn {
                let next = Date().addingTimeInterval(Double(listInterval) / 1000)
                samples.append(try lister.timedGet(paths[index % paths.count]))
                index += 1
                Thread.sleep(until: next)
            }
            return samples
        }
        let (body, runSeconds) = try await billing.value
        let records = try await ingesting.value
        let invoices = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["invoices"] as? [Any]
        guard invoices?.count == self.workspaces else {
            throw ValidationError("the billing run issued \(invoices?.count ?? 0) invoices, not \(self.workspaces)")
        }
        let summary = LatencySummary(busy)
        let verdict = summary.p99 < Self.busyTargetMilliseconds ? "met" : "MISSED"
        print(
            "    during the run: list \(summary), \(busy.count) requests one at a time, one every "
                + "\(self.listInterval) ms at most "
                + "(target p99 under \(formatted(Self.busyTargetMilliseconds)) ms: \(verdict))")
        print(
            "      billing run: \(formatted(Double(self.workspaces))) invoices in \(formatted(runSeconds, decimals: 2)) "
                + "s = \(formatted(Double(self.workspaces) / runSeconds)) invoices/s; ingest beside it, a batch of "
                + "\(formatted(Double(self.batchSize))) every \(self.batchInterval) ms at most: "
                + "\(formatted(Double(records))) records = \(formatted(Double(records) / runSeconds)) records/s"
                + InvoiceListBenchmark.loadNote())
    }

    /// A usage batch for yesterday, as `POST /usage` takes it.
    static func usageBatch(_ number: Int, size: Int, workspaces: [String]) -> Data {
        let day = CalendarDate(Date(), in: TimeZone(identifier: "UTC")!).adding(days: -1).description
        let records = (0..<size).map { index in
            let workspace = workspaces[index % workspaces.count]
            return
                #"{"event_id": "busy-\#(number)-\#(index)", "workspace_id": "\#(workspace)", "meter": "meter-\#(index % 10)", "resource_name": "r-\#(index % 7)", "quantity": "\#(index % 97).5", "started_at": "\#(day)T10:00:00Z", "ended_at": "\#(day)T10:59:59Z"}"#
        }
        return Data((#"{"records": ["# + records.joined(separator: ",") + "]}").utf8)
    }
}

/// Whether the billing run is still going; read by the list and ingest loops.
private final class Running: Sendable {
    private let state = Mutex(true)
    var isOn: Bool { self.state.withLock { $0 } }
    func finish() { self.state.withLock { $0 = false } }
}

/// Runs `body` on a new thread, so a blocking loop holds no task executor's thread.
private func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}
