import BillfoldStore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `billfold` executable run as a child process, as an operator would run it, with its output captured.
public final class BillfoldProcess {
    /// What the process has written so far; its pipes' handlers append to it from other threads.
    final class Output: Sendable {
        let text = Mutex((standardOutput: "", standardError: ""))
    }

    private let process: Process
    private let output = Output()

    /// The `billfold` built next to the test runner (`swift test` builds every product of the package).
    public static var executable: URL {
        get throws {
            let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            var directory = runner.deletingLastPathComponent()
            // The runner may sit inside an .xctest bundle directory.
            if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
            let candidate = directory.appendingPathComponent("billfold")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
                throw DatabaseError(message: "no billfold executable at \(candidate.path); run swift build first")
            }
            return candidate
        }
    }

    /// The `--database` argument that names `location`.
    public static func argument(for location: DatabaseLocation) -> String {
        switch location {
        case .sqlite(let path): return path
        case .postgres(let url): return url
        }
    }

    /// Starts `billfold` with `arguments`, in this process's environment with `environment` set over it.
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = try Self.executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let standardOutput = Pipe()
        let standardError = Pipe()
        process.standardOutput = standardOutput
        process.standardError = standardError
        self.process = process
        standardOutput.fileHandleForReading.readabilityHandler = { [output] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.text.withLock { $0.standardOutput += text }
        }
        standardError.fileHandleForReading.readabilityHandler = { [output] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.text.withLock { $0.standardError += text }
        }
        try process.run()
    }

    public var standardOutput: String { self.output.text.withLock { $0.standardOutput } }
    public var standardError: String { self.output.text.withLock { $0.standardError } }

    /// Waits for the process to end and returns its exit status (the signal number when a signal ended it).
    public func wait() async -> Int32 {
        while self.process.isRunning {
            try? await Task.sleep(for: .milliseconds(10))
        }
        // Let the readability handlers drain what the process wrote last.
        try? await Task.sleep(for: .milliseconds(50))
        return self.process.terminationStatus
    }

    /// Waits until `condition` holds of the output so far; `false` when the process ended first.
    public func wait(until condition: (String) -> Bool) async -> Bool {
        while self.process.isRunning {
            if condition(self.standardError + self.standardOutput) { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return condition(self.standardError + self.standardOutput)
    }

    /// Ends the process at once with SIGKILL: no cleanup, no flush, as a crash or `kill -9` would.
    public func killAbruptly() {
        kill(self.process.processIdentifier, SIGKILL)
    }
}
