import ArgumentParser
import ChildProcesses
import Foundation

/// The `wrk` HTTP load generator (Debian's `wrk` package), run as a child process for throughput figures.
struct Wrk {
    /// What one run measured.
    struct Report {
        let requests: Int
        let requestsPerSecond: Double
        /// Answers outside 2xx and 3xx: any makes the run's figure meaningless.
        let errorResponses: Int
        /// wrk's "Socket errors" line as printed, when it printed one.
        let socketErrors: String?
        /// Latency at the 50th and 99th percentiles under this load, in milliseconds.
        let p50Milliseconds: Double?
        let p99Milliseconds: Double?
    }

    let executable: URL

    /// The `wrk` on `PATH`; without one there are no throughput figures, so this fails and says how to get it.
    static func locate() throws -> Wrk {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("wrk")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return Wrk(executable: candidate) }
        }
        throw ValidationError(
            "wrk is not installed, so requests per second cannot be measured; install it (Debian: "
                + "apt-get install -y wrk) and run again")
    }

    /// Runs `wrk` with `connections` open connections over `threads` threads for `seconds` against `url`.
    func run(url: String, headers: [String], connections: Int, threads: Int, seconds: Int, directory: URL)
        async throws -> Report
    {
        // Output to a file, read once wrk has ended.
        let output = directory.appendingPathComponent("wrk-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try ChildProcess(
            self.executable.path,
            ["--latency", "-t", String(threads), "-c", String(connections), "-d", "\(seconds)s"]
                + headers.flatMap { ["-H", $0] } + [url],
            standardOutput: .file(output.path), standardError: .standardOutput)
        let termination = await process.wait()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard termination == .exited(0), let report = Self.parse(text) else {
            throw ValidationError("wrk against \(url) failed (\(termination)):\n\(text)")
        }
        return report
    }

    /// The figures in wrk's printed summary, or `nil` when it has no `Requests/sec` line.
    static func parse(_ text: String) -> Report? {
        var requests = 0
        var rate: Double?
        var errors = 0
        var socketErrors: String?
        var percentiles: [String: Double] = [:]
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), words.count >= 2 {
                rate = Double(words[1])
            } else if line.hasPrefix("Non-2xx or 3xx responses:"), let last = words.last {
                errors = Int(last) ?? 0
            } else if line.hasPrefix("Socket errors:") {
                socketErrors = line
            } else if words.count >= 3, words[1] == "requests", words[2] == "in" {
                requests = Int(words[0]) ?? 0
            } else if words.count == 2, ["50%", "99%"].contains(String(words[0])) {
                percentiles[String(words[0])] = Self.milliseconds(String(words[1]))
            }
        }
        guard let rate else { return nil }
        return Report(
            requests: requests, requestsPerSecond: rate, errorResponses: errors, socketErrors: socketErrors,
            p50Milliseconds: percentiles["50%"], p99Milliseconds: percentiles["99%"])
    }

    /// wrk prints durations as `812.00us`, `3.41ms` or `1.20s`.
    static func milliseconds(_ text: String) -> Double? {
        for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }
}
