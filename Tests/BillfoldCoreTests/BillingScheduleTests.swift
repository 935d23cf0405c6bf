import BillfoldCore
import Testing

@Suite("Billing schedule")
struct BillingScheduleTests {
    static func date(_ text: String) -> CalendarDate { CalendarDate(iso8601: text)! }

    /// Anchor, interval, and the first days of the next four periods, worked out on a calendar.
    static let schedules: [(String, BillingInterval, [String])] = [
        ("2026-01-31", .month, ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]),
        ("2028-01-31", .month, ["2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"]),
        ("2026-01-30", .month, ["2026-02-28", "2026-03-30", "2026-04-30", "2026-05-30"]),
        ("2026-11-01", .month, ["2026-12-01", "2027-01-01", "2027-02-01", "2027-03-01"]),
        ("2026-03-31", .month, ["2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31"]),
        ("2028-02-29", .year, ["2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"]),
        ("2026-04-01", .year, ["2027-04-01", "2028-04-01", "2029-04-01", "2030-04-01"]),
    ]

    @Test("periods follow the anchor through short months and leap years", arguments: schedules)
    func nextPeriods(anchor: String, interval: BillingInterval, expected: [String]) {
        let schedule = BillingSchedule(anchor: Self.date(anchor), interval: interval)
        var start = schedule.anchor
        var starts: [String] = []
        for _ in 0..<4 {
            let next = schedule.period(after: start)
            starts.append(next.start.description)
            start = next.start
        }
        #expect(starts == expected)
        #expect((1...4).map { schedule.start(ofPeriod: $0).description } == expected)
    }

    @Test("the period containing a day: on the boundary a new period has begun")
    func containing() {
        let schedule = BillingSchedule(anchor: Self.date("2026-01-31"), interval: .month)
        let cases: [(String, Int, String, String)] = [
            ("2026-01-31", 0, "2026-01-31", "2026-02-28"),
            ("2026-02-27", 0, "2026-01-31", "2026-02-28"),
            ("2026-02-28", 1, "2026-02-28", "2026-03-31"),
            ("2026-03-30", 1, "2026-02-28", "2026-03-31"),
            ("2026-03-31", 2, "2026-03-31", "2026-04-30"),
            ("2027-01-31", 12, "2027-01-31", "2027-02-28"),
            ("2025-12-01", 0, "2026-01-31", "2026-02-28"),
        ]
        for (day, index, start, end) in cases {
            let period = schedule.period(containing: Self.date(day))
            #expect(period.index == index, "\(day)")
            #expect(period.start.description == start && period.end.description == end, "\(day)")
        }
    }
}
