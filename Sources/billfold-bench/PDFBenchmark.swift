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

        var oneWorkerRate: Double?
        for workers in self.workers.map({ [$0] }) ?? [1, 2] {
            let cpuBefore = Self.processCPUSeconds()
            let seconds = try await Self.measure(invoice, fonts: fontSet, count: self.count, workers: workers)
            let busyCores = (Self.processCPUSeconds() - cpuBefore) / seconds
            let rate = Double(self.count) / seconds
            var line =
                "  \(workers) \(workers == 1 ? "worker: " : "workers:") \(formatted(Double(self.count))) PDFs in "
                + "\(formatted(seconds, decimals: 3)) s = \(formatted(rate)) PDFs/s"
            if let oneWorkerRate, workers > 1 { line += " (\(formatted(rate / oneWorkerRate, decimals: 2))× one)" }
            // On a shared machine the cores may be busy elsewhere; this says how many the run really had.
            print(line + ", \(formatted(busyCores, decimals: 2)) cores busy")
            if workers == 1 { oneWorkerRate = rate }
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
