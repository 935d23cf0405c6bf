import ArgumentParser
import BillfoldCore
import BillfoldDocuments
import Foundation

/// `billfold-bench pdf`: a one-page tax invoice with ten lines rendered to PDF many times, on one thread and then on
/// two at once, in PDFs per second.
struct PDFBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdf",
        abstract: "Render a one-page, ten-line tax invoice to PDF N times; report PDFs per second on 1 and 2 cores.")

    enum Fonts: String, ExpressibleByArgument, CaseIterable {
        /// DejaVu Sans, subset and embedded: what Billfold prints with when the font is installed.
        case dejavu
        /// The standard Helvetica, nothing embedded.
        case helvetica
    }

    @Option(help: "PDFs to render in each measured run, shared among the workers.")
    var count = 10_000

    @Option(help: "Fonts to set the invoice in: dejavu (embedded subset) or helvetica (not embedded).")
    var fonts = Fonts.dejavu

    @Option(help: "Threads rendering at once, each with its own renderer (default: one run with 1, then one with 2).")
    var workers: Int?

    @Option(help: "Times each configuration is measured, alternating between them; medians are reported.")
    var repeats = 5

    @Option(help: "Save one rendered PDF of the sample invoice here.")
    var write: String?

    @Option(
        help: ArgumentHelp(
            "Save the sample invoice's print view (GET /portal/invoices/{id}/print) here, stylesheet inlined.",
            discussion: "Stores the invoice in a throwaway SQLite database and asks the billfold built next to "
                + "billfold-bench to serve it."))
    var html: String?

    @Option(help: "Save the sample invoice as GET /api/v1/invoices/{id} answers it here (served as for --html).")
    var json: String?

    func validate() throws {
        guard self.count > 0 else { throw ValidationError("--count must be at least 1") }
        guard self.repeats > 0 else { throw ValidationError("--repeats must be at least 1") }
        if let workers = self.workers, !(1...self.count).contains(workers) {
            throw ValidationError("--workers must be between 1 and --count")
        }
    }

    func run() async throws {
        let sample = try SampleInvoice.make()
        let fontSet: FontSet
        switch self.fonts {
        case .dejavu:
            fontSet = .discovered()
            guard fontSet.embedsTrueType else {
                throw ValidationError(
                    "DejaVu Sans is not installed (/usr/share/fonts/truetype/dejavu); "
                        + "install fonts-dejavu-core or pass --fonts helvetica")
            }
        case .helvetica:
            fontSet = .standard
        }
        let pdf = try DocumentRenderer(fonts: fontSet).invoicePDF(sample.invoice)
        let pages = Self.pageCount(of: pdf)
        guard pages == 1 else { throw ValidationError("the sample invoice took \(pages) pages, not one") }
        if let write = self.write {
            try Data(pdf).write(to: URL(fileURLWithPath: write))
        }
        if self.html != nil || self.json != nil {
            try await sample.savePrintView(html: self.html, json: self.json, renderedAs: pdf, fonts: fontSet)
        }

        let invoice = sample.invoice
        let fontName = self.fonts == .dejavu ? "DejaVu Sans, subset and embedded" : "Helvetica, not embedded"
        print(
            "pdf: tax invoice \(invoice.number ?? "") (\(invoice.id)) for \(invoice.customer.name), "
                + "\(invoice.lines.count) lines, \(invoice.state.rawValue); \(fontName)")
        print("  size: \(formatted(Double(pdf.count))) bytes, \(pages) page")
        for path in [self.write, self.html, self.json].compactMap({ $0 }) { print("  wrote \(path)") }

        let configurations = self.workers.map { [$0] } ?? [1, 2]
        print(
            "  \(self.repeats) runs of each configuration, taken in turn\(InvoiceListBenchmark.loadNote()); "
                + "\"others\" is the CPU the rest of the machine used meanwhile, in cores")
        var runs = [[Run]](repeating: [], count: configurations.count)
        for _ in 0..<self.repeats {
            for (index, workers) in configurations.enumerated() {
                let before = CPUSample.now()
                let seconds = try await Self.measure(invoice, fonts: fontSet, count: self.count, workers: workers)
                let after = CPUSample.now()
                runs[index].append(
                    Run(
                        rate: Double(self.count) / seconds,
                        busyCores: (after.process - before.process) / seconds,
                        otherCores: max(0, (after.machineBusy - before.machineBusy) - (after.process - before.process))
                            / seconds))
            }
        }
        for (workers, measured) in zip(configurations, runs) {
            let rates = Spread(measured.map(\.rate))
            print(
                "  \(workers) \(workers == 1 ? "worker: " : "workers:") \(formatted(Double(self.count))) PDFs a run, "
                    + "median \(formatted(rates.median)) PDFs/s (min \(formatted(rates.min)), max \(formatted(rates.max))); "
                    + "cores busy median \(formatted(Spread(measured.map(\.busyCores)).median, decimals: 2)), "
                    + "others median \(formatted(Spread(measured.map(\.otherCores)).median, decimals: 2)) "
                    + "(max \(formatted(Spread(measured.map(\.otherCores)).max, decimals: 2)))")
        }
        if let one = configurations.firstIndex(of: 1) {
            for (index, workers) in configurations.enumerated() where workers > 1 {
                // Each run against the one-worker run beside it, so a drift in the machine's speed cancels out.
                let ratios = Spread(zip(runs[index], runs[one]).map { $0.rate / $1.rate })
                print(
                    "  \(workers) workers against 1: median \(formatted(ratios.median, decimals: 2))× "
                        + "(min \(formatted(ratios.min, decimals: 2))×, max \(formatted(ratios.max, decimals: 2))×)")
            }
        }
    }

    /// One measured run.
    struct Run {
        let rate: Double
        /// This process's CPU seconds a second of the run.
        let busyCores: Double
        /// Everything else's CPU seconds a second of the run, from the machine's counters.
        let otherCores: Double
    }

    /// Median, least and greatest of some figures.
    struct Spread {
        let median: Double
        let min: Double
        let max: Double

        init(_ values: [Double]) {
            let sorted = values.sorted()
            let middle = sorted.count / 2
            self.median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            self.min = sorted.first ?? 0
            self.max = sorted.last ?? 0
        }
    }

    /// CPU seconds used so far: by this process, and by the whole machine (from `/proc/stat`; 0 where it is missing).
    struct CPUSample {
        let process: Double
        let machineBusy: Double

        static func now() -> CPUSample {
            CPUSample(
                process: PDFBenchmark.processCPUSeconds(),
                machineBusy: Double(CPUAccounting.machineBusyTicks()) / CPUAccounting.ticksPerSecond)
        }
    }

    /// Renders `count` copies of `invoice` split among `workers` threads started together, each with its own
    /// renderer; returns the seconds until the last one finished.
    static func measure(_ invoice: Invoice, fonts: FontSet, count: Int, workers: Int) async throws -> Double {
        let shares = (0..<workers).map { count / workers + ($0 < count % workers ? 1 : 0) }
        let (bytes, seconds) = try await Stopwatch.time {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for share in shares {
                    group.addTask {
                        try await Self.onOwnThread {
                            let renderer = DocumentRenderer(fonts: fonts)
                            var bytes = 0
                            for _ in 0..<share { bytes &+= try renderer.invoicePDF(invoice).count }
                            return bytes
                        }
                    }
                }
                return try await group.reduce(0, &+)
            }
        }
        // Using the sizes keeps the renders from being optimized away, and checks each was the whole document.
        guard bytes > 0 else { throw ValidationError("the renders produced no bytes") }
        return seconds
    }

    /// Runs `body` on a new thread of its own rather than on the shared pool of the concurrency runtime.
    static func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// The CPU time this process has used so far, over all its threads.
    static func processCPUSeconds() -> Double {
        Double(clock()) / Double(CLOCKS_PER_SEC)
    }

    /// The page count the PDF's page tree declares (`/Type /Pages /Count N`), or 0 when it has none.
    static func pageCount(of pdf: [UInt8]) -> Int {
        let text = String(decoding: pdf, as: UTF8.self)
        guard let marker = text.range(of: "/Type /Pages /Count ") else { return 0 }
        return Int(String(text[marker.upperBound...].prefix { $0.isNumber })) ?? 0
    }
}
