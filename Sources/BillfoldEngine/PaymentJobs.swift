import Logging
import ServiceLifecycle

/// The payment work `billfold serve` does by itself every `interval`, starting one interval after it starts:
/// settles attempts a webhook never reported, resends pending refunds, schedules auto-pay debits and takes the ones
/// due. A step that fails is logged and tried again on the next pass; the other still runs.
///
/// Several processes may each run one against a shared PostgreSQL: settling runs under the invoice's row lock,
/// and due debits are claimed with `FOR UPDATE SKIP LOCKED`. With online payment off a pass asks no gateway
/// anything and changes nothing.
package struct PaymentJobs: Service {
    private let job: PeriodicJob

    package init(payments: PaymentService, interval: Duration, logger: Logger) {
        self.job = PeriodicJob(
            every: interval, firstPass: .afterInterval, logger: logger,
            steps: [
                PeriodicJob.Step("payment reconciliation") { _ = try await payments.reconcile() },
                PeriodicJob.Step("auto-pay") { try await AutoPayService(payments: payments).runOnce() },
            ])
    }

    package func run() async throws {
        await self.job.run()
    }

    /// One pass.
    package func runOnce() async {
        await self.job.runOnce()
    }
}
