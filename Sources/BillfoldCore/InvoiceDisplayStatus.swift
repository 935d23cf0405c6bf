/// The one status a person sees for an invoice, derived from its state, its payment attempts and its due date.
package enum InvoiceDisplayStatus: String, Sendable, Codable, CaseIterable {
    case cancelled
    case paid
    case processing
    case disputed
    case overdue
    case failed
    case pending
    case draft

    /// The first that applies of: cancelled, paid, processing, disputed, overdue, failed, pending, draft.
    package static func derive(
        state: InvoiceLifecycle.State,
        hasAttemptInFlight: Bool,
        isDisputed: Bool = false,
        lastAttemptFailed: Bool,
        dueDate: CalendarDate?,
        today: CalendarDate
    ) -> InvoiceDisplayStatus {
        switch state {
        case .cancelled:
            return .cancelled
        case .paid:
            return .paid
        case .draft:
            return .draft
        case .open:
            if hasAttemptInFlight { return .processing }
            if isDisputed { return .disputed }
            if let dueDate, today > dueDate { return .overdue }
            if lastAttemptFailed { return .failed }
            return .pending
        }
    }

    /// The status as shown: `Overdue`.
    package var label: String {
        switch self {
        case .cancelled: return "Cancelled"
        case .paid: return "Paid"
        case .processing: return "Processing"
        case .disputed: return "Disputed"
        case .overdue: return "Overdue"
        case .failed: return "Failed"
        case .pending: return "Pending"
        case .draft: return "Draft"
        }
    }
}
