import BillfoldStore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `billfold` executable run as a child process, as an operator would run it, with its output captured.
package final class BillfoldProcess {
    /// What the process has written so far; its pipes' handlers append to it from other threads.
    final class Output: Sendable {
        let text = Mutex((standardOutput: "", standardError: ""))
    }

    private let process: Process
    private let output = Output()

    /// The `billfold` built next to the test runner (`swift test` builds every product of the package).
    package static var executable: URL {
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
    package static func argument(for location: DatabaseLocation) -> String {
        switch location {
        case .sqlite(let path): return path
        case .postgres(let url): return url
        }
    }

    /// Starts `billfold` with `arguments`, in this process's environment with `environment` set over it.
    ///
    /// With `stallsOnStandardError`, nothing reads the process's standard error and its pipe holds a single page
    /// (4 KiB): once the process has written that much there, its next write blocks, and the process stands still
    /// at that point until it is killed. A test can then kill it at a known place, however fast or slow the machine
    /// is; `standardError` stays empty.
    package init(_ arguments: [String], environment: [String: String] = [:], stallsOnStandardError: Bool = false)
        throws
    {
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
        if stallsOnStandardError {
            try Self.shrink(standardError)
        } else {
            standardError.fileHandleForReading.readabilityHandler = { [output] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                output.text.withLock { $0.standardError += text }
            }
        }
        try process.run()
    }

    /// Makes `pipe` hold one page, the least Linux allows.
    private static func shrink(_ pipe: Pipe) throws {
        #if os(Linux)
            // F_SETPIPE_SZ from <fcntl.h>, which Glibc's module map leaves out (it is behind _GNU_SOURCE).
            let setPipeSize: Int32 = 1031
            guard fcntl(pipe.fileHandleForWriting.fileDescriptor, setPipeSize, Int32(4096)) > 0 else {
                throw DatabaseError(message: "cannot shrink the standard error pipe: errno \(errno)")
            }
        #else
            throw DatabaseError(message: "a pipe's size can be set only on Linux")
        #endif
    }

    package var standardOutput: String { self.output.text.withLock { $0.standardOutput } }
    package var standardError: String { self.output.text.withLock { $0.standardError } }

    /// Waits for the process to end and returns its exit status (the signal number when a signal ended it).
    ///
    /// `safetyNet` is only there so that a process that hangs fails the test instead of holding up the suite
    /// for ever: past it, the process is killed and the answer is `SIGKILL`. No test depends on how long a process
    /// takes, which depends on how busy the machine is.
    package func wait(safetyNet: Duration = .seconds(600)) async -> Int32 {
        let deadline = ContinuousClock.now + safetyNet
        while self.process.isRunning {
            if ContinuousClock.now >= deadline {
                self.killAbruptly()
                self.process.waitUntilExit()
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // Let the readability handlers drain what the process wrote last.
        try? await Task.sleep(for: .milliseconds(50))
        return self.process.terminationStatus
    }

    /// Waits until `condition` holds of the output so far; `false` when the process ended first, or when
    /// `safetyNet` passed first (a hung process, not a slow one).
    package func wait(until condition: (String) -> Bool, safetyNet: Duration = .seconds(600)) async -> Bool {
        let deadline = ContinuousClock.now + safetyNet
        while self.process.isRunning, ContinuousClock.now < deadline {
            if condition(self.standardError + self.standardOutput) { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return condition(self.standardError + self.standardOutput)
    }

    /// Whether the process has not ended yet.
    package var isRunning: Bool { self.process.isRunning }

    /// Ends the process at once with SIGKILL: no cleanup, no flush, as a crash or `kill -9` would.
    package func killAbruptly() {
        kill(self.process.processIdentifier, SIGKILL)
    }
}
