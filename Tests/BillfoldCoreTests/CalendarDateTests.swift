import BillfoldCore
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate {
    CalendarDate(iso8601: text)!
}

struct CalendarDateTests {
    @Test(
        "Leap years: every fourth year, except centuries not divisible by 400",
        arguments: [
            (2024, true), (2025, false), (2026, false), (1900, false), (2000, true), (2100, false), (2400, true),
        ]
    )
    func leapYears(year: Int, isLeap: Bool) {
        #expect(CalendarDate.isLeapYear(year) == isLeap)
    }

    @Test(
        "Month lengths",
        arguments: [
            (2024, 2, 29), (2025, 2, 28), (1900, 2, 28), (2000, 2, 29), (2026, 1, 31), (2026, 4, 30), (2026, 6, 30),
            (2026, 9, 30), (2026, 11, 30), (2026, 7, 31), (2026, 8, 31), (2026, 12, 31),
        ]
    )
    func daysInMonth(year: Int, month: Int, days: Int) {
        #expect(CalendarDate.daysInMonth(year: year, month: month) == days)
    }

    @Test(
        "Only real days exist",
        arguments: [
            (2024, 2, 29, true), (2025, 2, 29, false), (2026, 4, 30, true), (2026, 4, 31, false), (2026, 12, 31, true),
            (2026, 13, 1, false), (2026, 0, 1, false), (2026, 1, 0, false), (0, 1, 1, false), (10_000, 1, 1, false),
        ]
    )
    func validity(year: Int, month: Int, day: Int, exists: Bool) {
        #expect((CalendarDate(year: year, month: month, day: day) != nil) == exists)
    }

    @Test(
        "Parses ISO 8601 dates and nothing looser",
        arguments: [
            ("2026-11-21", "2026-11-21"), ("2024-02-29", "2024-02-29"), ("0001-01-01", "0001-01-01"),
            ("2026-1-21", nil), ("2026-02-30", nil), ("20261121", nil), ("2026-11-21T00:00", nil),
            ("+026-11-21", nil), ("2026-11-2\u{0661}", nil), ("", nil), ("0999-12-31", "0999-12-31"),
            ("2026-11-211", nil), ("2026-11-21 ", nil), ("2026/11/21", nil), ("2026-11-", nil), ("-2026-11-2", nil),
        ] as [(String, String?)]
    )
    func parsesISO8601(text: String, expected: String?) {
        #expect(CalendarDate(iso8601: text)?.description == expected)
    }

    @Test(
        "Adding months keeps the day or falls back to the month's last day",
        arguments: [
            ("2026-01-31", 1, "2026-02-28"),
            ("2024-01-31", 1, "2024-02-29"),
            ("2026-01-31", 2, "2026-03-31"),
            ("2026-01-31", 3, "2026-04-30"),
            ("2026-03-31", -1, "2026-02-28"),
            ("2026-12-15", 1, "2027-01-15"),
            ("2026-01-15", -1, "2025-12-15"),
            ("2026-05-31", 12, "2027-05-31"),
            ("2024-02-29", 12, "2025-02-28"),
            ("2026-08-31", 0, "2026-08-31"),
            ("2026-01-31", 25, "2028-02-29"),
        ]
    )
    func addingMonths(start: String, months: Int, expected: String) {
        #expect(date(start).adding(months: months) == date(expected))
    }

    @Test(
        "Adding days crosses month and year ends",
        arguments: [
            ("2026-02-28", 1, "2026-03-01"),
            ("2024-02-28", 1, "2024-02-29"),
            ("2026-12-31", 1, "2027-01-01"),
            ("2026-03-01", -1, "2026-02-28"),
            ("2026-04-01", 365, "2027-04-01"),
            ("2027-04-01", 366, "2028-04-01"),
        ]
    )
    func addingDays(start: String, days: Int, expected: String) {
        #expect(date(start).adding(days: days) == date(expected))
        #expect(date(start).days(until: date(expected)) == days)
    }

    @Test(
        "Days since 1970-01-01",
        arguments: [
            ("1970-01-01", 0), ("1970-01-02", 1), ("1969-12-31", -1), ("2000-01-01", 10_957),
            ("2026-11-21", 20_778), ("0001-01-01", -719_162), ("9999-12-31", 2_932_896),
        ]
    )
    func daysSinceEpoch(text: String, days: Int) {
        #expect(date(text).daysSinceEpoch == days)
        #expect(CalendarDate(daysSinceEpoch: days) == date(text))
    }

    @Test("Every day from 1900 to 2100 round-trips through its epoch day and follows the one before")
    func epochRoundTrip() {
        var previous = date("1899-12-31")
        for days in date("1900-01-01").daysSinceEpoch...date("2100-12-31").daysSinceEpoch {
            let day = CalendarDate(daysSinceEpoch: days)
            #expect(day.daysSinceEpoch == days)
            let isNextInMonth = day.year == previous.year && day.month == previous.month && day.day == previous.day + 1
            let previousMonthLength = CalendarDate.daysInMonth(year: previous.year, month: previous.month)
            let isFirstOfNextMonth = day.day == 1 && previous.day == previousMonthLength
            #expect(isNextInMonth || isFirstOfNextMonth, "\(previous) is followed by \(day)")
            #expect(previous < day)
            previous = day
        }
        #expect(previous == date("2100-12-31"))
    }

    @Test(
        "The day of an instant depends on the time zone",
        arguments: [
            (0.0, "UTC", "1970-01-01"),
            (-1.0, "UTC", "1969-12-31"),
            (66_599.0, "Asia/Kolkata", "1970-01-01"),
            (66_600.0, "Asia/Kolkata", "1970-01-02"),
            (1_774_981_800.0, "Asia/Kolkata", "2026-04-01"),
            (1_774_981_799.0, "Asia/Kolkata", "2026-03-31"),
        ]
    )
    func dayOfInstant(secondsSince1970: Double, timeZone: String, expected: String) {
        let instant = Date(timeIntervalSince1970: secondsSince1970)
        #expect(CalendarDate(instant, in: TimeZone(identifier: timeZone)!) == date(expected))
    }

    @Test("A day starts at midnight in the given time zone")
    func startOfDay() {
        #expect(date("1970-01-02").start(in: .indiaStandardTime) == Date(timeIntervalSince1970: 66_600))
        #expect(date("2026-04-01").start(in: .indiaStandardTime) == Date(timeIntervalSince1970: 1_774_981_800))
        #expect(
            date("2026-04-01").start(in: TimeZone(identifier: "UTC")!) == Date(timeIntervalSince1970: 1_775_001_600))
    }

    @Test("Ordering, first of month and printing")
    func orderingAndPrinting() {
        #expect(date("2026-03-31") < date("2026-04-01"))
        #expect(date("2025-12-31") < date("2026-01-01"))
        #expect(!(date("2026-04-01") < date("2026-04-01")))
        #expect(date("2026-11-21").firstOfMonth == date("2026-11-01"))
        #expect(CalendarDate(year: 2026, month: 4, day: 1)!.description == "2026-04-01")
        #expect(CalendarDate(year: 987, month: 12, day: 25)!.description == "0987-12-25")
    }
}
