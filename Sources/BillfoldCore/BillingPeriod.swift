/// A subscription's billing periods, counted from its anchor so that short months do not shift them.
///
/// A monthly period anchored on 31 January runs to 28 (or 29) February, then to 31 March, not 28 March.
package struct BillingSchedule: Hashable, Sendable {
    /// The first day of the first period.
    package let anchor: CalendarDate
    package let interval: BillingInterval

    package init(anchor: CalendarDate, interval: BillingInterval) {
        self.anchor = anchor
        self.interval = interval
    }

    /// The first day of period `index` (0 is the period that starts at the anchor).
    package func start(ofPeriod index: Int) -> CalendarDate {
        self.anchor.adding(months: index * self.interval.months)
    }

    /// The period that contains `date`: its index, its first day, and the first day after it.
    package func period(containing date: CalendarDate) -> (index: Int, start: CalendarDate, end: CalendarDate) {
        let monthsApart = (date.year - self.anchor.year) * 12 + (date.month - self.anchor.month)
        var index = max(0, monthsApart / self.interval.months)
        while index > 0, self.start(ofPeriod: index) > date { index -= 1 }
        while self.start(ofPeriod: index + 1) <= date { index += 1 }
        return (index, self.start(ofPeriod: index), self.start(ofPeriod: index + 1))
    }

    /// The period that follows the one starting on `start`: its first day and the first day after it.
    package func period(after start: CalendarDate) -> (start: CalendarDate, end: CalendarDate) {
        let next = self.period(containing: start).end
        return (next, self.period(containing: next).end)
    }
}
