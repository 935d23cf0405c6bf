import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program run as a child process with `posix_spawn`, for the tests and the benchmarks.
///
/// Foundation's `Process` is not used anywhere: on Linux its `run()` lists `/proc/self/fd` by copying whole `dirent`
/// records, which can read past the end of glibc's buffer and crash the parent (swift-corelibs-foundation pull
/// request 5472, still in Swift 6.3.1). It crashed the test runner in CI once.
///
/// A child here also starts clean:
/// - it holds none of the parent's descriptors but the three standard ones it is given;
/// - it never shares the parent's standard streams, so a child that outlives a crashed parent cannot keep the
///   parent's output open (and `swift test` waiting on it);
/// - its signal mask is empty and common signals have their default action, whatever the parent blocked or ignored.
public final class ChildProcess: Sendable {
    /// Where the child's standard input comes from.
    public enum Input: Sendable {
        /// `/dev/null`: the child reads end of file at once.
        case none
        /// A pipe whose write end this object holds: the child reads end of file when `closeStandardInput()` is
        /// called or the parent dies, which a long-running helper can take as its cue to exit.
        case pipe
    }

    /// Where one of the child's output streams goes.
    public enum Output: Sendable {
        /// `/dev/null`.
        case discard
        /// A pipe read on a thread of its own into `standardOutput` or `standardError`.
        case capture
        /// A file, created or truncated.
        case file(String)
        /// A pipe of one page (4 KiB, the least Linux allows) that nothing reads: once the child has written that
        /// much, its next write blocks and it stands still there until it is killed.
        case stalled
        /// The same place as standard output (for standard error only).
        case standardOutput
        /// This process's own stream. Not for tests: a child that outlived a crashed test runner would keep the
        /// runner's output open, and `swift test` would wait for it.
        case inherit
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status, or the signal's number when a signal ended the child.
        public var status: Int32 {
            switch self {
            case .exited(let status), .signalled(let status): return status
            }
        }

        public var description: String {
            switch self {
            case .exited(let status): return "exit status \(status)"
            case .signalled(let signal): return "signal \(signal)"
            }
        }
    }

    public let processIdentifier: pid_t
    /// `nil` until the child has been reaped.
    private let termination = Mutex<Termination?>(nil)
    private let capturedOutput: Capture?
    private let capturedError: Capture?
    /// The write end of the standard input pipe, until it is closed.
    private let inputDescriptor: Mutex<Int32?>
    /// The read end of a stalled pipe, held open so the child's writes block instead of failing.
    private let stalledDescriptors: [Int32]

