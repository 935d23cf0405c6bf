import ArgumentParser
import BillfoldCore
import BillfoldStore
import Foundation
import Logging

/// `billfold-bench invoice-list`: the billing history's list endpoint over a large SQLite file, served by
/// `billfold serve`: latency of filtered and searched calls for one workspace, and requests per second next to
/// `/health`.
struct InvoiceListBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice-list",
        abstract: "Seed N invoices on SQLite; report list latency for one workspace and list/health requests/s.")

    @Option(help: "Invoices to seed, finalized, over about two years.")
    var invoices = 1_000_000

    @Option(help: "Workspaces the invoices are dealt over, round robin.")
    var workspaces = 10_000

    @Option(help: "List requests to time, one at a time over one keep-alive connection.")
    var requests = 2_000

    @Option(help: "Connections wrk keeps open in the throughput runs.")
    var connections = 32

    @Option(help: "Seconds each wrk run lasts.")
    var duration = 10

    @Flag(help: "Keep the SQLite file afterwards and print its path.")
    var keep = false

    static let apiKey = "bf_bench_operator_key_0000000000000000000000"
    /// The p99 the issue asks of a filtered list call.
    static let latencyTargetMilliseconds = 10.0

    func validate() throws {
        guard self.workspaces >= 1, self.invoices >= self.workspaces else {
            throw ValidationError("seed at least one workspace and at least one invoice per workspace")
        }
        guard self.requests >= 1, self.connections >= 1, self.duration >= 1 else {
            throw ValidationError("--requests, --connections and --duration must be 1 or more")
        }
    }

    func run() async throws {
        // Before the seed, which takes a while: without wrk half the figures cannot be had.
        let wrk = try Wrk.locate()
        let directory = try makeWorkDirectory()
        defer { if !self.keep { try? FileManager.default.removeItem(at: directory) } }
        let path = directory.appendingPathComponent("invoices.sqlite").path
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .warning
        print(
            "invoice-list: \(formatted(Double(self.invoices))) invoices over \(formatted(Double(self.workspaces))) "
                + "workspaces on SQLite")
        let today = CalendarDate(Date(), in: .indiaStandardTime)
        let (history, seedSeconds) = try await Stopwatch.time {
            // No readers: the seed turns the journal off, which needs the file to itself.
            try await Database.withOpen(.sqlite(path: path), logger: logger, sqliteReaders: 0) { database in
                try await Migrations.run(on: database)
                return try await self.seed(database, today: today)
            }
        }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        print(
            "  seeded in \(formatted(seedSeconds, decimals: 1)) s (the invoices' INSERT … SELECT "
                + "\(formatted(history.invoiceSeconds, decimals: 1)) s); \(formatted(Double(history.lines))) lines, "
                + "\(formatted(Double(history.taxRows))) tax rows, \(formatted(Double(history.payments))) payments; "
                + "issued \(history.firstIssueDate) to \(history.today); "
                + "\(formatted(Double(size) / 1_048_576)) MiB")

        // No jobs of the server's own (billing, dunning over the seeded history, mail, payments, webhooks):
        // the list and /health are measured alone.
        let server = try await BenchServer.start(
            database: path, apiKey: Self.apiKey,
            arguments: [
                "--billing-interval", "0", "--dunning-interval", "0", "--payment-jobs-interval", "0",
                "--webhook-interval", "0", "--mail-interval", "0",
            ])
        defer { server.stop() }
        let position = self.workspaces / 2
        let workspace = history.workspaceIDs[position]
        let expectedCount = history.invoiceCount(ofWorkspaceAt: position, invoices: self.invoices)
        print("  billfold serve at \(server.url); measured workspace \(workspace) has \(expectedCount) invoices")

        let client = try KeepAliveHTTPClient(baseURL: server.url)
        let lister = ListRequests(client: client, apiKey: Self.apiKey, workspace: workspace)
        let variants = try lister.variants(expectedCount: expectedCount, today: history.today)
        let documents = try lister.checkDocuments()
        print(
            "  checked: \(variants.count) list variants answer 200 with only the rows their filters keep; "
                + "\(documents) documents in full match their list rows")

        try self.measureLatency(lister, variants: variants)
        guard let documentID = lister.listing.first.flatMap({ ListRequests.text($0, "id") }) else {
            throw ValidationError("the measured workspace's list is empty")
        }
        try await self.measureThroughput(
            wrk, server: server, listPath: variants[0].path, detailPath: "/api/v1/invoices/\(documentID)",
            directory: directory)
        if self.keep { print("  database kept at \(path)") }
    }

    /// One request at a time over one connection, cycling through the variants after a warm-up round.
    func measureLatency(_ lister: ListRequests, variants: [ListRequests.Variant]) throws {
        for variant in variants {
            for _ in 0..<5 { _ = try lister.timedGet(variant.path) }
        }
        var samples = [[Double]](repeating: [], count: variants.count)
        for request in 0..<self.requests {
            let index = request % variants.count
            samples[index].append(try lister.timedGet(variants[index].path))
        }
        let all = samples.flatMap { $0 }
        let overall = LatencySummary(all)
        let verdict = overall.p99 < Self.latencyTargetMilliseconds ? "met" : "MISSED"
        print(
            "  latency, \(formatted(Double(all.count))) requests one at a time over one keep-alive connection "
                + "(a socket client inside billfold-bench), cycling \(variants.count) variants\(Self.loadNote()):")
        print(
            "    all: \(overall) (target p99 under \(formatted(Self.latencyTargetMilliseconds)) ms: \(verdict))")
        let width = variants.map(\.name.count).max() ?? 0
        for (variant, times) in zip(variants, samples) {
            let name = variant.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("    \(name)  \(LatencySummary(times)), \(times.count) requests")
        }
    }

    /// wrk against the filtered list of one workspace, one of its documents in full, and `/health` on the same
    /// server.
    func measureThroughput(_ wrk: Wrk, server: BenchServer, listPath: String, detailPath: String, directory: URL)
        async throws
    {
        let threads = min(2, self.connections)
        print("  throughput, wrk -t \(threads) -c \(self.connections) -d \(self.duration)s\(Self.loadNote()):")
        var rates: [Double] = []
        var costs: [Double?] = []
        for (name, path, headers) in [
            ("list", listPath, ["Authorization: Bearer \(Self.apiKey)"]),
            ("detail", detailPath, ["Authorization: Bearer \(Self.apiKey)"]), ("health", "/health", []),
        ] {
            let ticksBefore = CPUAccounting.process(server.process.processIdentifier)?.ticks
            let report = try await wrk.run(
                url: server.url + path, headers: headers, connections: self.connections, threads: threads,
                seconds: self.duration, directory: directory)
            let ticksAfter = CPUAccounting.process(server.process.processIdentifier)?.ticks
            guard report.errorResponses == 0 else {
                throw ValidationError("\(report.errorResponses) of \(report.requests) answers to \(path) were errors")
            }
            let latency = [("p50", report.p50Milliseconds), ("p99", report.p99Milliseconds)]
                .compactMap { label, value in value.map { "\(label) \(formatted($0, decimals: 2)) ms" } }
                .joined(separator: ", ")
            // The server's own CPU time for each answer: what a call costs it, whatever else used the machine.
            let cpu: Double? =
                if let before = ticksBefore, let after = ticksAfter {
                    Double(after - before) / CPUAccounting.ticksPerSecond / Double(max(1, report.requests)) * 1e6
                } else {
                    nil
                }
            print(
                "    \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) GET \(path): "
                    + "\(formatted(report.requestsPerSecond)) requests/s (\(formatted(Double(report.requests))) "
                    + "in \(self.duration) s; \(latency)"
                    + (cpu.map { "; server CPU \(formatted($0)) µs a request" } ?? "") + ")"
                    + (report.socketErrors.map { "; \($0)" } ?? ""))
            rates.append(report.requestsPerSecond)
            costs.append(cpu)
        }
        print(
            "    ratio to health: list \(formatted(rates[0] / rates[2], decimals: 3)), "
                + "detail \(formatted(rates[1] / rates[2], decimals: 3))")
        if let list = costs[0], let detail = costs[1], let health = costs[2] {
            print(
                "    server CPU a request, health's over each: list \(formatted(health / list, decimals: 3)), "
                    + "detail \(formatted(health / detail, decimals: 3))")
        }
    }

    /// The machine's one-minute load average, so that figures taken on a busy machine say so.
    static func loadNote() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first
        else { return "" }
        return " (load average \(first) on \(ProcessInfo.processInfo.activeProcessorCount) cores)"
    }
}

/// p50, p99 and max of a set of timings in milliseconds, by nearest rank.
struct LatencySummary: CustomStringConvertible {
    let p50: Double
    let p99: Double
    let max: Double

    init(_ milliseconds: [Double]) {
        let sorted = milliseconds.sorted()
        func rank(_ percent: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            let index = Int((percent / 100 * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        self.p50 = rank(50)
        self.p99 = rank(99)
        self.max = sorted.last ?? .nan
    }

    var description: String {
        "p50 \(formatted(self.p50, decimals: 2)) ms, p99 \(formatted(self.p99, decimals: 2)) ms, "
            + "max \(formatted(self.max, decimals: 2)) ms"
    }
}
