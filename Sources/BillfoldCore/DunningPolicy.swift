/// When a workspace is reminded of its invoices and when an overdue balance suspends its service.
///
/// Days count from an invoice's due date in India time: an invoice due on day D is overdue from D+1; a reminder at
/// offset k is due on day D+k; with g grace days the service is suspended on day D+g+1, after g full overdue days.
package struct DunningPolicy: Hashable, Sendable {
    /// The most reminders a policy sends per invoice.
    package static let maximumReminderCount = 10
    /// How far before (negative) or after the due date a reminder may go, in days.
    package static let reminderOffsetRange = -30...90
    /// How many grace days a policy may give.
    package static let graceDaysRange = 0...90

    /// Reminder days relative to the due date, unique and ascending: `-3` three days before, `0` on the day.
    package let reminderOffsets: [Int]
    /// Full overdue days before the service is suspended.
    package let graceDays: Int
    /// The smallest overdue balance that counts, in rupees: a smaller one neither starts grace nor sends overdue
    /// reminders. Zero still needs something overdue.
    package let minimumOverdue: Money

    /// Reminders three days before, on and three and seven days after the due date; suspension after seven
    /// overdue days; an overdue balance counts from ₹1.
    package static let standard = DunningPolicy(
        checkedOffsets: [-3, 0, 3, 7], graceDays: 7, minimumOverdue: Money(minorUnits: 100, currency: .inr))

    /// A policy with `reminderOffsets` in any order, refused when an offset repeats or is out of range, when there
    /// are too many, when `graceDays` is out of range, or when `minimumOverdue` is negative or not in rupees.
    package init(reminderOffsets: [Int], graceDays: Int, minimumOverdue: Money) throws(DunningPolicyError) {
        guard reminderOffsets.count <= Self.maximumReminderCount else {
            throw DunningPolicyError(
                code: .tooManyReminderOffsets, field: "reminder_offsets",
                message: "reminder_offsets may have at most \(Self.maximumReminderCount) days; "
                    + "\(reminderOffsets.count) were given")
        }
        let sorted = reminderOffsets.sorted()
        if let outside = sorted.first(where: { !Self.reminderOffsetRange.contains($0) }) {
            throw DunningPolicyError(
                code: .reminderOffsetOutOfRange, field: "reminder_offsets",
                message: "reminder_offsets must each be between \(Self.reminderOffsetRange.lowerBound) and "
                    + "\(Self.reminderOffsetRange.upperBound) days from the due date; \(outside) is not")
        }
        if let repeated = zip(sorted, sorted.dropFirst()).first(where: { $0 == $1 })?.0 {
            throw DunningPolicyError(
                code: .duplicateReminderOffset, field: "reminder_offsets",
                message: "reminder_offsets must not repeat a day; \(repeated) appears more than once")
        }
        guard Self.graceDaysRange.contains(graceDays) else {
            throw DunningPolicyError(
                code: .graceDaysOutOfRange, field: "grace_days",
                message: "grace_days must be between \(Self.graceDaysRange.lowerBound) and "
                    + "\(Self.graceDaysRange.upperBound); \(graceDays) was given")
        }
        guard minimumOverdue.currency == .inr else {
            throw DunningPolicyError(
                code: .minimumOverdueNotInRupees, field: "minimum_overdue",
                message: "minimum_overdue must be in INR; \(minimumOverdue.currency.code) was given")
        }
        guard !minimumOverdue.isNegative else {
            throw DunningPolicyError(
                code: .negativeMinimumOverdue, field: "minimum_overdue",
                message: "minimum_overdue must not be negative; \(minimumOverdue.formatted()) was given")
        }
        self.init(checkedOffsets: sorted, graceDays: graceDays, minimumOverdue: minimumOverdue)
    }

    private init(checkedOffsets: [Int], graceDays: Int, minimumOverdue: Money) {
        self.reminderOffsets = checkedOffsets
        self.graceDays = graceDays
        self.minimumOverdue = minimumOverdue
    }
}

/// Stored and sent as `{"reminder_offsets": [-3, 0, 3, 7], "grace_days": 7, "minimum_overdue": 100}`, the minimum
/// in paise; decoding checks the policy as the initializer does.
extension DunningPolicy: Codable {
    private enum CodingKeys: String, CodingKey {
        case reminderOffsets = "reminder_offsets"
        case graceDays = "grace_days"
        case minimumOverdue = "minimum_overdue"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let offsets = try container.decode([Int].self, forKey: .reminderOffsets)
        let graceDays = try container.decode(Int.self, forKey: .graceDays)
        let paise = try container.decode(Int64.self, forKey: .minimumOverdue)
        do {
            try self.init(
                reminderOffsets: offsets, graceDays: graceDays,
                minimumOverdue: Money(minorUnits: paise, currency: .inr))
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.reminderOffsets, forKey: .reminderOffsets)
        try container.encode(self.graceDays, forKey: .graceDays)
        try container.encode(self.minimumOverdue.minorUnits, forKey: .minimumOverdue)
    }
}

/// Why a dunning policy was refused; `field` names the request field for a 422.
package struct DunningPolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of refusal it is, stable for API clients.
    package enum Code: String, Sendable {
        case tooManyReminderOffsets = "too_many_reminder_offsets"
        case reminderOffsetOutOfRange = "reminder_offset_out_of_range"
        case duplicateReminderOffset = "duplicate_reminder_offset"
        case graceDaysOutOfRange = "grace_days_out_of_range"
        case negativeMinimumOverdue = "negative_minimum_overdue"
        case minimumOverdueNotInRupees = "minimum_overdue_not_in_rupees"
    }

    /// The kind of refusal.
    package let code: Code
    /// The request field at fault: `reminder_offsets`, `grace_days` or `minimum_overdue`.
    package let field: String
    /// What was wrong and what is allowed.
    package let message: String

    package var description: String { self.message }
}

/// How a workspace is dunned: by the supplier's policy, by its own, or not at all.
package enum WorkspaceDunning: Hashable, Sendable {
    /// The supplier-wide default applies.
    case standard
    /// This workspace has its own policy.
    case custom(DunningPolicy)
    /// No reminders, and the service is never suspended for an overdue balance.
    case excluded

    /// The stored name of the setting.
    package enum Mode: String, Sendable, Codable, CaseIterable {
        case standard
        case custom
        case excluded
    }

    package var mode: Mode {
        switch self {
        case .standard: .standard
        case .custom: .custom
        case .excluded: .excluded
        }
    }

    /// The policy a dunning run applies to this workspace; `nil` when it is excluded.
    package func effectivePolicy(supplierDefault: DunningPolicy) -> DunningPolicy? {
        switch self {
        case .standard: supplierDefault
        case .custom(let policy): policy
        case .excluded: nil
        }
    }
}

/// Stored and sent as `{"mode": "standard"}`, `{"mode": "excluded"}` or `{"mode": "custom"}` with the policy's
/// fields beside the mode.
extension WorkspaceDunning: Codable {
    private enum CodingKeys: String, CodingKey {
        case mode
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Mode.self, forKey: .mode) {
        case .standard: self = .standard
        case .custom: self = .custom(try DunningPolicy(from: decoder))
        case .excluded: self = .excluded
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.mode, forKey: .mode)
        if case .custom(let policy) = self {
            try policy.encode(to: encoder)
        }
    }
}
