/// What a dunning run does for one workspace on one day: a pure function of its open invoices, its policy, its
/// service state and the reminders already recorded, so a run repeated the same day does nothing new.
///
/// The rules, in the domain's words:
/// - An invoice counts when it has something due, in the workspace's currency, and is not excluded from dunning.
/// - The overdue balance is what the counted invoices due before today leave due. It counts when it is at least the
///   policy's minimum and more than zero; a minimum in rupees does not apply to a workspace billed in another
///   currency, where any overdue amount counts.
/// - The clock runs from the due date of the earliest unpaid invoice that makes the overdue balance count: the
///   earliest due date by which the counted invoices add up to the minimum. Leftovers below the minimum do not start
///   it, and paying the earliest invoice moves it to the next one's due date.
/// - With g grace days and the clock at day D: grace from D+1, the final warning on D+g, suspension on D+g+1.
/// - Each reminder goes once per invoice and offset. When several offsets of one invoice fell due unsent, only the
///   latest goes and the earlier ones are skipped. A reminder says what is true today: before, on or after the due
///   date, whatever its offset. One after the due date waits (unrecorded) while the overdue balance does not count.
/// - On the final warning's day the warning takes the place of that day's on-due and overdue mails.
/// - A workspace excluded from dunning gets no reminders and is active whatever it owes: excluding a suspended one
///   restores its service at the next run.
package struct DunningAssessment: Hashable, Sendable {
    /// What the counted invoices due before today leave due, in the workspace's currency.
    package let overdueBalance: Money
    /// The earliest due date of a counted invoice, overdue or not; `nil` when nothing counted is due.
    package let earliestUnpaidDueDate: CalendarDate?
    /// The first day of the overdue period the clock runs in (the clock's due date plus one); `nil` when the overdue
    /// balance does not count.
    package let overdueSince: CalendarDate?
    /// The service state the workspace should be in today.
    package let state: ServiceState
    /// The move from the current state to `state`, with what to do for it; `nil` when it stays.
    package let transition: ServiceTransition?
    /// The day the service will be suspended unless paid: set in grace and when the final warning is due.
    package let suspendsOn: CalendarDate?
    /// The mails to send today, at most one of each kind, in the order of `DunningReminder.Kind.allCases`.
    package let reminders: [DunningReminder]
    /// Reminders that fell due but will never be sent, because a later one of the same invoice goes instead or
    /// went already; record them as the sent ones are recorded.
    package let skipped: [DunningReminderKey]

    /// Assesses a workspace on `today` under `policy` (`nil` when the workspace is excluded from dunning), given its
    /// open `invoices`, all in `currency`, its `currentState`, and `sentReminders`, the keys recorded as sent or
    /// skipped.
    package init(
        policy: DunningPolicy?, today: CalendarDate, currency: Currency, invoices: [DunningInvoice],
        currentState: ServiceState, sentReminders: Set<DunningReminderKey>
    ) {
        let counted =
            invoices
            .filter { !$0.excludedFromDunning && $0.amountDue.currency == currency && $0.amountDue.isPositive }
            .sorted { ($0.dueDate, $0.id.rawValue) < ($1.dueDate, $1.id.rawValue) }
        let overdue = counted.filter { $0.dueDate < today }
        self.overdueBalance = overdue.map(\.amountDue).sum(in: currency)
        self.earliestUnpaidDueDate = counted.first?.dueDate

        let clock = Self.clockDueDate(counted, minimum: Self.minimum(of: policy, in: currency))
        let balanceCounts = clock.map { $0 < today } ?? false
        self.overdueSince = balanceCounts ? clock?.adding(days: 1) : nil

        guard let policy else {
            self.state = .active
            var standing = ServiceStanding(state: currentState)
            self.transition = standing.move(to: .active, isExcluded: true)
            self.suspendsOn = nil
            self.reminders = []
            self.skipped = []
            return
        }

        let suspensionDay = clock?.adding(days: policy.graceDays + 1)
        if let suspensionDay, balanceCounts {
            self.state = today >= suspensionDay ? .suspended : .grace
        } else {
            self.state = .active
        }
        var standing = ServiceStanding(state: currentState)
        self.transition = standing.move(to: self.state, isExcluded: false)

        let warningKeys = counted.filter { $0.dueDate == clock }.map { DunningReminderKey.finalWarning($0.id) }
        let isWarningDay = suspensionDay.map { today == $0.adding(days: -1) } ?? false
        let finalWarningDue = isWarningDay && !warningKeys.contains(where: sentReminders.contains)
        self.suspendsOn = self.state == .grace || finalWarningDue ? suspensionDay : nil

        var due: [(invoice: DunningInvoice, key: DunningReminderKey, kind: DunningReminder.Kind)] = []
        var skipped: [DunningReminderKey] = []
        for invoice in counted {
            let daysPastDue = invoice.dueDate.days(until: today)
            let fallen = policy.reminderOffsets.filter { $0 <= daysPastDue }
            guard let latest = fallen.last else { continue }
            let latestKey = DunningReminderKey.reminder(invoice.id, offset: latest)
            let earlier = fallen.dropLast().map { DunningReminderKey.reminder(invoice.id, offset: $0) }
                .filter { !sentReminders.contains($0) }
            if sentReminders.contains(latestKey) {
                skipped += earlier
                continue
            }
            let kind: DunningReminder.Kind = daysPastDue < 0 ? .beforeDue : daysPastDue == 0 ? .onDue : .overdue
            if kind == .overdue && !balanceCounts { continue }
            skipped += earlier
            due.append((invoice, latestKey, kind))
        }

        var reminders: [DunningReminder] = []
        for kind in DunningReminder.Kind.allCases {
            let keys: [DunningReminderKey]
            let listed: [DunningInvoice]
            switch kind {
            case .beforeDue:
                keys = due.filter { $0.kind == .beforeDue }.map(\.key)
                listed = due.filter { $0.kind == .beforeDue }.map(\.invoice)
            case .onDue where !finalWarningDue:
                keys = due.filter { $0.kind == .onDue }.map(\.key)
                listed = due.filter { $0.kind == .onDue }.map(\.invoice)
            case .overdue where !finalWarningDue:
                keys = due.filter { $0.kind == .overdue }.map(\.key)
                listed = overdue
            case .finalWarning where finalWarningDue:
                keys = warningKeys + due.filter { $0.kind != .beforeDue }.map(\.key)
                listed = counted.filter { $0.dueDate <= today }
            case .onDue, .overdue, .finalWarning:
                continue
            }
            guard !keys.isEmpty else { continue }
            reminders.append(DunningReminder(kind: kind, invoices: listed, keys: keys, currency: currency))
        }
        self.reminders = reminders
        self.skipped = skipped
    }

    /// Whether the warning the day before suspension goes in this run.
    package var finalWarningDue: Bool { self.reminders.contains { $0.kind == .finalWarning } }

    /// Every key this run consumes: the mails' and the skipped ones, to record once the mails are queued.
    package var keysToRecord: [DunningReminderKey] { self.reminders.flatMap(\.keys) + self.skipped }

    /// The smallest overdue balance that counts, in minor units: the policy's minimum in the workspace's currency, and
    /// never less than one.
    private static func minimum(of policy: DunningPolicy?, in currency: Currency) -> Int64 {
        guard let minimum = policy?.minimumOverdue, minimum.currency == currency else { return 1 }
        return max(minimum.minorUnits, 1)
    }

    /// The earliest due date by which `counted` (sorted by due date) add up to `minimum`.
    private static func clockDueDate(_ counted: [DunningInvoice], minimum: Int64) -> CalendarDate? {
        var running: Int64 = 0
        for invoice in counted {
            running += invoice.amountDue.minorUnits
            if running >= minimum { return invoice.dueDate }
        }
        return nil
    }
}
