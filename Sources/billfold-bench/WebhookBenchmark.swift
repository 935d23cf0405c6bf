import ArgumentParser
import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldWebhooks
import ChildProcesses
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SQLKit
import Synchronization

/// `billfold-bench webhooks`: events recorded on a fresh database, then sent to two endpoints on a loopback receiver
/// by `billfold send-webhooks`, one process on SQLite and one and two processes on PostgreSQL (with
/// `--postgres`), in deliveries per second. The receiver, in this process, verifies every signature and counts
/// each (event, endpoint) once. Beside it, in the same run, the baseline: as many signed requests posted straight
/// through the HTTP transport, with no database, the ceiling the delivery's bookkeeping is measured against.
struct WebhookBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Deliver N events to two loopback endpoints with billfold send-webhooks; deliveries/second.")

    @Option(help: "Events recorded; each goes to every endpoint.")
    var events = 5_000

    @Option(help: "Endpoints on the receiver.")
    var endpoints = 2

    @Option(help: "Requests in flight per process.")
    var concurrency = 16

    @Option(help: "A PostgreSQL server (postgres://user@host:port/db) to measure one and two processes on.")
    var postgres: String?

    func validate() throws {
        guard self.events > 0, self.endpoints > 0, self.concurrency > 0 else {
            throw ValidationError("--events, --endpoints and --concurrency must be at least 1")
        }
    }

    func run() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("billfold")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ValidationError("no billfold next to billfold-bench; build both: swift build -c release")
        }
        let directory = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = try await LoopbackReceiver.start()
        let deliveries = self.events * self.endpoints
        print(
            "webhooks: \(self.events) events to \(self.endpoints) endpoints (\(deliveries) deliveries), "
                + "\(self.concurrency) in flight per process, receiver on 127.0.0.1:\(receiver.port) verifying each")

        // The baseline: signed requests straight through the transport, no database.
        let secret = WebhookSecret.generate()
        receiver.reset(secrets: [secret])
        let transport = HTTPWebhookTransport(
            policy: WebhookAddressPolicy(allowsInsecure: true), connectionsPerHost: self.concurrency)
        let body = Array(#"{"type":"invoice.paid","timestamp":"2026-12-06T00:00:00Z","data":{}}"#.utf8)
        let (_, baseline) = try await Stopwatch.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func add() {
                    let index = next
                    next += 1
                    group.addTask {
                        let id = "evt_baseline\(index)"
                        let timestamp = Int64(Date().timeIntervalSince1970)
                        _ = try await transport.post(
                            WebhookRequest(
                                url: "http://127.0.0.1:\(receiver.port)/hooks/baseline",
                                headers: [
                                    ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                                    (
                                        "webhook-signature",
                                        WebhookSignature.header(
                                            id: id, timestamp: timestamp, body: body, secrets: [secret])
                                    ),
                                ], body: body))
                    }
                }
                for _ in 0..<min(self.concurrency, deliveries) { add() }
                while try await group.next() != nil {
                    if next < deliveries { add() }
                }
            }
        }
        try await transport.shutdown()
        try receiver.check(expected: deliveries, label: "baseline")
        print("  baseline, transport only:      \(formatted(Double(deliveries) / baseline)) requests/s")

        var runs: [(label: String, location: DatabaseLocation, processes: Int)] = [
            ("SQLite, 1 process", .sqlite(path: directory.appendingPathComponent("webhooks.sqlite").path), 1)
        ]
        if let postgres = self.postgres {
            for processes in [1, 2] {
                runs.append(
                    (
                        "PostgreSQL, \(processes) process\(processes == 1 ? "" : "es")", .postgres(url: postgres),
                        processes
                    ))
            }
        }
        for run in runs {
            let seconds = try await self.measure(
                run.location, processes: run.processes, executable: executable, receiver: receiver)
            try receiver.check(expected: deliveries, label: run.label)
            print(
                "  \(run.label):".padding(toLength: 32, withPad: " ", startingAt: 0)
                    + "\(formatted(Double(deliveries) / seconds)) deliveries/s (\(formatted(seconds, decimals: 1)) s)")
        }
        try await receiver.stop()
    }

    /// Seeds `location` (emptied first) with endpoints and events, then times `processes` send-webhooks to the end.
    private func measure(
        _ location: DatabaseLocation, processes: Int, executable: URL, receiver: LoopbackReceiver
    ) async throws -> Double {
        var logger = Logger(label: "billfold-bench")
        logger.logLevel = .error
        let (key, keyText) = MasterKey.generate()
        var secrets: [WebhookSecret] = []
        try await Database.withOpen(location, logger: logger) { database in
            if case .sqlite(let path) = location {
                try? FileManager.default.removeItem(atPath: path)
            } else {
                try await database.sql.raw("DROP SCHEMA public CASCADE").run()
                try await database.sql.raw("CREATE SCHEMA public").run()
            }
        }
        try await Database.withOpen(location, logger: logger) { database in
            try await Migrations.run(on: database)
            let engine = Engine(
                database: database, clock: .system, gateway: nil, masterKey: key,
                webhookPolicy: WebhookAddressPolicy(allowsInsecure: true), logger: logger)
            for index in 0..<self.endpoints {
                secrets.append(
                    try await engine.webhooks.create(
                        url: "http://127.0.0.1:\(receiver.port)/hooks/\(index)", eventTypes: [],
                        description: "bench \(index)", isEnabled: true
                    ).secret)
            }
            let now = Date()
            try await database.store.events.record(
                (0..<self.events).map { index in
                    BillingEvent(
                        type: .invoicePaid, workspaceID: nil, invoiceID: .generate(),
                        data: ["number": .string("INV-\(index)"), "amount_paid": .integer(118_000)], at: now)
                })
        }
        receiver.reset(secrets: secrets)
        let argument: String
        switch location {
        case .sqlite(let path): argument = path
        case .postgres(let url): argument = url
        }
        let (_, seconds) = try await Stopwatch.time {
            var environment = ProcessInfo.processInfo.environment
            environment["BILLFOLD_MASTER_KEY"] = keyText
            let children = try (0..<processes).map { _ in
                try ChildProcess(
                    executable.path,
                    [
                        "send-webhooks", "--database", argument, "--allow-http-webhooks", "--concurrency",
                        String(self.concurrency),
                    ],
                    environment: environment, standardError: .inherit)
            }
            for child in children {
                let termination = await child.wait()
                guard termination == .exited(0) else {
                    throw ValidationError("billfold send-webhooks ended with \(termination)")
                }
            }
        }
        return seconds
    }
}

