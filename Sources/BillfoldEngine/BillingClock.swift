import BillfoldCore
import Foundation
import Synchronization

/// Where Billfold reads the time: the system clock in production, a clock tests move by hand.
public struct BillingClock: Sendable {
    private let read: @Sendable () -> Date
    /// The zone whose calendar dates documents carry.
    public let timeZone: TimeZone

    public init(timeZone: TimeZone = .indiaStandardTime, now: @escaping @Sendable () -> Date) {
        self.read = now
        self.timeZone = timeZone
    }

    public static let system = BillingClock { Date() }

    public var now: Date { self.read() }

    /// Today's date in the billing time zone.
    public var today: CalendarDate { CalendarDate(self.now, in: self.timeZone) }
}

/// A clock that stands still until moved: for tests and for seeding history.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        self.current = Mutex(start)
    }

    public var now: Date { self.current.withLock { $0 } }

    public func set(_ date: Date) {
        self.current.withLock { $0 = date }
    }

    public func advance(by interval: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(interval) }
    }

    /// A billing clock that reads this one.
    public func billingClock(timeZone: TimeZone = .indiaStandardTime) -> BillingClock {
        BillingClock(timeZone: timeZone) { self.now }
    }
}
