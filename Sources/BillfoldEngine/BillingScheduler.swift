import BillfoldCore
import Foundation
import Logging
import ServiceLifecycle

/// Runs billing by itself inside `billfold serve`: every `interval`, it bills the periods that have ended.
///
/// Several Billfold processes may each run one against a shared PostgreSQL; the billing run's row locks
/// and unique keys keep every period billed once.
public struct BillingScheduler: Service {
    public let run: BillingRun
    public let interval: Duration
    public let logger: Logger

    public init(run: BillingRun, interval: Duration, logger: Logger) {
        self.run = run
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.runOnce()
                try await Task.sleep(for: self.interval)
            }
        }
    }

    /// One pass: bills what is due as of the billing clock's now, and logs what it did.
    func runOnce() async {
        do {
            let report = try await self.run.run(asOf: self.run.invoices.clock.now, actor: "scheduler")
            if report.periodsClosed > 0 || !report.failures.isEmpty {
                self.logger.info(
                    "billing run closed \(report.periodsClosed) periods, issued \(report.invoices.count) invoices")
            }
            for (subscription, reason) in report.failures {
                self.logger.error("could not bill \(subscription): \(reason)")
            }
        } catch {
            self.logger.error("billing run failed: \(error)")
        }
    }
}
