import ArgumentParser
import BillfoldCore
import ChildProcesses
import Foundation

/// `billfold-bench ingest`: usage records per second posted in batches over HTTP to a running `billfold serve` on
/// SQLite, started by the benchmark from the `billfold` built next to it.
struct IngestBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Post usage in batches over HTTP to billfold serve on SQLite; report records per second.")

    @Option(help: "Batches to post in the timed part.")
    var batches = 60

    @Option(help: "Records per batch (the API takes up to 10,000).")
    var batchSize = 10_000

    @Option(help: "Requests in flight at once.")
    var connections = 2

    @Option(help: "Workspaces the records are spread over.")
    var workspaces = 100

    static let apiKey = "bf_bench_operator_key_0000000000000000000000"

    func run() async throws {
        let directory = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await BenchServer.start(
            database: directory.appendingPathComponent("ingest.sqlite").path, apiKey: Self.apiKey)
        defer { server.stop() }
        let client = APIClient(baseURL: server.url, apiKey: Self.apiKey, directory: directory)
        _ = try await client.post(
            "/api/v1/meters",
            json: #"{"code": "pod-vcpu", "name": "Pod vCPU", "resource_type": "pod", "unit": "vCPU-hour", "#
                + #""pricing": {"model": "per_unit", "unit_price": "2.4"}}"#)
        var workspaceIDs: [String] = []
        for index in 0..<self.workspaces {
            let body = try await client.post(
                "/api/v1/workspaces",
                json:
                    #"{"name": "Tenant \#(index)", "email": "t\#(index)@tenant.example", "address": {"line1": "1", "city": "Pune", "state_code": "27", "pin": "411001"}}"#
            )
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any],
                let id = object["id"] as? String
            else { throw ValidationError("could not create a workspace") }
            workspaceIDs.append(id)
        }
        // The bodies are written to files first, so the timed part only sends them.
        var files: [URL] = []
        for number in 0...self.batches {
            let file = directory.appendingPathComponent("batch-\(number).json")
            try self.batch(number, workspaceIDs: workspaceIDs).write(to: file)
            files.append(file)
        }
        let size = try FileManager.default.attributesOfItem(atPath: files[0].path)[.size] as? Int ?? 0
        print(
            "ingest: \(self.batches) batches × \(formatted(Double(self.batchSize))) records "
                + "(\(formatted(Double(size) / 1_048_576, decimals: 1)) MiB each), \(self.connections) in flight, "
                + "to billfold serve on SQLite at \(server.url)")
        // One batch first, so the figures exclude warm-up.
        _ = try await client.post("/api/v1/usage", bodyFile: files[0])
        let (_, seconds) = try await Stopwatch.time {
            try await client.post("/api/v1/usage", bodyFiles: Array(files.dropFirst()), inFlight: self.connections)
        }
        let records = Double(self.batches * self.batchSize)
        print(
            "  \(formatted(records)) records in \(formatted(seconds, decimals: 2)) s = "
                + "\(formatted(records / seconds)) records/s (\(formatted(seconds * 1000 / Double(self.batches))) ms "
                + "per batch)")
    }

    /// Batch `number` of distinct events, spread over the workspaces, as the JSON body of `POST /usage`.
    func batch(_ number: Int, workspaceIDs: [String]) -> Data {
        // Yesterday in UTC, by the system clock the server reads too: the API takes usage from 400 days back to a
        // day ahead of its time, so a fixed date would stop working.
        let day = CalendarDate(Date(), in: TimeZone(identifier: "UTC")!).adding(days: -1).description
        var json = #"{"records": ["#
        json.reserveCapacity(self.batchSize * 220)
        for index in 0..<self.batchSize {
            if index > 0 { json += "," }
            let workspace = workspaceIDs[index % workspaceIDs.count]
            let hour = String(10 + index % 10)
            json +=
                #"{"event_id": "b\#(number)-\#(index)", "workspace_id": "\#(workspace)", "meter": "pod-vcpu", "resource_name": "api-\#(index % 7)", "quantity": "\#(index % 97).25", "started_at": "\#(day)T\#(hour):00:00Z", "ended_at": "\#(day)T\#(hour):59:59Z"}"#
        }
        json += "]}"
        return Data(json.utf8)
    }
}

