import ArgumentParser
import BillfoldCore
import BillfoldStore
import Foundation
import Logging
import SQLKit

/// `billfold-bench cluster`: Billfold scaled out on PostgreSQL. For each count of `billfold serve` processes on one
/// database behind nginx on loopback: usage ingested and invoices listed per second through nginx, and a billing run
/// started on every process at once, checked to have billed each subscription exactly once, with gapless numbers.
///
/// Each count starts from a copy of the same seeded database (`CREATE DATABASE … TEMPLATE`), so every count bills the
/// same periods. The CPU each part used (the Billfold processes, PostgreSQL, nginx and the rest) is read from
/// `/proc`, so the figures say what a process costs as well as how fast the whole went.
struct ClusterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "1, 2, 3 billfold serve processes on PostgreSQL behind nginx: ingest, list, one shared billing run.")

    @Option(
        help: ArgumentHelp(
            "A postgres:// URL of a throwaway server, where the benchmark creates and drops databases named "
                + "billfold_bench_cluster_* (default: $BILLFOLD_BENCH_POSTGRES_URL).",
            valueName: "url"))
    var postgres: String?

    @Option(help: "The counts of billfold serve processes to measure, comma-separated.")
    var processes = "1,2,3"

    @Option(help: "Workspaces the billing run bills, each with ten services of usage.")
    var workspaces = 100_000

    @Option(help: "Usage batches posted through nginx in the timed part of the ingest.")
    var ingestBatches = 40

    @Option(help: "Records per usage batch (the API takes up to 10,000).")
    var batchSize = 5_000

    @Option(help: "Usage batches in flight at once.")
    var ingestConnections = 6

    @Option(help: "Connections wrk keeps open in the list and /health runs.")
    var connections = 32

    @Option(help: "Seconds each wrk run lasts.")
    var duration = 10

    @Option(help: "The nginx to put in front (Debian: apt-get install nginx-light).")
    var nginx = "/usr/sbin/nginx"

    static let apiKey = "bf_bench_operator_key_0000000000000000000000"
    static let databasePrefix = "billfold_bench_cluster_"
    /// What the list runs ask for: the newest page of every workspace's invoices, as an operator's console would.
    static let listPath = "/api/v1/invoices?limit=20"

    var counts: [Int] {
        self.processes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        let counts = self.counts
        guard !counts.isEmpty, counts.count == self.processes.split(separator: ",").count,
            counts.allSatisfy({ (1...16).contains($0) })
        else {
            throw ValidationError("--processes takes counts from 1 to 16, comma-separated, such as 1,2,3")
        }
        guard self.workspaces >= 1, (1...10_000).contains(self.batchSize), self.ingestBatches >= 1,
            self.ingestConnections >= 1, self.connections >= 1, self.duration >= 1
        else {
            throw ValidationError(
                "--workspaces, --ingest-batches, --ingest-connections, --connections and --duration must be 1 or "
                    + "more, --batch-size 1 to 10,000")
        }
    }

    func run() async throws {
        let wrk = try Wrk.locate()
        guard FileManager.default.isExecutableFile(atPath: self.nginx) else {
            throw ValidationError("no nginx at \(self.nginx); install it (Debian: apt-get install -y nginx-light)")
        }
        guard let server = self.postgres ?? ProcessInfo.processInfo.environment["BILLFOLD_BENCH_POSTGRES_URL"],
            case .postgres = DatabaseLocation(server)
        else {
            throw ValidationError(
                "give a throwaway PostgreSQL: --postgres postgres://… or BILLFOLD_BENCH_POSTGRES_URL "
                    + "(scripts/bench-cluster.sh starts one)")
        }
        let directory = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .warning

        say(
            "cluster: billfold serve on PostgreSQL behind nginx, \(self.counts.map(String.init).joined(separator: ", ")) "
                + "processes; \(formatted(Double(self.workspaces))) workspaces × 10 services to bill; "
                + "\(ProcessInfo.processInfo.activeProcessorCount) cores shared by everything")
        let admin = try await Database.open(.postgres(url: server), logger: logger)
        do {
            let seedName = Self.databasePrefix + "seed"
            try await Self.recreate(seedName, on: admin)
            let ((ingestWorkspaces, version), seedSeconds) = try await Stopwatch.time {
                try await self.seed(Self.url(server, database: seedName), logger: logger)
            }
            say("  \(version); seeded in \(formatted(seedSeconds, decimals: 1)) s")

            var results: [Result] = []
            for count in self.counts {
                let name = Self.databasePrefix + String(count)
                try await Self.recreate(name, on: admin, template: seedName)
                say("  \(count) process\(count == 1 ? "" : "es") (a fresh copy of the seed, \(name)):")
                let result = try await self.measure(
                    count: count, database: Self.url(server, database: name), ingestWorkspaces: ingestWorkspaces,
                    wrk: wrk, admin: admin, directory: directory, logger: logger)
                results.append(result)
                try await admin.sql.raw("DROP DATABASE \(ident: name) WITH (FORCE)").run()
            }
            try await admin.sql.raw("DROP DATABASE \(ident: seedName) WITH (FORCE)").run()
            try await admin.close()
            self.printSummary(results)
        } catch {
            try? await admin.close()
            throw error
        }
    }

    /// `url` with its database name replaced by `database`.
    static func url(_ url: String, database: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + database
        return components.string!
    }

    /// Drops `name` if a run left it behind, then creates it empty or as a copy of `template`.
    static func recreate(_ name: String, on admin: Database, template: String? = nil) async throws {
        try await admin.sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
        if let template {
            try await admin.sql.raw("CREATE DATABASE \(ident: name) TEMPLATE \(ident: template)").run()
        } else {
            try await admin.sql.raw("CREATE DATABASE \(ident: name)").run()
        }
    }

    /// The billing-run benchmark's supplier, plan, meters, workspaces, subscriptions and October's usage; returns
    /// the hundred workspaces the ingest posts usage for, and the server's version.
    func seed(_ url: String, logger: Logger) async throws -> ([String], String) {
        let billing = try BillingRunBenchmark.parse(["--workspaces", String(self.workspaces)])
        return try await Database.withOpen(.postgres(url: url), logger: logger) { database in
            try await Migrations.run(on: database)
            try await billing.seed(database)
            try await database.sql.raw("VACUUM ANALYZE").run()
            let workspaces = try await database.sql.raw("SELECT id FROM workspaces ORDER BY id LIMIT 100")
                .all(decodingColumn: "id", as: String.self)
            let settings = try await database.sql.raw(
                """
                SELECT split_part(version(), ' (', 1) AS version, current_setting('fsync') AS fsync,
                    current_setting('synchronous_commit') AS synchronous_commit,
                    current_setting('shared_buffers') AS shared_buffers
                """
            ).first()
            let version = try ["version", "fsync", "synchronous_commit", "shared_buffers"].map { column in
                "\(column == "version" ? "" : column + " ")\(try settings?.decode(column: column, as: String.self) ?? "?")"
            }
            return (workspaces, version.joined(separator: ", "))
        }
    }

    /// What one count of processes did.
    struct Result {
        let processes: Int
        let ingest: Rate
        let billing: Rate
        let list: Rate
        let health: Rate
    }

    /// Work done in a time, and the CPU it cost.
    struct Rate {
        let units: Int
        let seconds: Double
        let cpu: CPUUse
        var perSecond: Double { Double(self.units) / self.seconds }
    }

    /// Starts `count` servers on `database` and nginx in front of them, then measures the ingest, the billing run
    /// and the list.
    func measure(
        count: Int, database: String, ingestWorkspaces: [String], wrk: Wrk, admin: Database, directory: URL,
        logger: Logger
    ) async throws -> Result {
        var servers: [BenchServer] = []
        defer { for server in servers { server.stop() } }
        // One after another: the first applies any migration and the bootstrap key before the others start.
        for index in 0..<count {
            servers.append(
                try await BenchServer.start(
                    database: database, apiKey: Self.apiKey,
                    arguments: [
                        "--dunning-interval", "0", "--payment-jobs-interval", "0", "--webhook-interval", "0",
                        "--mail-interval", "0",
                    ],
                    mailDirectory: directory.appendingPathComponent("mail-\(count)-\(index)")))
        }
        let proxy = try await NginxProxy.start(
            executable: self.nginx, upstreams: servers.map(\.url),
            directory: directory.appendingPathComponent("nginx-\(count)"))
        defer { proxy.stop() }
        let accounting = CPUAccounting(
            billfold: servers.map(\.process.processIdentifier), postmaster: await CPUAccounting.postmaster(of: admin),
            nginx: proxy.process.processIdentifier)
        say("    servers at \(servers.map(\.url).joined(separator: ", ")); nginx at \(proxy.url)")

        let ingest = try await self.ingest(
            through: proxy.url, count: count, workspaces: ingestWorkspaces, accounting: accounting,
            directory: directory)
        say(
            "    ingest through nginx: \(formatted(Double(ingest.units))) records in "
                + "\(formatted(ingest.seconds, decimals: 2)) s = \(formatted(ingest.perSecond)) records/s, "
                + "\(self.ingestConnections) batches of \(formatted(Double(self.batchSize))) in flight; "
                + "\(ingest.cpu.description(per: ingest.units, unit: "1,000 records", scale: 1000))")

        let billing = try await self.bill(
            on: servers, database: database, accounting: accounting, admin: admin, directory: directory,
            logger: logger)
        say(
            "      \(formatted(billing.perSecond)) invoices/s; "
                + billing.cpu.description(per: billing.units, unit: "1,000 invoices", scale: 1000))

        let api = APIClient(baseURL: proxy.url, apiKey: Self.apiKey, directory: directory)
        let page = try JSONSerialization.jsonObject(with: try await api.get(Self.listPath)) as? [String: Any]
        guard (page?["data"] as? [Any])?.count == min(20, self.workspaces) else {
            throw ValidationError("GET \(Self.listPath) did not answer a page of 20 invoices")
        }
        var rates: [Rate] = []
        for (path, headers) in [(Self.listPath, ["Authorization: Bearer \(Self.apiKey)"]), ("/health", [])] {
            let before = accounting.sample()
            let report = try await wrk.run(
                url: proxy.url + path, headers: headers, connections: self.connections, threads: 2,
                seconds: self.duration, directory: directory)
            let cpu = accounting.sample().since(before)
            guard report.errorResponses == 0, report.requests > 0 else {
                throw ValidationError("\(report.errorResponses) of \(report.requests) answers to \(path) were errors")
            }
            let rate = Rate(
                units: report.requests, seconds: Double(report.requests) / report.requestsPerSecond, cpu: cpu)
            say(
                "    GET \(path) through nginx, wrk -c \(self.connections): \(formatted(rate.perSecond)) requests/s"
                    + (report.p99Milliseconds.map { " (p99 \(formatted($0, decimals: 1)) ms)" } ?? "") + "; "
                    + cpu.description(per: rate.units, unit: "1,000 requests", scale: 1000))
            rates.append(rate)
        }
        say("    ratio, list to /health: \(formatted(rates[0].perSecond / rates[1].perSecond, decimals: 3))")
        return Result(processes: count, ingest: ingest, billing: billing, list: rates[0], health: rates[1])
    }

    /// Posts `--ingest-batches` batches of usage through nginx, after a batch per process to warm up.
    func ingest(
        through url: String, count: Int, workspaces: [String], accounting: CPUAccounting, directory: URL
    ) async throws -> Rate {
        var files: [URL] = []
        for number in 0..<(count + self.ingestBatches) {
            let file = directory.appendingPathComponent("usage-\(count)-\(number).json")
            try ReadsDuringWritesBenchmark.usageBatch(number, size: self.batchSize, workspaces: workspaces)
                .write(to: file)
            files.append(file)
        }
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        let api = APIClient(baseURL: url, apiKey: Self.apiKey, directory: directory)
        try await api.post("/api/v1/usage", bodyFiles: Array(files.prefix(count)), inFlight: count)
        let before = accounting.sample()
        let (_, seconds) = try await Stopwatch.time {
            try await api.post(
                "/api/v1/usage", bodyFiles: Array(files.dropFirst(count)), inFlight: self.ingestConnections)
        }
        return Rate(
            units: self.ingestBatches * self.batchSize, seconds: seconds, cpu: accounting.sample().since(before))
    }

    /// Starts the same billing run on every server at once, then checks in the database that every subscription
    /// was billed exactly once, under gapless numbers, and that the runs' answers name each invoice once.
    func bill(
        on servers: [BenchServer], database: String, accounting: CPUAccounting, admin: Database, directory: URL,
        logger: Logger
    ) async throws -> Rate {
        let asOf = ISO8601DateFormatter().string(from: BillingRunBenchmark.asOf)
        let waits = LockWaits(database: URLComponents(string: database)?.path.dropFirst().description ?? "")
        let sampling = Task { try await waits.sample(on: admin) }
        defer { sampling.cancel() }
        let before = accounting.sample()
        let (answers, seconds) = try await Stopwatch.time {
            try await withThrowingTaskGroup(of: (Int, RunAnswer).self) { group in
                for (index, server) in servers.enumerated() {
                    let api = APIClient(baseURL: server.url, apiKey: Self.apiKey, directory: directory)
                    group.addTask {
                        let body = try await api.post("/api/v1/billing_runs", json: #"{"as_of": "\#(asOf)"}"#)
                        return (index, try JSONDecoder().decode(RunAnswer.self, from: body))
                    }
                }
                var answers: [(Int, RunAnswer)] = []
                for try await answer in group { answers.append(answer) }
                return answers.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        let cpu = accounting.sample().since(before)
        sampling.cancel()
        let waited = try await sampling.value
        let shares = answers.map(\.invoices)
        let failures = answers.reduce(0) { $0 + $1.failures.count }
        let reported = shares.flatMap { $0 }
        let stored = try await Database.withOpen(.postgres(url: database), logger: logger) { database in
            try await database.sql.raw(
                """
                SELECT COUNT(*) AS invoices, COUNT(DISTINCT subscription_id) AS subscriptions,
                    COUNT(DISTINCT number) AS numbers,
                    (SELECT CAST(COALESCE(SUM(last_sequence), 0) AS BIGINT) FROM number_series WHERE kind = 'invoice') AS last_sequence,
                    (SELECT COUNT(*) FROM subscriptions
                        WHERE current_period_start = \(bind: BillingRunBenchmark.periodStart.adding(months: 1).description))
                        AS advanced
                FROM invoices WHERE kind = 'invoice'
                """
            ).first()
        }
        let figures = try ["invoices", "subscriptions", "numbers", "last_sequence", "advanced"].map { column in
            try stored?.decode(column: column, as: Int.self) ?? -1
        }
        guard failures == 0, reported.count == self.workspaces, Set(reported).count == self.workspaces,
            figures.allSatisfy({ $0 == self.workspaces })
        else {
            throw ValidationError(
                "the billing runs did not bill each subscription exactly once: \(failures) failures, "
                    + "\(reported.count) invoices answered (\(Set(reported).count) distinct); stored invoices, "
                    + "subscriptions billed, numbers, last sequence, subscriptions moved on: "
                    + figures.map(String.init).joined(separator: ", ") + "; each should be \(self.workspaces)")
        }
        say(
            "    billing run started on every process at once: \(formatted(Double(self.workspaces))) invoices in "
                + "\(formatted(seconds, decimals: 2)) s, shared "
                + shares.map { formatted(Double($0.count)) }.joined(separator: " / ")
                + "; checked: each subscription billed once, numbers 1 to \(formatted(Double(self.workspaces))) "
                + "without a gap or a repeat, every subscription moved on")
        say(
            "      sampled every \(LockWaits.interval) in pg_stat_activity, the connections of \(servers.count) "
                + "process\(servers.count == 1 ? "" : "es"): \(waited.description)")
        return Rate(units: self.workspaces, seconds: seconds, cpu: cpu)
    }

    /// What `POST /billing_runs` answers, as far as the checks need it.
    struct RunAnswer: Decodable, Sendable {
        struct Failure: Decodable, Sendable {
            let message: String
        }
        let invoices: [String]
        let failures: [Failure]
    }

    /// A table of every count, each rate also per process against one process, and what the CPU figures predict.
    func printSummary(_ results: [Result]) {
        guard let first = results.first else { return }
        let single = results.first { $0.processes == 1 }
        say("  summary (per-process efficiency: the rate over processes × the one-process rate):")
        say("    processes  ingest records/s  billing invoices/s  list requests/s  /health requests/s")
        func cell(_ rate: Rate, _ base: Rate?, processes: Int, width: Int) -> String {
            var text = formatted(rate.perSecond)
            if let base, processes > 1 {
                text += " (\(formatted(100 * rate.perSecond / (Double(processes) * base.perSecond)))%)"
            }
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        for result in results {
            say(
                "    " + String(repeating: " ", count: 9 - String(result.processes).count) + String(result.processes)
                    + cell(result.ingest, single?.ingest, processes: result.processes, width: 18)
                    + cell(result.billing, single?.billing, processes: result.processes, width: 20)
                    + cell(result.list, single?.list, processes: result.processes, width: 17)
                    + cell(result.health, single?.health, processes: result.processes, width: 20))
        }
        // What one core of each part does, from the run with the most processes: Billfold's own cost per unit is
        // what each added machine brings; PostgreSQL's is where adding them stops helping.
        let last = results.last ?? first
        say("  prediction for processes on machines of their own, from the \(last.processes)-process run's CPU:")
        for (name, rate, unit) in [
            ("ingest", last.ingest, "records/s"), ("billing run", last.billing, "invoices/s"),
            ("list", last.list, "requests/s"),
        ] {
            say("    \(name): " + rate.cpu.capacity(units: rate.units, unit: unit))
        }
        say(
            "    the billing run also waits for the invoice number counter, which each batch holds from taking its "
                + "numbers to its commit; the lock waits above say how much of the run that part is")
    }
}

/// Prints `line` and flushes it, so that each figure shows as soon as it is measured, also in a file or a pipe:
/// the whole run takes a while.
private func say(_ line: String) {
    print(line)
    fflush(nil)
}

/// How many of the benchmark database's connections run a statement, and which statements wait for a lock, sampled
/// from `pg_stat_activity` until cancelled: where a billing run spread over processes waits for one another.
struct LockWaits: Sendable {
    let database: String
    static let interval = Duration.milliseconds(100)

    /// Averages over the samples.
    struct Averages {
        var active = 0.0
        /// By the first words of the statement that waits.
        var waiting: [String: Double] = [:]
        var samples = 0

        var description: String {
            let total = self.waiting.values.reduce(0, +)
            let statements = self.waiting.sorted { $0.value > $1.value }.prefix(4)
                .map { "\(formatted($0.value, decimals: 2)) at \($0.key) …" }
            return "on average \(formatted(self.active, decimals: 2)) running a statement, "
                + "\(formatted(total, decimals: 2)) of them waiting for a lock"
                + (statements.isEmpty ? "" : " (" + statements.joined(separator: ", ") + ")")
                + "; \(self.samples) samples"
        }
    }

    func sample(on admin: Database) async throws -> Averages {
        var totals = Averages()
        while !Task.isCancelled {
            let rows: [any SQLRow]
            do {
                rows = try await admin.sql.raw(
                    """
                    SELECT CASE WHEN wait_event_type = 'Lock'
                            THEN substr(regexp_replace(query, '\\s+', ' ', 'g'), 1, 32) END AS statement,
                        COUNT(*) AS connections
                    FROM pg_stat_activity WHERE datname = \(bind: self.database) AND state = 'active'
                    GROUP BY 1
                    """
                ).all()
            } catch  where Task.isCancelled {
                // Cancelled as the run ended, in the middle of a sample: the samples so far are the figure.
                break
            }
            for row in rows {
                let connections = Double(try row.decode(column: "connections", as: Int.self))
                totals.active += connections
                if let statement = try row.decode(column: "statement", as: String?.self) {
                    totals.waiting[statement, default: 0] += connections
                }
            }
            totals.samples += 1
            try? await Task.sleep(for: Self.interval)
        }
        let count = Double(max(1, totals.samples))
        return Averages(
            active: totals.active / count, waiting: totals.waiting.mapValues { $0 / count }, samples: totals.samples)
    }
}
