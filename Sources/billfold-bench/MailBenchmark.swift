import ArgumentParser
import BillfoldCore
import BillfoldEngine
import BillfoldMail
import BillfoldStore
import ChildProcesses
import Foundation
import Logging

/// `billfold-bench mail`: invoices issued on a throwaway SQLite database, their mail composed from the event log and
/// delivered from the outbox to an SMTP server on loopback (Tests/Mail/smtp_server.py, aiosmtpd), in messages per
/// second from one process; beside it, in the same run, the same number of ready-made messages sent straight
/// through the SMTP transport, the baseline the outbox's work is measured against. Then the time from an invoice's
/// finalization to its mail being accepted, with the mail job polling as `serve` does.
struct MailBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Deliver N invoice mails (PDF attached) from the outbox to a loopback SMTP server; messages/second.")

    @Option(help: "Invoices issued, each one mail with its PDF.")
    var messages = 500

    @Option(help: "Messages sent at once by the one delivering process.")
    var concurrency = 4

    @Option(help: "Invoices whose finalization-to-acceptance time is measured, one after another.")
    var latencySamples = 10

    @Option(help: "Seconds between the mail job's passes while measuring that time (serve's default: 2).")
    var pollInterval = 2.0

    @Option(help: "An SMTP server to use instead of starting Tests/Mail/smtp_server.py, as smtp://host:port.")
    var smtpURL: String?

    func validate() throws {
        guard self.messages > 0, self.concurrency > 0, self.latencySamples >= 0, self.pollInterval > 0 else {
            throw ValidationError("--messages and --concurrency must be at least 1, --poll-interval above 0")
        }
    }

    func run() async throws {
        let directory = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server: (url: String, process: ChildProcess?, spool: URL?)
        if let url = self.smtpURL {
            server = (url, nil, nil)
        } else {
            server = try await Self.startServer(in: directory)
        }
        // Closing its standard input ends the server.
        defer { server.process?.closeStandardInput() }
        let transport = SMTPTransport(configuration: try SMTPConfiguration(url: server.url))
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .error
        let sender = MailAddress("billing@nimbus.example", displayName: "Nimbus Cloud")!

        try await Database.withOpen(.sqlite(path: directory.appendingPathComponent("mail.sqlite").path), logger: logger)
        {
            database in
            try await Migrations.run(on: database)
            let sample = try SampleInvoice.make()
            try await database.store.supplier.save(sample.supplier)
            try await database.store.workspaces.create(sample.workspace)
            let engine = Engine(database: database, clock: .system, gateway: nil, logger: logger)
            let delivery = MailDelivery(
                database: database, documents: engine.documents, transport: transport, sender: sender,
                clock: .system, concurrency: self.concurrency, logger: logger)
            print(
                "mail: \(self.messages) invoice mails with their PDF, \(self.concurrency) at once, one process, "
                    + "to \(server.url) (\(server.process == nil ? "given" : "aiosmtpd on loopback"))")

            // The baseline: ready-made messages straight through the transport, no database, no PDF to render.
            let ready = (0..<self.messages).map { index in
                MailMessage(
                    from: sender, to: [MailAddress("accounts@chailabs.example")!], subject: "Baseline \(index)",
                    text: "Hello.", html: "<p>Hello.</p>", attachments: [],
                    messageID: MailMessage.newMessageID(domain: "nimbus.example"), date: Date())
            }
            let (_, baseline) = try await Stopwatch.time {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var pending = ready[...]
                    for _ in 0..<self.concurrency {
                        guard let message = pending.popFirst() else { break }
                        group.addTask { try await transport.send(message) }
                    }
                    while try await group.next() != nil {
                        if let message = pending.popFirst() { group.addTask { try await transport.send(message) } }
                    }
                }
            }
            print("  baseline, transport only: \(formatted(Double(self.messages) / baseline, decimals: 1)) messages/s")

            for _ in 0..<self.messages {
                try await Self.issueInvoice(engine, workspace: sample.workspace)
            }
            let (composed, composing) = try await Stopwatch.time { try await engine.eventMail.run() }
            let (report, delivering) = try await Stopwatch.time { try await delivery.deliverDue() }
            guard report.sent == self.messages else {
                throw ValidationError("sent \(report.sent) of \(self.messages) (\(report))")
            }
            print(
                "  composed from \(composed) events: \(formatted(Double(self.messages) / composing, decimals: 1)) "
                    + "messages/s")
            print(
                "  delivered from the outbox, PDF rendered and attached: "
                    + "\(formatted(Double(self.messages) / delivering, decimals: 1)) messages/s, "
                    + "\(formatted(baseline / delivering * 100)) % of the baseline's rate")

            guard self.latencySamples > 0, let spool = server.spool else { return }
            try await self.measureLatency(engine: engine, delivery: delivery, sample: sample, spool: spool)
        }
    }

    /// Finalizes one invoice at a time while a mail job runs every `pollInterval` seconds, and times each until
    /// the SMTP server has written its message.
    func measureLatency(
        engine: Engine, delivery: MailDelivery, sample: SampleInvoice, spool: URL
    ) async throws {
        let job = Task {
            while !Task.isCancelled {
                _ = try? await engine.eventMail.run()
                _ = try? await delivery.deliverDue()
                try? await Task.sleep(for: .seconds(self.pollInterval))
            }
        }
        defer { job.cancel() }
        var seconds: [Double] = []
        for index in 0..<self.latencySamples {
            // Start at varying points of the job's cycle, as invoices do.
            try await Task.sleep(for: .milliseconds(137 * (index % 7)))
            let before = Self.received(in: spool)
            let (_, elapsed) = try await Stopwatch.time {
                try await Self.issueInvoice(engine, workspace: sample.workspace)
                while Self.received(in: spool) == before {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            seconds.append(elapsed)
        }
        seconds.sort()
        print(
            "  finalization to mail accepted, polling every \(formatted(self.pollInterval, decimals: 1)) s, "
                + "\(seconds.count) invoices: median \(formatted(seconds[seconds.count / 2], decimals: 2)) s, "
                + "min \(formatted(seconds[0], decimals: 2)) s, max \(formatted(seconds[seconds.count - 1], decimals: 2)) s"
        )
    }

    /// A draft of ten lines for `workspace`, finalized now: an `invoice.finalized` event.
    static func issueInvoice(_ engine: Engine, workspace: Workspace) async throws {
        let draft = try await engine.invoices.createDraft(
            kind: .invoice, workspaceID: workspace.id, subscriptionID: nil, periodStart: SampleInvoice.periodStart,
            periodEnd: SampleInvoice.periodEnd, description: "Growth - Monthly", lines: try SampleInvoice.lines())
        _ = try await engine.invoices.finalize(draft.id, actor: "bench")
    }

    /// How many messages the server has written so far.
    static func received(in spool: URL) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? []).filter { $0.hasSuffix(".eml") }
            .count
    }

    /// Starts Tests/Mail/smtp_server.py in plain mode on a free port; the package's root must be the working
    /// directory.
    static func startServer(in directory: URL) async throws -> (url: String, process: ChildProcess?, spool: URL?) {
        let script = URL(fileURLWithPath: "Tests/Mail/smtp_server.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw ValidationError("run from the package's root, where Tests/Mail/smtp_server.py is, or pass --smtp-url")
        }
        let python =
            ["/usr/bin/python3", "/usr/local/bin/python3"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            } ?? "python3"
        let spool = directory.appendingPathComponent("spool")
        let process = try ChildProcess(
            python,
            [
                script.path, "--mode", "plain", "--port", "0", "--spool", spool.path, "--certs",
                directory.appendingPathComponent("certs").path,
            ],
            standardInput: .pipe, standardOutput: .capture, standardError: .inherit)
        struct Ready: Decodable { let port: Int }
        guard let first = await process.firstLine(),
            let ready = try? JSONDecoder().decode(Ready.self, from: Data(first.utf8))
        else {
            process.kill()
            throw ValidationError(
                "the SMTP server did not start; it needs python3 with aiosmtpd and openssl "
                    + "(apt-get install python3-aiosmtpd openssl)")
        }
        return ("smtp://127.0.0.1:\(ready.port)", process, spool)
    }
}
