import BillfoldEngine
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Periodic jobs")
struct PeriodicJobTests {
    /// The messages logged through it, with their levels.
    final class LogRecorder: Sendable {
        let entries = Mutex<[(level: Logger.Level, message: String)]>([])

        var logger: Logger {
            var logger = Logger(label: "test") { _ in Handler(recorder: self) }
            logger.logLevel = .trace
            return logger
        }

        func messages(at level: Logger.Level) -> [String] {
            self.entries.withLock { $0.filter { $0.level == level }.map(\.message) }
        }

        struct Handler: LogHandler {
            let recorder: LogRecorder
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace

            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { self.metadata[key] }
                set { self.metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                self.recorder.entries.withLock { $0.append((event.level, "\(event.message)")) }
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String { "the database went away" }
    }

    /// Waits until `condition` holds; the minute is only a safety net for a job that never gets there.
    static func wait(until condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test("a step that throws is logged with its name, and the other steps and the next passes still run")
    func failuresAreLoggedAndTheJobGoesOn() async throws {
        let recorder = LogRecorder()
        let passes = Mutex(0)
        // The pass each run of the second step belonged to.
        let autoPayPasses = Mutex<[Int]>([])
        let job = PeriodicJob(
            every: .milliseconds(1), logger: recorder.logger,
            steps: [
                PeriodicJob.Step("payment reconciliation") {
                    let pass = passes.withLock { count in
                        count += 1
                        return count
                    }
                    if pass == 1 { throw Failure() }
                },
                PeriodicJob.Step("auto-pay") {
                    let pass = passes.withLock { $0 }
                    autoPayPasses.withLock { $0.append(pass) }
                },
            ])
        let task = Task { await job.run() }
        try await Self.wait { passes.withLock { $0 } >= 3 }
        task.cancel()
        await task.value
        #expect(passes.withLock { $0 } >= 3)
        #expect(autoPayPasses.withLock { Array($0.prefix(3)) } == [1, 2, 3], "auto-pay ran after the failure too")
        #expect(recorder.messages(at: .error) == ["payment reconciliation failed: the database went away"])
    }

    @Test("a step cut short by a graceful shutdown is not logged as a failure, and the job ends")
    func shutdownIsNotAFailure() async throws {
        let recorder = LogRecorder()
        let started = Mutex(false)
        let job = PeriodicJob("auto-pay", every: .seconds(3600), logger: recorder.logger) {
            started.withLock { $0 = true }
            // A pass that waits on the network when the server is told to stop.
            try await Task.sleep(for: .seconds(3600))
        }
        let group = ServiceGroup(
            configuration: .init(services: [job], logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
        let running = Task { try await group.run() }
        try await Self.wait { started.withLock { $0 } }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(started.withLock { $0 })
        #expect(recorder.messages(at: .error).isEmpty)
        #expect(recorder.messages(at: .debug).count == 1)
    }
}
