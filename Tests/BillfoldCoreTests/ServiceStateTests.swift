import BillfoldCore
import Testing

/// Every event a workspace's service standing can receive.
enum ServiceEvent: String, Sendable, CaseIterable {
    case invoiceWentOverdue
    case gracePassed
    case graceExtended
    case overdueCleared
    case excluded

    func apply(to standing: inout ServiceStanding) throws(ServiceTransitionError) -> ServiceStanding.Action {
        switch self {
        case .invoiceWentOverdue: return try standing.invoiceWentOverdue()
        case .gracePassed: return try standing.gracePassed()
        case .graceExtended: return try standing.graceExtended()
        case .overdueCleared: return try standing.overdueCleared()
        case .excluded: return try standing.excluded()
        }
    }
}

/// The expected outcome of an event: a new state and an action, or a refusal with its message.
enum ServiceOutcome: Sendable, Equatable {
    case moves(to: ServiceState, action: ServiceStanding.Action)
    case refused(String)
}

/// Every state times every event.
private let transitions: [(ServiceState, ServiceEvent, ServiceOutcome)] = [
    (.active, .invoiceWentOverdue, .moves(to: .grace, action: .startGrace)),
    (.active, .gracePassed, .refused("Cannot suspend an active workspace; it enters grace first")),
    (
        .active, .graceExtended,
        .refused("Cannot extend the grace of an active workspace; only a suspended workspace has its grace reopened")
    ),
    (
        .active, .overdueCleared,
        .refused("Cannot clear the overdue balance of an active workspace; it is already active")
    ),
    (.active, .excluded, .refused("Cannot end dunning for an active workspace; it is already active")),
    (.grace, .invoiceWentOverdue, .refused("Cannot start grace for a workspace in grace; it is already in grace")),
    (.grace, .gracePassed, .moves(to: .suspended, action: .suspendService)),
    (
        .grace, .graceExtended,
        .refused("Cannot extend the grace of a workspace in grace; only a suspended workspace has its grace reopened")
    ),
    (.grace, .overdueCleared, .moves(to: .active, action: .endGrace)),
    (.grace, .excluded, .moves(to: .active, action: .endGrace)),
    (
        .suspended, .invoiceWentOverdue,
        .refused("Cannot start grace for a suspended workspace; a suspended one stays suspended until paid")
    ),
    (.suspended, .gracePassed, .refused("Cannot suspend a suspended workspace; it is already suspended")),
    (.suspended, .graceExtended, .moves(to: .grace, action: .restoreService)),
    (.suspended, .overdueCleared, .moves(to: .active, action: .restoreService)),
    (.suspended, .excluded, .moves(to: .active, action: .restoreService)),
]

struct ServiceStateTests {
    @Test("The table covers every state and event")
    func tableIsComplete() {
        let covered = Set(transitions.map { "\($0.0.rawValue)/\($0.1.rawValue)" })
        #expect(covered.count == ServiceState.allCases.count * ServiceEvent.allCases.count)
        #expect(transitions.count == covered.count)
    }

    @Test("Every state and event", arguments: transitions)
    func transition(state: ServiceState, event: ServiceEvent, outcome: ServiceOutcome) throws {
        var standing = ServiceStanding(state: state)
        switch outcome {
        case .moves(let newState, let action):
            #expect(try event.apply(to: &standing) == action)
            #expect(standing.state == newState)
        case .refused(let message):
            let error = #expect(throws: ServiceTransitionError.self) { try event.apply(to: &standing) }
            #expect(error?.code == .invalidTransition)
            #expect(error?.message == message)
            #expect(standing.state == state, "a refused event leaves the state alone")
        }
    }

    @Test(
        "A run moves from any state to any other by the events that lead there",
        arguments: [
            (ServiceState.active, ServiceState.active, false, nil),
            (.active, .grace, false, [ServiceStanding.Action.startGrace]),
            (.active, .suspended, false, [.startGrace, .suspendService]),
            (.grace, .active, false, [.endGrace]),
            (.grace, .active, true, [.endGrace]),
            (.grace, .grace, false, nil),
            (.grace, .suspended, false, [.suspendService]),
            (.suspended, .active, false, [.restoreService]),
            (.suspended, .active, true, [.restoreService]),
            (.suspended, .grace, false, [.restoreService]),
            (.suspended, .suspended, false, nil),
        ] as [(ServiceState, ServiceState, Bool, [ServiceStanding.Action]?)]
    )
    func move(from: ServiceState, to target: ServiceState, isExcluded: Bool, actions: [ServiceStanding.Action]?) {
        var standing = ServiceStanding(state: from)
        let transition = standing.move(to: target, isExcluded: isExcluded)
        #expect(standing.state == target)
        #expect(transition?.actions == actions)
        if let transition {
            #expect(transition.from == from && transition.to == target)
        }
    }

    @Test("Stored states keep their names")
    func rawValues() {
        #expect(ServiceState.allCases.map(\.rawValue) == ["active", "grace", "suspended"])
    }
}
