import Logging
import ServiceLifecycle

/// Work `billfold serve` does by itself every `interval` until it shuts down: one or more named steps, run one after
/// another in each pass.
///
/// A step that throws is logged with its name, and the next step and the next pass still run. A graceful shutdown
/// cancels the pass in progress; what a step throws then is the shutdown's doing, not a failure, and is logged at
/// debug level only.
package struct PeriodicJob: Service {
    /// One named piece of a pass.
    package struct Step: Sendable {
        package let name: String
        package let work: @Sendable () async throws -> Void

        package init(_ name: String, _ work: @escaping @Sendable () async throws -> Void) {
            self.name = name
            self.work = work
        }
    }

    /// When the first pass runs.
    package enum FirstPass: Sendable {
        /// As the service starts, then every interval.
        case atStart
        /// One interval after the service starts.
        case afterInterval
    }

    package let interval: Duration
    package let firstPass: FirstPass
    package let steps: [Step]
    package let logger: Logger

    package init(every interval: Duration, firstPass: FirstPass = .atStart, logger: Logger, steps: [Step]) {
        self.interval = interval
        self.firstPass = firstPass
        self.steps = steps
        self.logger = logger
    }

    /// A job of one step, `name`.
    package init(
        _ name: String, every interval: Duration, firstPass: FirstPass = .atStart, logger: Logger,
        work: @escaping @Sendable () async throws -> Void
    ) {
        self.init(every: interval, firstPass: firstPass, logger: logger, steps: [Step(name, work)])
    }

    package func run() async {
        await cancelWhenGracefulShutdown {
            if self.firstPass == .afterInterval {
                guard await self.waitForNextPass() else { return }
            }
            repeat {
                await self.runOnce()
            } while await self.waitForNextPass()
        }
    }

    /// One pass: every step in order, each one's failure logged.
    package func runOnce() async {
        await Self.run(self.steps, logger: self.logger)
    }

    /// `steps` in order, each one's failure logged with its name and the next still run.
    package static func run(_ steps: [Step], logger: Logger) async {
        for step in steps {
            do {
                try await step.work()
            } catch {
                if Task.isCancelled {
                    logger.debug("\(step.name) stopped by shutdown: \(error)")
                    return
                }
                logger.error("\(step.name) failed: \(error)", metadata: ["job": "\(step.name)"])
            }
        }
    }

    /// Sleeps for `interval`; `false` when the sleep was cut short by shutdown (or any other cancellation).
    private func waitForNextPass() async -> Bool {
        do {
            try await Task.sleep(for: self.interval)
            return true
        } catch {
            return false
        }
    }
}
