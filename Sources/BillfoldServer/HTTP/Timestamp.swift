import BillfoldCore
import Foundation

/// Timestamps in the API: ISO 8601 in UTC with a `Z`.
enum Timestamp {
    static func string(_ date: Date) -> String {
        ISO8601Instant.format(date)
    }
}
