import ChildProcesses
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Child processes")
struct ChildProcessTests {
    @Test("run returns the exit status and what the child wrote, standard error merged in when asked")
    func runToEnd() throws {
        let merged = try ChildProcess.run(
            "/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], mergingStandardError: true)
        #expect(merged.termination == .exited(3))
        #expect(merged.output == "out\nerr\n")
        let plain = try ChildProcess.run("sh", ["-c", "echo out; echo err >&2"])
        #expect(plain.termination == .exited(0))
        #expect(plain.output == "out\n")
    }

    @Test("a signal that ends the child is reported as such")
    func signalled() async throws {
        let child = try ChildProcess("sleep", ["600"])
        #expect(child.isRunning)
        child.send(SIGTERM)
        #expect(await child.wait() == .signalled(SIGTERM))
        #expect(!child.isRunning)
    }

    @Test("the child holds only its three standard descriptors, not the parent's")
    func descriptors() throws {
        // Opened without O_CLOEXEC, so only closing in the child keeps it out.
        let leaky = open("/dev/null", O_RDONLY)
        #expect(leaky > 2)
        defer { close(leaky) }
        let listing = try ChildProcess.run("/bin/sh", ["-c", "ls /proc/$$/fd"])
        #expect(listing.termination == .exited(0))
        #expect(listing.output.split(separator: "\n").sorted() == ["0", "1", "2"], "\(listing.output)")
    }

    @Test("the child starts with no signal blocked, though the thread that started it blocked SIGTERM")
    func signalMask() async throws {
        // cat, not a shell: dash clears its signal mask when it starts.
        let status = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                var blocked = sigset_t()
                sigemptyset(&blocked)
                sigaddset(&blocked, SIGTERM)
                pthread_sigmask(SIG_BLOCK, &blocked, nil)
                continuation.resume(with: Result { try ChildProcess.run("cat", ["/proc/self/status"]) })
            }
            thread.start()
        }
        let blockedLine = status.output.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
        #expect(blockedLine == "SigBlk:\t0000000000000000", "\(status.output)")
    }

    @Test("a piped standard input reaches the child, and closing it ends the child's reading")
    func standardInput() async throws {
        let child = try ChildProcess(
            "/bin/sh", ["-c", "echo ready; cat; echo closed"], standardInput: .pipe, standardOutput: .capture)
        #expect(await child.firstLine() == "ready")
        #expect(child.isRunning)
        child.closeStandardInput()
        #expect(await child.wait() == .exited(0))
        await child.waitForOutputToEnd()
        #expect(child.standardOutput == "ready\nclosed\n")
    }

    @Test("firstLine answers nil when the output ends without a newline")
    func noLine() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "printf partial"], standardOutput: .capture)
        #expect(await child.firstLine() == nil)
        #expect(child.standardOutput == "partial")
        #expect(await child.wait() == .exited(0))
    }

    @Test("output can go to a file, and the environment can be set whole")
    func fileAndEnvironment() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: path) }
        let child = try ChildProcess(
            "/bin/sh", ["-c", "echo \"$GREETING\"; echo \"${HOME:-unset}\" >&2"], environment: ["GREETING": "namaste"],
            standardOutput: .file(path.path), standardError: .standardOutput)
        #expect(await child.wait() == .exited(0))
        #expect(try String(contentsOf: path, encoding: .utf8) == "namaste\nunset\n")
    }

    @Test("cancelling the task that waits kills the child")
    func cancellation() async throws {
        let child = try ChildProcess("sleep", ["600"])
        let waiter = Task { await child.wait() }
        waiter.cancel()
        #expect(await waiter.value == .signalled(SIGKILL))
    }

    @Test("a missing program is an error that names it")
    func missing() throws {
        #expect {
            _ = try ChildProcess("/nonexistent/billfold-nothing", [])
        } throws: { error in
            "\(error)".contains("/nonexistent/billfold-nothing")
        }
        #expect(throws: ChildProcessError.self) { _ = try ChildProcess("sh", [], standardOutput: .standardOutput) }
    }
}
