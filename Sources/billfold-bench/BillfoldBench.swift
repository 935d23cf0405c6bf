import ArgumentParser
import Foundation

/// Benchmarks of Billfold's hot paths; run them from a release build:
/// `swift run -c release billfold-bench billing-run`, `… ingest`, `… invoice-list`, `… pdf`, `… mail`, `… webhooks`
/// `… reads-during-writes`, `… zip`, `… statement` and, on PostgreSQL behind nginx, `… cluster` (`scripts/bench-cluster.sh`).
@main
struct BillfoldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billfold-bench",
        abstract: "Measure Billfold: billing runs, usage ingestion, the invoice list, PDFs and mail, on SQLite.",
        subcommands: [
            BillingRunBenchmark.self, IngestBenchmark.self, InvoiceListBenchmark.self, PDFBenchmark.self,
            MailBenchmark.self, WebhookBenchmark.self, ReadsDuringWritesBenchmark.self, ZIPBenchmark.self,
            StatementBenchmark.self, ClusterBenchmark.self,
        ])
}

/// Wall-clock timing for the figures printed.
enum Stopwatch {
    /// Runs `body` and returns its result and the seconds it took.
    static func time<Result>(_ body: () async throws -> Result) async rethrows -> (Result, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await body()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (result, seconds)
    }
}

/// Figures printed with thousands separators, so they read at a glance.
func formatted(_ value: Double, decimals: Int = 0) -> String {
    value.formatted(.number.precision(.fractionLength(decimals)).grouping(.automatic))
}

/// A throwaway directory for the benchmark's database, removed unless `--keep` is given.
func makeWorkDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billfold-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
