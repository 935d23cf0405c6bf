import BillfoldStore
import ChildProcesses
import Foundation

/// The `billfold` executable run as a child process, as an operator would run it, with its output captured.
package final class BillfoldProcess {
    private let child: ChildProcess

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
        self.child = try ChildProcess(
            Self.executable.path, arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            standardOutput: .capture, standardError: stallsOnStandardError ? .stalled : .capture)
    }

    package var standardOutput: String { self.child.standardOutput }
    package var standardError: String { self.child.standardError }

    /// Waits for the process to end and returns its exit status (the signal number when a signal ended it).
    ///
    /// `safetyNet` is only there so that a process that hangs fails the test instead of holding up the suite
    /// for ever: past it, the process is killed and the answer is `SIGKILL`. No test depends on how long a process
    /// takes, which depends on how busy the machine is.
    package func wait(safetyNet: Duration = .seconds(600)) async -> Int32 {
        let termination = await self.child.wait(safetyNet: safetyNet)
        await self.child.waitForOutputToEnd()
        return termination.status
    }

    /// Waits until `condition` holds of the output so far; `false` when the process ended first, or when
    /// `safetyNet` passed first (a hung process, not a slow one).
    package func wait(until condition: (String) -> Bool, safetyNet: Duration = .seconds(600)) async -> Bool {
        let deadline = ContinuousClock.now + safetyNet
        while self.child.isRunning, ContinuousClock.now < deadline {
            if condition(self.standardError + self.standardOutput) { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        if !self.child.isRunning { await self.child.waitForOutputToEnd() }
        return condition(self.standardError + self.standardOutput)
    }

    /// Whether the process has not ended yet.
    package var isRunning: Bool { self.child.isRunning }

    /// Ends the process at once with SIGKILL: no cleanup, no flush, as a crash or `kill -9` would.
    package func killAbruptly() {
        self.child.kill()
    }
}
