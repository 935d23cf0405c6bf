import Foundation
import Logging
import ServiceLifecycle

/// The payment work `billfold serve` does by itself every `interval`: settles attempts a webhook never reported,
/// resends pending refunds, schedules auto-pay debits and takes the ones due.
///
/// Several processes may each run one against a shared PostgreSQL: settling runs under the invoice's row lock,
/// and due debits are claimed with `FOR UPDATE SKIP LOCKED`. With online payment off a pass asks no gateway
/// anything and changes nothing.
public struct PaymentJobs: Service {
    public let payments: PaymentService
    public let interval: Duration
    public let logger: Logger

    public init(payments: PaymentService, interval: Duration, logger: Logger) {
        self.payments = payments
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                await self.runOnce()
            }
        }
    }

    /// One pass; failures are logged and tried again on the next.
    public func runOnce() async {
        do {
            try await self.payments.reconcile()
        } catch {
            self.logger.error("payment reconciliation failed: \(error)")
        }
        do {
            try await AutoPayService(payments: self.payments).runOnce()
        } catch {
            self.logger.error("auto-pay failed: \(error)")
        }
    }
}
