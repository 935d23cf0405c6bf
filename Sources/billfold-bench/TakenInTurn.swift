import Foundation

/// The document benchmarks' measurement: one at a time, then one per core, `repeats` runs of each taken in turn,
/// with each run's seconds and peak resident memory (reset before each run).
struct TakenInTurn {
    struct Run {
        let seconds: Double
        let peakKiB: Int
    }

    /// `[1]`, and the core count beside it on a machine with more than one core.
    let configurations: [Int]
    /// Per configuration, its runs in order.
    private(set) var runs: [[Run]]

    init() {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        self.configurations = cores > 1 ? [1, cores] : [1]
        self.runs = Array(repeating: [], count: self.configurations.count)
    }

    /// Times `body` at each concurrency, `repeats` times in turn; `check` sees what each run made, untimed.
    mutating func measure<Made>(
        repeats: Int, _ body: (Int) async throws -> Made, check: (Int, Made) throws -> Void
    ) async throws {
        for _ in 0..<repeats {
            for (index, concurrency) in self.configurations.enumerated() {
                PeakMemory.reset()
                let (made, seconds) = try await Stopwatch.time { try await body(concurrency) }
                self.runs[index].append(Run(seconds: seconds, peakKiB: PeakMemory.residentKiB()))
                try check(concurrency, made)
            }
        }
    }

    /// Per configuration: its concurrency, the spread of its seconds and of its peak RSS in MiB.
    var spreads: [(concurrency: Int, seconds: PDFBenchmark.Spread, peakMiB: PDFBenchmark.Spread)] {
        zip(self.configurations, self.runs).map { concurrency, runs in
            (
                concurrency, PDFBenchmark.Spread(runs.map(\.seconds)),
                PDFBenchmark.Spread(runs.map { Double($0.peakKiB) / 1024 })
            )
        }
    }

    /// "N at a time against 1": how many times as fast each run at the core count went as the one-at-a-time run
    /// beside it; `nil` on one core.
    var speedUp: String? {
        guard self.configurations.count == 2 else { return nil }
        let ratios = PDFBenchmark.Spread(zip(self.runs[0], self.runs[1]).map { $0.seconds / $1.seconds })
        return "  \(self.configurations[1]) at a time against 1: median \(formatted(ratios.median, decimals: 2))× "
            + "(min \(formatted(ratios.min, decimals: 2))×, max \(formatted(ratios.max, decimals: 2))×)"
    }
}
