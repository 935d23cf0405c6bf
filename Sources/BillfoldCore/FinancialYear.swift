/// An Indian financial year, 1 April to 31 March, in which invoice numbers run in series.
public struct FinancialYear: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The calendar year in which it begins: 2026 for 2026-27.
    public let startYear: Int

    /// The financial year that begins on 1 April `startYear`.
    public init(startYear: Int) {
        self.startYear = startYear
    }

    /// The financial year `date` falls in: 2026-03-31 is in 2025-26, 2026-04-01 in 2026-27.
    public init(containing date: CalendarDate) {
        self.startYear = date.month >= 4 ? date.year : date.year - 1
    }

    /// 1 April of the start year.
    public var firstDay: CalendarDate {
        CalendarDate(year: self.startYear, month: 4, day: 1)!
    }

    /// 31 March of the following year.
    public var lastDay: CalendarDate {
        CalendarDate(year: self.startYear + 1, month: 3, day: 31)!
    }

    /// `26-27`, as invoice numbers carry it.
    public var shortLabel: String {
        "\(Self.twoDigits(self.startYear))-\(Self.twoDigits(self.startYear + 1))"
    }

    /// `2026-27`, as the e-invoice IRN carries it.
    public var description: String {
        "\(self.startYear)-\(Self.twoDigits(self.startYear + 1))"
    }

    public static func < (lhs: FinancialYear, rhs: FinancialYear) -> Bool {
        lhs.startYear < rhs.startYear
    }

    private static func twoDigits(_ year: Int) -> String {
        let lastTwo = year % 100
        return lastTwo < 10 ? "0\(lastTwo)" : "\(lastTwo)"
    }
}