/// An HTTP/1.1 receiver on loopback that answers 204 to every request, checks each `webhook-signature` against the
/// secrets it was given, and counts (path, webhook-id) pairs.
final class LoopbackReceiver: Sendable {
    struct Tally {
        var secrets: [WebhookSecret] = []
        var seen: Set<String> = []
        var requests = 0
        var unverified = 0
    }

    let channel: any Channel
    let box: TallyBox
    var port: Int { self.channel.localAddress?.port ?? 0 }

    private init(channel: any Channel, box: TallyBox) {
        self.channel = channel
        self.box = box
    }

    static func start() async throws -> LoopbackReceiver {
        let box = TallyBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackReceiver(channel: channel, box: box)
    }

    func reset(secrets: [WebhookSecret]) {
        self.box.tally.withLock { $0 = Tally(secrets: secrets) }
    }

    /// Fails unless exactly `expected` distinct deliveries arrived, once each, every one verified.
    func check(expected: Int, label: String) throws {
        let tally = self.box.tally.withLock { $0 }
        guard tally.requests == expected, tally.seen.count == expected, tally.unverified == 0 else {
            throw ValidationError(
                "\(label): \(tally.requests) requests, \(tally.seen.count) distinct, \(tally.unverified) unverified; "
                    + "expected \(expected) once each")
        }
    }

    func stop() async throws {
        try await self.channel.close()
    }

    final class TallyBox: Sendable {
        let tally = Mutex(Tally())
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let box: TallyBox
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(box: TallyBox) { self.box = box }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                self.body = []
            case .body(let buffer):
                self.body += buffer.readableBytesView
            case .end:
                guard let head = self.head else { return }
                let id = head.headers.first(name: "webhook-id") ?? ""
                let timestamp = head.headers.first(name: "webhook-timestamp") ?? ""
                let signature = head.headers.first(name: "webhook-signature") ?? ""
                let body = self.body
                self.box.tally.withLock { tally in
                    let verified = tally.secrets.contains {
                        WebhookSignature.verify(
                            header: signature, id: id, timestamp: timestamp, body: body, secret: $0, now: Date())
                    }
                    tally.requests += 1
                    if !verified { tally.unverified += 1 }
                    tally.seen.insert(head.uri + " " + id)
                }
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "0")
                let response = HTTPResponseHead(version: head.version, status: .noContent, headers: headers)
                context.write(self.wrapOutboundOut(.head(response)), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
