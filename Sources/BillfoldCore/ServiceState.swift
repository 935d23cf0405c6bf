/// Whether a workspace may use the platform; it moves with dunning.
package enum ServiceState: String, Sendable, Codable, CaseIterable {
    /// Nothing overdue that counts: the service runs.
    case active
    /// An overdue balance at or above the policy's minimum, still within the grace days: the service runs and the
    /// workspace is told when it will be suspended.
    case grace
    /// The grace days passed with the overdue balance unpaid: the service is cut until it is paid.
    case suspended
}

/// Where a workspace stands with dunning; each event returns what the caller must do to its service.
///
/// `active → grace → suspended` as an overdue balance ages; back to `active` the moment it is cleared or the workspace
/// is excluded from dunning, and from `suspended` back to `grace` when the grace period now ends later (the earliest
/// overdue invoice was paid while a later one is still within its grace days, or the policy grants more days).
package struct ServiceStanding: Hashable, Sendable {
    package typealias State = ServiceState

    /// The work an event leaves to the caller, done with the state change.
    package enum Action: Hashable, Sendable {
        /// The service keeps running; the workspace is in grace until the suspension day.
        case startGrace
        /// Cut the service and tell the workspace (and staff) why.
        case suspendService
        /// Give the service back.
        case restoreService
        /// Grace ends with the service never having been cut: nothing to restore.
        case endGrace
    }

    /// Where the workspace is now; changed only by the events below.
    package private(set) var state: State

    /// A workspace in `state`, as stored.
    package init(state: State) {
        self.state = state
    }

    /// An overdue balance at or above the minimum appeared: an active workspace enters grace.
    package mutating func invoiceWentOverdue() throws(ServiceTransitionError) -> Action {
        guard self.state == .active else {
            throw .invalidTransition(
                "start grace for", from: self.state,
                hint: self.state == .grace ? "it is already in grace" : "a suspended one stays suspended until paid")
        }
        self.state = .grace
        return .startGrace
    }

    /// The grace days passed with the overdue balance still at or above the minimum: the service is cut.
    package mutating func gracePassed() throws(ServiceTransitionError) -> Action {
        guard self.state == .grace else {
            throw .invalidTransition(
                "suspend", from: self.state,
                hint: self.state == .active ? "it enters grace first" : "it is already suspended")
        }
        self.state = .suspended
        return .suspendService
    }

    /// The grace period now ends later than today: a suspended workspace gets its service back and is in grace again.
    package mutating func graceExtended() throws(ServiceTransitionError) -> Action {
        guard self.state == .suspended else {
            throw .invalidTransition(
                "extend the grace of", from: self.state, hint: "only a suspended workspace has its grace reopened")
        }
        self.state = .grace
        return .restoreService
    }

    /// The overdue balance fell below the minimum, by payment, credit or write-off: back to active at once.
    package mutating func overdueCleared() throws(ServiceTransitionError) -> Action {
        try self.returnToActive("clear the overdue balance of")
    }

    /// The workspace was excluded from dunning: it never stays in grace or suspended.
    package mutating func excluded() throws(ServiceTransitionError) -> Action {
        try self.returnToActive("end dunning for")
    }

    private mutating func returnToActive(_ event: String) throws(ServiceTransitionError) -> Action {
        switch self.state {
        case .active:
            throw .invalidTransition(event, from: self.state, hint: "it is already active")
        case .grace:
            self.state = .active
            return .endGrace
        case .suspended:
            self.state = .active
            return .restoreService
        }
    }
}

/// A change of service state that a dunning run makes, and what the caller must do for it, in order.
package struct ServiceTransition: Hashable, Sendable {
    package let from: ServiceState
    package let to: ServiceState
    /// One action per event on the way: `[.startGrace, .suspendService]` when a workspace skips grace.
    package let actions: [ServiceStanding.Action]

    package init(from: ServiceState, to: ServiceState, actions: [ServiceStanding.Action]) {
        self.from = from
        self.to = to
        self.actions = actions
    }
}

extension ServiceStanding {
    /// Moves to `target` by the events that lead there; `nil` when already there. `isExcluded` says why a workspace
    /// returns to active: its exclusion from dunning rather than a cleared balance.
    package mutating func move(to target: State, isExcluded: Bool) -> ServiceTransition? {
        let from = self.state
        guard target != from else { return nil }
        var actions: [Action] = []
        do {
            switch (from, target) {
            case (.active, .grace):
                actions = [try self.invoiceWentOverdue()]
            case (.active, .suspended):
                actions = [try self.invoiceWentOverdue(), try self.gracePassed()]
            case (.grace, .suspended):
                actions = [try self.gracePassed()]
            case (.suspended, .grace):
                actions = [try self.graceExtended()]
            case (.grace, .active), (.suspended, .active):
                actions = [isExcluded ? try self.excluded() : try self.overdueCleared()]
            case (.active, .active), (.grace, .grace), (.suspended, .suspended):
                return nil
            }
        } catch {
            preconditionFailure("ServiceStanding refused its own path from \(from) to \(target): \(error)")
        }
        return ServiceTransition(from: from, to: target, actions: actions)
    }
}

/// Why a service-state event was refused.
package struct ServiceTransitionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of refusal it is, stable for API clients.
    package enum Code: String, Sendable {
        case invalidTransition = "invalid_transition"
    }

    /// The kind of refusal.
    package let code: Code
    /// What was refused and why.
    package let message: String

    package var description: String { self.message }

    fileprivate static func invalidTransition(
        _ event: String, from state: ServiceState, hint: String
    ) -> ServiceTransitionError {
        let article = state == .active ? "an" : "a"
        let adjective = state == .grace ? "workspace in grace" : "\(state.rawValue) workspace"
        let subject = state == .grace ? "a \(adjective)" : "\(article) \(adjective)"
        return ServiceTransitionError(code: .invalidTransition, message: "Cannot \(event) \(subject); \(hint)")
    }
}
