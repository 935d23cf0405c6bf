import ArgumentParser
import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Logging
import SQLKit

/// `billfold-bench zip`: the ZIP download of many invoices, rendered one at a time and then on every core, with the
/// time and the peak memory of each.
struct ZIPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zip",
        abstract:
            "Write a ZIP of N invoices' PDFs rendering one at a time, then on every core; report time and peak RSS.")

    @Option(help: "Invoices to seed and put in the archive.")
    var invoices = 10_000

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
        let path = directory.appendingPathComponent("zip.sqlite").path
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .warning
        let today = CalendarDate(Date(), in: .indiaStandardTime)
        _ = try await InvoiceListBenchmark.seedFile(
            path, invoices: self.invoices, workspaces: max(1, self.invoices / 100), today: today, logger: logger)
        var measured = TakenInTurn()
        print(
            "zip: \(formatted(Double(self.invoices))) invoices on SQLite, \(self.repeats) runs of each configuration "
                + "taken in turn\(InvoiceListBenchmark.loadNote())")
        try await Database.withOpen(.sqlite(path: path), logger: logger) { database in
            let ids = try await database.sql.raw("SELECT id FROM invoices ORDER BY sort_date, id").all().map {
                InvoiceID(rawValue: try $0.decode(column: "id", as: String.self))
            }
            let documents = DocumentService(database: database, clock: BillingClock { Date() })
            var archiveBytes = 0
            try await measured.measure(repeats: self.repeats) { concurrency in
                var sink = ArchiveSink()
                try await documents.writeArchive(of: ids, concurrency: concurrency) { sink.take($0) }
                return sink
            } check: { _, sink in
                guard sink.entries == ids.count else {
                    throw ValidationError("the archive holds \(sink.entries) documents, not \(ids.count)")
                }
                archiveBytes = sink.bytes
            }
            for (concurrency, seconds, peak) in measured.spreads {
                print(
                    "  rendering \(concurrency) at a time: median \(formatted(seconds.median, decimals: 2)) s "
                        + "(min \(formatted(seconds.min, decimals: 2)), max \(formatted(seconds.max, decimals: 2))) = "
                        + "\(formatted(Double(ids.count) / seconds.median)) PDFs/s; "
                        + "\(formatted(Double(archiveBytes) / 1_048_576, decimals: 1)) MiB archive; "
                        + "peak RSS median \(formatted(peak.median)) MiB (max \(formatted(peak.max)))")
            }
            if let speedUp = measured.speedUp { print(speedUp) }
        }
    }

    /// What a download's client would receive, counted rather than kept; the end record says how many files.
    struct ArchiveSink {
        var bytes = 0
        var last: [UInt8] = []

        mutating func take(_ chunk: ArraySlice<UInt8>) {
            self.bytes += chunk.count
            self.last = Array(chunk)
        }

        /// The entry count of the end-of-central-directory record that ends the archive, or -1 without one.
        var entries: Int {
            guard self.last.count >= 22 else { return -1 }
            let end = self.last.suffix(22)
            let start = end.startIndex
            guard Array(end.prefix(4)) == [0x50, 0x4B, 0x05, 0x06] else { return -1 }
            return Int(end[start + 10]) | Int(end[start + 11]) << 8
        }
    }
}

/// This process's peak resident memory, which Linux lets a process set back to its current size.
enum PeakMemory {
    /// Starts a new peak from here (writing 5 to `/proc/self/clear_refs`).
    static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// `VmHWM` of `/proc/self/status`, in KiB; 0 where it cannot be read.
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
