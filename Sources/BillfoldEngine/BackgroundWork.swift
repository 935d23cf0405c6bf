import BillfoldCore
import Foundation
import Logging

/// The work Billfold does by itself: billing the periods that ended, the payment jobs, dunning, mail (composed
/// from new events, then delivered) and webhooks (owed for new events, then sent). `serve` runs each on its own interval; the test clock runs them all, in this
/// order, at every step it takes.
package struct BackgroundWork: Sendable {
    package let engine: Engine
    package let delivery: MailDelivery
    /// Sends webhooks; `nil` in a process that leaves them to others.
    package let webhooks: WebhookSender?
    package let logger: Logger

    package init(engine: Engine, delivery: MailDelivery, webhooks: WebhookSender? = nil, logger: Logger) {
        self.engine = engine
        self.delivery = delivery
        self.webhooks = webhooks
        self.logger = logger
    }

    /// Bills every period that has ended.
    package func bill() async throws {
        try await BillingScheduler.billEndedPeriods(run: self.engine.billing, logger: self.logger)
    }

    /// Settles attempts no webhook reported, resends refunds, and runs auto-pay; nothing with online payment off.
    package func collectPayments() async throws {
        guard self.engine.payments.takesOnlinePayments else { return }
        _ = try await self.engine.payments.reconcile()
        try await self.engine.autoPay.runOnce()
    }

    /// Reminders, grace, suspension and restoration.
    package func dun() async throws {
        _ = try await self.engine.dunning.run()
    }

    /// Mail for the events since the last pass, then every message due.
    package func sendMail() async throws {
        _ = try await self.engine.eventMail.run()
        _ = try await self.delivery.deliverDue()
    }

    /// Webhooks for the events since the last pass, then every delivery due.
    package func sendWebhooks() async throws {
        _ = try await self.webhooks?.run()
    }

    /// The steps of a full pass, in order.
    package var steps: [PeriodicJob.Step] {
        [
            PeriodicJob.Step("billing run") { try await self.bill() },
            PeriodicJob.Step("payment jobs") { try await self.collectPayments() },
            PeriodicJob.Step("dunning") { try await self.dun() },
            PeriodicJob.Step("mail") { try await self.sendMail() },
            PeriodicJob.Step("webhooks") { try await self.sendWebhooks() },
        ]
    }
}

/// The clock `serve --test-clock` runs on: it stands still until `advance(to:)` moves it, and moving it runs all
/// the background work at each day it passes, so a month of invoices, reminders, grace and suspension happens
/// in the order it would in real time.
package actor TestClock {
    private let clock: ManualClock
    private let work: BackgroundWork
    private var isAdvancing = false
    /// The farthest one advance may go.
    package static let longestAdvance: TimeInterval = 400 * 86_400

    package init(clock: ManualClock, work: BackgroundWork) {
        self.clock = clock
        self.work = work
    }

    package var now: Date { self.clock.now }

    /// What an advance did.
    package struct Advance: Sendable {
        package let from: Date
        package let to: Date
        /// The instants the work ran at: each midnight (India time) passed, and `to`.
        package let steps: Int
    }

    /// Moves the clock to `target`, stopping at each midnight in the billing time zone on the way to run the
    /// background work, and once more at `target`. A step whose work fails is logged and the advance goes on, as
    /// `serve`'s own passes do.
    package func advance(to target: Date) async throws -> Advance {
        // The actor lets another call in at each await; one advance at a time keeps the days in order.
        guard !self.isAdvancing else {
            throw EngineError(.invalidState, "the test clock is already being advanced; wait for that to finish")
        }
        self.isAdvancing = true
        defer { self.isAdvancing = false }
        let start = self.clock.now
        guard target > start else {
            throw EngineError(
                .invalidField,
                "to must be after the test clock's time, \(ISO8601Instant.format(start)); the clock only moves forward",
                param: "to")
        }
        guard target.timeIntervalSince(start) <= Self.longestAdvance else {
            throw EngineError(
                .invalidField, "to may be at most 400 days after the test clock's time; advance in steps",
                param: "to")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = self.work.engine.clock.timeZone
        var steps = 0
        while self.clock.now < target {
            let nextMidnight =
                calendar.nextDate(
                    after: self.clock.now, matching: DateComponents(hour: 0, minute: 0, second: 0),
                    matchingPolicy: .nextTime) ?? target
            self.clock.set(min(nextMidnight, target))
            steps += 1
            await PeriodicJob.run(self.work.steps, logger: self.work.logger)
        }
        return Advance(from: start, to: target, steps: steps)
    }
}
