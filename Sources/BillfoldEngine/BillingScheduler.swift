import BillfoldCore
import Logging
import ServiceLifecycle

/// Runs billing by itself inside `billfold serve`: every `interval`, starting at once, it bills the periods that
/// have ended.
///
/// Several Billfold processes may each run one against a shared PostgreSQL; the billing run's row locks
/// and unique keys keep every period billed once.
package struct BillingScheduler: Service {
    private let job: PeriodicJob

    package init(run: BillingRun, interval: Duration, logger: Logger) {
        self.job = PeriodicJob("billing run", every: interval, firstPass: .atStart, logger: logger) {
            try await Self.billEndedPeriods(run: run, logger: logger)
        }
    }

    /// Bills every period that has ended by now, and logs what it closed and what it could not bill.
    static func billEndedPeriods(run: BillingRun, logger: Logger) async throws {
        let report = try await run.run(asOf: run.invoices.clock.now, actor: "scheduler")
        if report.periodsClosed > 0 || !report.failures.isEmpty {
            logger.info("billing run closed \(report.periodsClosed) periods, issued \(report.invoices.count) invoices")
        }
        for (subscription, reason) in report.failures {
            logger.error("could not bill \(subscription): \(reason)")
        }
    }

    package func run() async throws {
        await self.job.run()
    }
}
