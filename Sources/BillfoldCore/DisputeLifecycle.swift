/// Where a dispute is between the customer raising it and the operator closing it; each event returns what the
/// caller must then do, in the same transaction.
///
/// `open → under_review → resolved | rejected`; `open → resolved | rejected` directly; `open → withdrawn` by the
/// customer. Comments are taken until the dispute is closed.
package struct DisputeLifecycle: Hashable, Sendable {
    package enum State: String, Sendable, Codable, CaseIterable {
        /// Raised by the customer; the invoice shows `disputed`.
        case open
        /// The operator is looking into it; the invoice still shows `disputed`.
        case underReview = "under_review"
        /// Closed by the operator with a credit note or an explanation.
        case resolved
        /// Closed by the operator: the invoice stands.
        case rejected
        /// Closed by the customer before the operator took it up.
        case withdrawn

        /// Whether the dispute still holds the invoice: reminders, suspension and auto-pay leave it alone.
        package var isActive: Bool { self == .open || self == .underReview }
    }

    /// What the caller does after an event.
    package enum Action: Hashable, Sendable {
        /// Record `dispute.updated` and tell the billing contacts.
        case notifyUpdate
        /// The dispute is closed: release the invoice, record the closing event and tell the billing contacts.
        case release
        /// Store the comment; the dispute's state is unchanged.
        case recordComment
    }

    package private(set) var state: State

    package init(state: State) {
        self.state = state
    }

    /// The operator takes the dispute up.
    package mutating func review() throws(DisputeTransitionError) -> Action {
        guard self.state == .open else { throw .refused("take up for review", from: self.state) }
        self.state = .underReview
        return .notifyUpdate
    }

    /// The operator settles it, with a credit note or an explanation.
    package mutating func resolve() throws(DisputeTransitionError) -> Action {
        guard self.state.isActive else { throw .refused("resolve", from: self.state) }
        self.state = .resolved
        return .release
    }

    /// The operator finds the invoice right.
    package mutating func reject() throws(DisputeTransitionError) -> Action {
        guard self.state.isActive else { throw .refused("reject", from: self.state) }
        self.state = .rejected
        return .release
    }

    /// The customer takes it back before the operator has taken it up.
    package mutating func withdraw() throws(DisputeTransitionError) -> Action {
        guard self.state == .open else {
            throw .refused(
                "withdraw", from: self.state,
                hint: self.state == .underReview ? "it is under review; add a comment instead" : nil)
        }
        self.state = .withdrawn
        return .release
    }

    /// Either side adds to the thread.
    package func comment() throws(DisputeTransitionError) -> Action {
        guard self.state.isActive else { throw .refused("comment on", from: self.state) }
        return .recordComment
    }
}

/// Why a dispute event was refused.
package struct DisputeTransitionError: Error, Hashable, Sendable, CustomStringConvertible {
    package let message: String

    package var description: String { self.message }

    static func refused(_ event: String, from state: DisputeLifecycle.State, hint: String? = nil)
        -> DisputeTransitionError
    {
        let article = state == .open || state == .underReview ? "an" : "a"
        let label = state.rawValue.replacingOccurrences(of: "_", with: " ")
        let closed = state.isActive ? "" : "; it is closed"
        return DisputeTransitionError(
            message: "Cannot \(event) \(article) \(label) dispute" + (hint.map { "; \($0)" } ?? closed))
    }
}