/// `billfold serve` run as a child process on a free port.
struct BenchServer {
    let process: ChildProcess
    let url: String

    /// Starts `billfold serve` on `database`, a SQLite path or a `postgres://` URL; the mail it sends goes to
    /// `mailDirectory`, by default beside a SQLite file.
    static func start(database: String, apiKey: String, arguments: [String] = [], mailDirectory: URL? = nil)
        async throws -> BenchServer
    {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("billfold")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ValidationError(
                "no billfold next to billfold-bench at \(executable.path); build both: swift build -c release")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["BILLFOLD_BOOTSTRAP_API_KEY"] = apiKey
        // Mail the server sends (invoices it finalizes) goes beside the database, not into the working directory.
        environment["BILLFOLD_MAIL_DIRECTORY"] =
            (mailDirectory ?? URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("mail"))
            .path
        let process = try ChildProcess(
            executable.path,
            ["serve", "--database", database, "--port", "0", "--log-level", "warning", "--billing-interval", "0"]
                + arguments,
            environment: environment, standardOutput: .capture, standardError: .inherit)
        // The first line names the URL it serves.
        guard let text = await process.firstLine() else {
            throw ValidationError("billfold serve ended before it served")
        }
        guard let start = text.range(of: "http://") else {
            throw ValidationError("billfold serve did not say where it serves: \(text)")
        }
        let end = text[start.lowerBound...].firstIndex(of: " ") ?? text.endIndex
        return BenchServer(process: process, url: String(text[start.lowerBound..<end]))
    }

    func stop() {
        self.process.send(SIGTERM)
        self.process.waitUntilExit()
    }
}

/// A client of the operator API that posts with `curl`, so the client's own cost stays small next to the server's
/// (URLSession on Linux spends more CPU than the server it measures).
struct APIClient: Sendable {
    let baseURL: String
    let apiKey: String
    let directory: URL

    func post(_ path: String, json: String) async throws -> Data {
        try await self.post(path, body: Data(json.utf8))
    }

    func post(_ path: String, body: Data) async throws -> Data {
        let file = self.directory.appendingPathComponent("body-\(UUID().uuidString).json")
        try body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await self.post(path, bodyFile: file)
    }

    /// Posts the JSON in `bodyFile` and returns the response body; a status outside 2xx is an error.
    func post(_ path: String, bodyFile: URL) async throws -> Data {
        // "Expect:" stops curl from waiting for a 100 Continue before it sends a large body.
        try await self.curl(
            "POST", path,
            arguments: [
                "--header", "Content-Type: application/json", "--header", "Expect:", "--data-binary",
                "@\(bodyFile.path)",
            ])
    }

    /// Posts each of `bodyFiles` to `path`, `inFlight` at a time, until all are answered; any failure ends it.
    func post(_ path: String, bodyFiles: [URL], inFlight: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = bodyFiles[...]
            for _ in 0..<inFlight {
                guard let file = pending.popFirst() else { break }
                group.addTask { _ = try await self.post(path, bodyFile: file) }
            }
            while try await group.next() != nil {
                guard let file = pending.popFirst() else { continue }
                group.addTask { _ = try await self.post(path, bodyFile: file) }
            }
        }
    }

    /// The response body of `GET path`; a status outside 2xx is an error.
    func get(_ path: String) async throws -> Data {
        try await self.curl("GET", path, arguments: [])
    }

    private func curl(_ method: String, _ path: String, arguments: [String]) async throws -> Data {
        // The answer goes to a file, read once curl has ended.
        let answer = self.directory.appendingPathComponent("answer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: answer) }
        let process = try ChildProcess(
            "/usr/bin/curl",
            [
                "--silent", "--show-error", "--fail-with-body", "--header", "Authorization: Bearer \(self.apiKey)",
                "--output", answer.path,
            ] + arguments + [self.baseURL + path],
            standardError: .capture)
        let termination = await process.wait()
        let data = (try? Data(contentsOf: answer)) ?? Data()
        guard termination == .exited(0) else {
            throw ValidationError(
                "\(method) \(path) failed (\(termination)): \(process.standardError)"
                    + String(decoding: data.prefix(500), as: UTF8.self))
        }
        return data
    }
}
