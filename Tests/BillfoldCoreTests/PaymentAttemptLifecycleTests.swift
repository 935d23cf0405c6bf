import BillfoldCore
import Testing

/// A gateway event about one attempt.
enum PaymentAttemptEvent: String, Sendable, CaseIterable {
    case succeed
    case fail

    func apply(to lifecycle: inout PaymentAttemptLifecycle) -> PaymentAttemptLifecycle.Action {
        switch self {
        case .succeed: return lifecycle.succeed()
        case .fail: return lifecycle.fail()
        }
    }
}

struct PaymentAttemptLifecycleTests {
    @Test(
        "Every state and event",
        arguments: [
            (
                PaymentAttemptLifecycle.State.processing, PaymentAttemptEvent.succeed,
                PaymentAttemptLifecycle.State.succeeded,
                PaymentAttemptLifecycle.Action.applyToInvoice
            ),
            (.processing, .fail, .failed, .recordFailure),
            (.succeeded, .succeed, .succeeded, .ignore),
            (.succeeded, .fail, .succeeded, .ignore),
            (.failed, .succeed, .succeeded, .applyToInvoice),
            (.failed, .fail, .failed, .ignore),
        ]
    )
    func transition(
        state: PaymentAttemptLifecycle.State,
        event: PaymentAttemptEvent,
        newState: PaymentAttemptLifecycle.State,
        action: PaymentAttemptLifecycle.Action
    ) {
        var lifecycle = PaymentAttemptLifecycle(state: state)
        #expect(event.apply(to: &lifecycle) == action)
        #expect(lifecycle.state == newState)
    }

    @Test("A new attempt is processing")
    func startsProcessing() {
        #expect(PaymentAttemptLifecycle().state == .processing)
    }

    @Test(
        "Replayed and out-of-order webhooks apply a capture exactly once",
        arguments: [
            ([PaymentAttemptEvent.succeed, .succeed, .fail, .succeed], PaymentAttemptLifecycle.State.succeeded),
            ([.fail, .fail, .succeed, .fail, .succeed], .succeeded),
            ([.succeed, .fail], .succeeded),
            ([.fail, .fail], .failed),
        ]
    )
    func replays(events: [PaymentAttemptEvent], finalState: PaymentAttemptLifecycle.State) {
        var lifecycle = PaymentAttemptLifecycle()
        let actions = events.map { $0.apply(to: &lifecycle) }
        let captures = actions.filter { $0 == .applyToInvoice }.count
        #expect(captures == (events.contains(.succeed) ? 1 : 0))
        #expect(lifecycle.state == finalState)
    }
}