    /// Starts `executable` (a path, or a name looked up on `PATH`) with `arguments`.
    ///
    /// - Parameter environment: the child's whole environment; `nil` passes this process's own.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        standardInput: Input = .none, standardOutput: Output = .discard, standardError: Output = .discard
    ) throws {
        if case .standardOutput = standardOutput {
            throw ChildProcessError("standard output cannot be sent to itself")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Descriptors that only the child needs; closed here once it has started, or if starting fails.
        var childEnds: [Int32] = []
        var parentEnds: [Int32] = []
        defer { for descriptor in childEnds { close(descriptor) } }
        var startedCleanly = false
        defer { if !startedCleanly { for descriptor in parentEnds { close(descriptor) } } }

        var inputWriter: Int32?
        switch standardInput {
        case .none:
            try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "open /dev/null")
        case .pipe:
            let (reader, writer) = try Self.makePipe()
            childEnds.append(reader)
            parentEnds.append(writer)
            inputWriter = writer
            try check(posix_spawn_file_actions_adddup2(&actions, reader, 0), "redirect standard input")
        }

        var stalled: [Int32] = []
        func route(_ output: Output, to descriptor: Int32) throws -> Int32? {
            switch output {
            case .discard:
                try check(
                    posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0), "open /dev/null")
                return nil
            case .file(let path):
                try check(
                    posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644),
                    "open \(path)")
                return nil
            case .capture, .stalled:
                let (reader, writer) = try Self.makePipe()
                childEnds.append(writer)
                parentEnds.append(reader)
                try check(posix_spawn_file_actions_adddup2(&actions, writer, descriptor), "redirect output")
                guard case .stalled = output else { return reader }
                // F_SETPIPE_SZ from <fcntl.h>, which Glibc's module map leaves out (it is behind _GNU_SOURCE).
                let setPipeSize: Int32 = 1031
                guard fcntl(writer, setPipeSize, Int32(4096)) > 0 else {
                    throw ChildProcessError("cannot shrink a pipe to one page: errno \(errno)")
                }
                stalled.append(reader)
                return nil
            case .standardOutput:
                try check(posix_spawn_file_actions_adddup2(&actions, 1, descriptor), "redirect standard error")
                return nil
            case .inherit:
                return nil
            }
        }
        let outputReader = try route(standardOutput, to: 1)
        let errorReader = try route(standardError, to: 2)
        try check(Self.closeFrom(&actions, 3), "close the parent's descriptors")

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        try check(posix_spawnattr_setsigmask(&attributes, &mask), "set the signal mask")
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        try check(posix_spawnattr_setsigdefault(&attributes, &defaults), "set default signal actions")
        try check(
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
            "set spawn flags")

        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let envp =
            (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for variable in envp { free(variable) } }
        let status = argv.withUnsafeBufferPointer { argv in
            envp.withUnsafeBufferPointer { envp in
                let arguments = UnsafeMutablePointer(mutating: argv.baseAddress!)
                let variables = UnsafeMutablePointer(mutating: envp.baseAddress!)
                return executable.contains("/")
                    ? posix_spawn(&pid, executable, &actions, &attributes, arguments, variables)
                    : posix_spawnp(&pid, executable, &actions, &attributes, arguments, variables)
            }
        }
        guard status == 0 else {
            throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        startedCleanly = true

        self.processIdentifier = pid
        self.inputDescriptor = Mutex(inputWriter)
        self.stalledDescriptors = stalled
        self.capturedOutput = outputReader.map { Capture(reading: $0) }
        self.capturedError = errorReader.map { Capture(reading: $0) }
    }

    deinit {
        self.closeStandardInput()
        for descriptor in self.stalledDescriptors { close(descriptor) }
    }

    /// Runs `executable` to its end and returns how it ended with what it wrote on standard output (and on
    /// standard error too, with `mergingStandardError`). Blocks the calling thread.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        mergingStandardError: Bool = false
    ) throws -> (termination: Termination, output: String) {
        let child = try ChildProcess(
            executable, arguments, environment: environment, standardOutput: .capture,
            standardError: mergingStandardError ? .standardOutput : .discard)
        let termination = child.waitUntilExit()
        child.capturedOutput?.waitForEnd()
        return (termination, child.standardOutput)
    }

    // MARK: Output

    /// What the child has written on standard output so far, when it is captured.
    public var standardOutput: String { self.capturedOutput?.text ?? "" }
    /// What the child has written on standard error so far, when it is captured.
    public var standardError: String { self.capturedError?.text ?? "" }

    /// Waits until the captured standard output holds a whole line and returns it without its newline; `nil` when
    /// the output ended first, the task was cancelled, or `safetyNet` passed first (a hung child, not a slow one).
    public func firstLine(safetyNet: Duration = .seconds(600)) async -> String? {
        guard let capture = self.capturedOutput else { return nil }
        let deadline = ContinuousClock.now + safetyNet
        var pause = Duration.milliseconds(1)
        while ContinuousClock.now < deadline {
            let (line, ended) = capture.firstLine
            if let line { return line }
            if ended { return nil }
            do { try await Task.sleep(for: pause) } catch { return nil }
            pause = min(pause * 2, .milliseconds(20))
        }
        return nil
    }

    /// Waits until the captured output streams have ended (the child and everything it started closed them), or
    /// until the task is cancelled.
    public func waitForOutputToEnd() async {
        for capture in [self.capturedOutput, self.capturedError].compactMap({ $0 }) {
            while !capture.hasEnded {
                do { try await Task.sleep(for: .milliseconds(5)) } catch { return }
            }
        }
    }

    // MARK: Input

    /// Closes the standard input pipe: the child reads end of file.
    public func closeStandardInput() {
        if let descriptor = self.inputDescriptor.withLock({ $0.take() }) {
            close(descriptor)
        }
    }

    // MARK: Ending

    /// How the child ended, or `nil` while it runs.
    public var exitState: Termination? {
        self.termination.withLock { termination in
            if termination == nil {
                var status: Int32 = 0
                let reaped = waitpid(self.processIdentifier, &status, WNOHANG)
                if reaped == self.processIdentifier {
                    termination = Self.termination(from: status)
                } else if reaped == -1 && errno == ECHILD {
                    // Nobody else reaps our children; answer something rather than wait for ever.
                    termination = .exited(-1)
                }
            }
            return termination
        }
    }

    public var isRunning: Bool { self.exitState == nil }

    /// Sends `signal` to the child, unless it has already been reaped (its pid may belong to another by then).
    public func send(_ signal: Int32) {
        self.termination.withLock { termination in
            if termination == nil { _ = Glibc.kill(self.processIdentifier, signal) }
        }
    }

    /// Ends the child at once with SIGKILL, as a crash or `kill -9` would.
    public func kill() {
        self.send(SIGKILL)
    }

    /// Waits for the child to end. A task cancelled while it waits kills the child, so no child outlives the work
    /// that needed it; so does passing `safetyNet`, which is there only so that a hung child fails its caller
    /// instead of holding it up for ever, never to time a slow one.
    @discardableResult
    public func wait(safetyNet: Duration? = nil) async -> Termination {
        let deadline = safetyNet.map { ContinuousClock.now + $0 }
        var pause = Duration.milliseconds(1)
        while true {
            if let termination = self.exitState { return termination }
            if let deadline, ContinuousClock.now >= deadline { break }
            do { try await Task.sleep(for: pause) } catch { break }
            pause = min(pause * 2, .milliseconds(20))
        }
        self.kill()
        return self.waitUntilExit()
    }

    /// Blocks the calling thread until the child ends.
    @discardableResult
    public func waitUntilExit() -> Termination {
        var pause: useconds_t = 500
        while true {
            if let termination = self.exitState { return termination }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    // MARK: Helpers

    private static func termination(from status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// A pipe whose ends close on exec, so no other child started meanwhile inherits them.
    private static func makePipe() throws -> (reader: Int32, writer: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else { throw ChildProcessError("cannot make a pipe: errno \(errno)") }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (descriptors[0], descriptors[1])
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), looked up at run time: Glibc's module map leaves
    /// it out (it is behind _GNU_SOURCE).
    private static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Int32 {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return ENOSYS }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
    }
}

/// Why a child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

private func check(_ status: Int32, _ what: String) throws {
    guard status == 0 else { throw ChildProcessError("cannot \(what): \(String(cString: strerror(status)))") }
}

/// One of a child's output streams, read to its end on a thread of its own.
private final class Capture: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var data = Data()
    private var ended = false

    init(reading descriptor: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    self.condition.withLock {
                        self.data.append(contentsOf: buffer[..<count])
                        self.condition.broadcast()
                    }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(descriptor)
            self.condition.withLock {
                self.ended = true
                self.condition.broadcast()
            }
        }
        thread.start()
    }

    var text: String { self.condition.withLock { String(decoding: self.data, as: UTF8.self) } }
    var hasEnded: Bool { self.condition.withLock { self.ended } }

    func waitForEnd() {
        self.condition.withLock {
            while !self.ended { self.condition.wait() }
        }
    }

    /// The first whole line so far, without its newline, and whether the stream has ended.
    var firstLine: (line: String?, ended: Bool) {
        self.condition.withLock {
            let line = self.data.firstIndex(of: UInt8(ascii: "\n")).map {
                String(decoding: self.data[..<$0], as: UTF8.self)
            }
            return (line, self.ended)
        }
    }
}
