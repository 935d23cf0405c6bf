/// One payment attempt's outcome as gateway events arrive, possibly repeated or out of order.
package struct PaymentAttemptLifecycle: Hashable, Sendable {
    /// A stored attempt status.
    package enum State: String, Sendable, Codable, CaseIterable {
        /// Sent to the gateway; no outcome yet.
        case processing
        /// Captured: the money arrived.
        case succeeded
        /// Declined, abandoned or expired.
        case failed
    }

    /// The work an event leaves to the caller.
    package enum Action: Hashable, Sendable {
        /// Apply the captured amount to the invoice, once.
        case applyToInvoice
        /// Record the failure so the customer can retry.
        case recordFailure
        /// Nothing to do: a duplicate, a replay, or a failure arriving after a capture.
        case ignore
    }

    /// Where the attempt is now; changed only by the events below.
    package private(set) var state: State

    /// An attempt in `state`, as stored; a new attempt is processing.
    package init(state: State = .processing) {
        self.state = state
    }

    /// The gateway captured the payment; a failed attempt may still be captured on retry.
    package mutating func succeed() -> Action {
        switch self.state {
        case .processing, .failed:
            self.state = .succeeded
            return .applyToInvoice
        case .succeeded:
            return .ignore
        }
    }

    /// The gateway reported a failure; one arriving after a capture never undoes it.
    package mutating func fail() -> Action {
        switch self.state {
        case .processing:
            self.state = .failed
            return .recordFailure
        case .failed, .succeeded:
            return .ignore
        }
    }
}
