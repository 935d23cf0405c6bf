/// An Indian financial year, 1 April to 31 March, in which invoice numbers run in series.
package struct FinancialYear: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The calendar year in which it begins: 2026 for 2026-27.
    package let startYear: Int

    /// The financial year that begins on 1 April `startYear`.
    package init(startYear: Int) {
        self.startYear = startYear
    }

    /// The financial year `date` falls in: 2026-03-31 is in 2025-26, 2026-04-01 in 2026-27.
    package init(containing date: CalendarDate) {
        self.startYear = date.month >= 4 ? date.year : date.year - 1
    }

    /// 1 April of the start year.
    package var firstDay: CalendarDate {
        CalendarDate(year: self.startYear, month: 4, day: 1)!
    }

    /// 31 March of the following year.
    package var lastDay: CalendarDate {
        CalendarDate(year: self.startYear + 1, month: 3, day: 31)!
    }

    /// `26-27`, as invoice numbers carry it.
    package var shortLabel: String {
        "\(Self.twoDigits(self.startYear))-\(Self.twoDigits(self.startYear + 1))"
    }

    /// `2026-27`, as the e-invoice IRN carries it.
    package var description: String {
        "\(self.startYear)-\(Self.twoDigits(self.startYear + 1))"
    }

    package static func < (lhs: FinancialYear, rhs: FinancialYear) -> Bool {
        lhs.startYear < rhs.startYear
    }

    private static func twoDigits(_ year: Int) -> String {
        let lastTwo = year % 100
        return lastTwo < 10 ? "0\(lastTwo)" : "\(lastTwo)"
    }
}
