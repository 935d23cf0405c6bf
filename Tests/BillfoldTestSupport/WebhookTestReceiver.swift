import AsyncHTTPClient
import ChildProcesses
import Foundation
import NIOCore
import NIOHTTP1

/// `Tests/Webhooks/receiver.py` run as a child process: a real HTTP receiver on loopback that verifies Standard
/// Webhooks signatures with Python's `hmac`, independently of Billfold's own code, and answers each target as its
/// script says (a status, a delay, headers).
package final class WebhookTestReceiver: Sendable {
    /// One request the receiver got.
    package struct Arrival: Decodable, Sendable {
        package let webhookID: String?
        package let timestamp: Int64?
        package let signatures: [String]
        package let verified: Bool
        package let verifiedWith: [Int]
        package let timestampFresh: Bool
        package let body: String
        package let contentType: String?
        package let status: Int

        enum CodingKeys: String, CodingKey {
            case signatures, verified, body, status, timestamp
            case webhookID = "webhook_id"
            case verifiedWith = "verified_with"
            case timestampFresh = "timestamp_fresh"
            case contentType = "content_type"
        }
    }

    /// How a target answers one request.
    package struct Answer: Encodable, Sendable {
        package var status: Int
        package var delay: Double
        package var headers: [String: String]

        package init(status: Int = 200, delay: Double = 0, headers: [String: String] = [:]) {
            self.status = status
            self.delay = delay
            self.headers = headers
        }
    }

    package struct Summary: Decodable, Sendable {
        package let count: Int
        package let uniqueIDs: Int
        package let duplicateIDs: Int
        package let unverified: Int
        package let stale: Int

        enum CodingKeys: String, CodingKey {
            case count, unverified, stale
            case uniqueIDs = "unique_ids"
            case duplicateIDs = "duplicate_ids"
        }
    }

    private let process: ChildProcess
    package let port: Int

    /// The receiver script, found from this file's place in the repository.
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Webhooks/receiver.py").path
    }

    /// Starts the receiver and waits until it listens.
    package init() async throws {
        // Its standard input is a pipe this object holds: the receiver exits when it closes, even if this process
        // dies without stopping it.
        let process = try ChildProcess(
            "python3", [Self.script, "--port", "0"], standardInput: .pipe, standardOutput: .capture,
            standardError: .capture)
        // The first line is "listening on <port>".
        guard let line = await process.firstLine() else {
            process.kill()
            throw ReceiverError("the webhook receiver exited before it listened: \(process.standardError)")
        }
        guard line.hasPrefix("listening on "), let port = Int(line.dropFirst("listening on ".count)) else {
            process.kill()
            throw ReceiverError("the webhook receiver said \(line) \(process.standardError)")
        }
        self.process = process
        self.port = port
    }

    deinit {
        self.stop()
    }

    /// Ends the receiver at once.
    package func stop() {
        self.process.kill()
        self.process.waitUntilExit()
    }

    /// Closes the receiver's standard input, as this process's death would, and returns how the receiver ended.
    /// Past `safetyNet` (a receiver that ignored it, not a slow one) it is killed.
    package func hangUp(safetyNet: Duration = .seconds(600)) async -> ChildProcess.Termination {
        self.process.closeStandardInput()
        return await self.process.wait(safetyNet: safetyNet)
    }

    /// The URL requests to target `name` go to.
    package func url(_ name: String) -> String { "http://127.0.0.1:\(self.port)/hooks/\(name)" }

    /// Sets how target `name` verifies and answers, and forgets what it received.
    package func configure(
        _ name: String, secrets: [String], script: [Answer] = [], otherwise: Answer = Answer()
    ) async throws {
        struct Configuration: Encodable {
            let secrets: [String]
            let script: [Answer]
            let `default`: Answer
        }
        let body = try JSONEncoder().encode(Configuration(secrets: secrets, script: script, default: otherwise))
        let status = try await self.request(.PUT, "/_control/hooks/\(name)", body: body).status
        guard status == 204 else { throw ReceiverError("configuring \(name) answered \(status)") }
    }

    /// What target `name` received, in order.
    package func received(_ name: String) async throws -> [Arrival] {
        struct Received: Decodable { let received: [Arrival] }
        let (_, body) = try await self.request(.GET, "/_control/hooks/\(name)/received")
        return try JSONDecoder().decode(Received.self, from: body).received
    }

    package func summary(_ name: String) async throws -> Summary {
        let (_, body) = try await self.request(.GET, "/_control/hooks/\(name)/summary")
        return try JSONDecoder().decode(Summary.self, from: body)
    }

    /// Runs the receiver's own check of the specification's published test vector.
    package static func selfTest() throws -> Bool {
        try ChildProcess.run("python3", [Self.script, "--self-test"]).termination == .exited(0)
    }

    private func request(_ method: HTTPMethod, _ path: String, body: Data? = nil) async throws -> (
        status: Int, body: Data
    ) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 * 1_024 * 1_024)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }

    struct ReceiverError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
