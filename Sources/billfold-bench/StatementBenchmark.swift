import ArgumentParser
import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Logging

/// `billfold-bench statement`: a workspace's account statement over a long history, its documents read one at a
/// time and then one per core, with the time and the peak memory of each; both must be the same PDF.
struct StatementBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement",
        abstract: "Print one workspace's statement of N invoices reading one at a time, then one per core.")

    @Option(help: "Invoices of the one workspace, over about two years, as invoice-list seeds them.")
    var invoices = 5_000

    @Option(help: "Times each configuration is measured, alternating between them; medians are reported.")
    var repeats = 3

    func validate() throws {
        guard self.invoices >= 1, self.repeats >= 1 else {
            throw ValidationError("--invoices and --repeats must be 1 or more")
        }
    }

    func run() async throws {
        let directory = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("statement.sqlite").path
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .warning
        let today = CalendarDate(Date(), in: .indiaStandardTime)
        let history = try await InvoiceListBenchmark.seedFile(
            path, invoices: self.invoices, workspaces: 1, today: today, logger: logger)
        var measured = TakenInTurn()
        print(
            "statement: one workspace with \(formatted(Double(self.invoices))) invoices on SQLite, from "
                + "\(history.firstIssueDate) to \(today), \(self.repeats) runs of each configuration taken in turn"
                + InvoiceListBenchmark.loadNote())
        try await Database.withOpen(.sqlite(path: path), logger: logger) { database in
            // A clock that stands still, so every run prints the same document to the byte.
            let now = Date()
            let documents = DocumentService(database: database, clock: BillingClock { now })
            var printed: [Int: [UInt8]] = [:]
            try await measured.measure(repeats: self.repeats) { concurrency in
                try await documents.statement(
                    of: history.workspaceIDs[0], from: history.firstIssueDate, to: today, concurrency: concurrency)
            } check: { concurrency, file in
                if let first = printed[concurrency], first != file.bytes {
                    throw ValidationError("two statements read \(concurrency) at a time differ")
                }
                printed[concurrency] = file.bytes
            }
            guard Set(printed.values).count == 1, let pdf = printed.values.first else {
                throw ValidationError("the statement read one at a time differs from the one read one per core")
            }
            for (concurrency, seconds, peak) in measured.spreads {
                print(
                    "  reading \(concurrency) at a time: median \(formatted(seconds.median, decimals: 3)) s "
                        + "(min \(formatted(seconds.min, decimals: 3)), max \(formatted(seconds.max, decimals: 3))); "
                        + "peak RSS median \(formatted(peak.median)) MiB (max \(formatted(peak.max)))")
            }
            print(
                "  the same PDF either way: \(formatted(Double(pdf.count) / 1024)) KiB, "
                    + "\(pdf.split(separator: Array("/Type /Page /Parent".utf8)).count - 1) pages")
            if let speedUp = measured.speedUp { print(speedUp) }
        }
    }
}
