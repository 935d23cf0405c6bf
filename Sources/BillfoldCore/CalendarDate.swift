import Foundation

/// A day on the calendar with no time of day: issue dates, due dates, billing periods.
package struct CalendarDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int

    package init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Self.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `2026-11-21`: four digits, two and two, between hyphens.
    package init?(iso8601 string: String) {
        // Read byte by byte: stored rows carry several dates each, and splitting the text cost a tenth of a list.
        var fields = (year: 0, month: 0, day: 0)
        var count = 0
        for byte in string.utf8 {
            defer { count += 1 }
            if count == 4 || count == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), count < 10 else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            switch count {
            case 0..<4: fields.year = fields.year * 10 + digit
            case 5..<7: fields.month = fields.month * 10 + digit
            default: fields.day = fields.day * 10 + digit
            }
        }
        guard count == 10 else { return nil }
        self.init(year: fields.year, month: fields.month, day: fields.day)
    }

    /// The day `date` falls on in `timeZone`.
    package init(_ date: Date, in timeZone: TimeZone) {
        let offset = timeZone.secondsFromGMT(for: date)
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        self.init(daysSinceEpoch: Int((Double(seconds) / 86_400).rounded(.down)))
    }

    /// The day that is `daysSinceEpoch` days after 1970-01-01.
    package init(daysSinceEpoch: Int) {
        // Howard Hinnant's civil_from_days.
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        self.day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        self.month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        self.year = yearOfEra + era * 400 + (self.month <= 2 ? 1 : 0)
    }

    /// Days from 1970-01-01 to this day.
    package var daysSinceEpoch: Int {
        let shiftedYear = self.month <= 2 ? self.year - 1 : self.year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (self.month > 2 ? self.month - 3 : self.month + 9) + 2) / 5 + self.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The instant this day starts in `timeZone`.
    package func start(in timeZone: TimeZone) -> Date {
        let utcMidnight = Date(timeIntervalSince1970: TimeInterval(self.daysSinceEpoch) * 86_400)
        return utcMidnight.addingTimeInterval(-TimeInterval(timeZone.secondsFromGMT(for: utcMidnight)))
    }

    package func adding(days: Int) -> CalendarDate {
        CalendarDate(daysSinceEpoch: self.daysSinceEpoch + days)
    }

    /// The same day `months` later, moved back to the month's last day where it has fewer days.
    package func adding(months: Int) -> CalendarDate {
        let monthIndex = self.year * 12 + (self.month - 1) + months
        let year = monthIndex / 12
        let month = monthIndex % 12 + 1
        let day = Swift.min(self.day, Self.daysInMonth(year: year, month: month))
        return CalendarDate(year: year, month: month, day: day)!
    }

    /// Whole days from this day to `other`; negative when `other` is earlier.
    package func days(until other: CalendarDate) -> Int {
        other.daysSinceEpoch - self.daysSinceEpoch
    }

    package var firstOfMonth: CalendarDate { CalendarDate(year: self.year, month: self.month, day: 1)! }

    package static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return self.isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `2026-11-21`.
    package var description: String {
        guard (0...9999).contains(self.year) else {
            let month = self.month < 10 ? "0\(self.month)" : "\(self.month)"
            let day = self.day < 10 ? "0\(self.day)" : "\(self.day)"
            return "\(self.year)-\(month)-\(day)"
        }
        // Written digit by digit: every document and list row prints several dates.
        return String(unsafeUninitializedCapacity: 10) { text in
            func put(_ value: Int, digits: Int, at start: Int) {
                var rest = value
                for index in stride(from: start + digits - 1, through: start, by: -1) {
                    text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(self.year, digits: 4, at: 0)
            text[4] = UInt8(ascii: "-")
            put(self.month, digits: 2, at: 5)
            text[7] = UInt8(ascii: "-")
            put(self.day, digits: 2, at: 8)
            return 10
        }
    }

    package static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

extension TimeZone {
    /// India Standard Time, in which Billfold dates its documents unless configured otherwise.
    package static let indiaStandardTime = TimeZone(identifier: "Asia/Kolkata")!
}
