import BillfoldCore
import Foundation
import Synchronization

/// Where Billfold reads the time: the system clock in production, a clock tests move by hand.
package struct BillingClock: Sendable {
    private let read: @Sendable () -> Date
    /// The zone whose calendar dates documents carry.
    package let timeZone: TimeZone

    package init(timeZone: TimeZone = .indiaStandardTime, now: @escaping @Sendable () -> Date) {
        self.read = now
        self.timeZone = timeZone
    }

    package static let system = BillingClock { Date() }

    package var now: Date { self.read() }

    /// Today's date in the billing time zone.
    package var today: CalendarDate { CalendarDate(self.now, in: self.timeZone) }
}

/// A clock that stands still until moved: for tests and for seeding history.
package final class ManualClock: Sendable {
    private let current: Mutex<Date>

    package init(_ start: Date) {
        self.current = Mutex(start)
    }

    package var now: Date { self.current.withLock { $0 } }

    package func set(_ date: Date) {
        self.current.withLock { $0 = date }
    }

    package func advance(by interval: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(interval) }
    }

    /// A billing clock that reads this one.
    package func billingClock(timeZone: TimeZone = .indiaStandardTime) -> BillingClock {
        BillingClock(timeZone: timeZone) { self.now }
    }
}
