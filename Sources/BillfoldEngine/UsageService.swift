import BillfoldCore
import BillfoldStore
import Foundation

/// Metered usage, taken in batches stored whole or not at all, once per `(workspace, event_id)`.
///
/// A batch is refused when any record in it is: its times lie outside the window around the time the batch
/// arrived, or it names a workspace or meter that does not exist. The refusal lists every such record.
package struct UsageService: Sendable {
    package let database: Database
    package let clock: BillingClock

    package init(database: Database, clock: BillingClock) {
        self.database = database
        self.clock = clock
    }

    /// An empty batch for `size` records arriving now.
    package func batch(of size: Int) -> UsageBatch {
        UsageBatch(size: size, receivedAt: self.clock.now)
    }

    /// Stores the records of `batch` and says, for each in the batch's order, the id it is stored under and
    /// whether it was stored before; or, when any record of the batch is refused, stores nothing and throws
    /// `invalidRecords` naming every refused record.
    package func record(_ batch: UsageBatch) async throws -> [UsageRecordOutcome] {
        let accepted = batch.accepted
        let refused = batch.problems
        return try await self.database.inTransaction { store in
            let problems = (refused + (try await Self.missingReferences(accepted, in: store))).sorted {
                $0.index < $1.index
            }
            guard problems.isEmpty else {
                throw EngineError(
                    .invalidRecords,
                    "\(problems.count) of \(batch.size) records are invalid; nothing was stored", problems: problems)
            }
            return try await store.usage.record(accepted.map(\.record))
        }
    }

    /// A problem for every record whose workspace or meter does not exist.
    static func missingReferences(
        _ records: [(index: Int, record: UsageRecord)], in store: Store
    ) async throws -> [EngineError.Problem] {
        let found = try await store.workspaces.find(records.map(\.record.workspaceID))
        var meters: [String: Bool] = [:]
        for (_, record) in records where meters[record.meterCode] == nil {
            meters[record.meterCode] = try await store.meters.find(code: record.meterCode) != nil
        }
        var problems: [EngineError.Problem] = []
        for (index, record) in records {
            if found[record.workspaceID] == nil {
                problems.append(
                    .init(index: index, field: "workspace_id", message: "no workspace \(record.workspaceID)"))
            }
            if meters[record.meterCode] == false {
                problems.append(.init(index: index, field: "meter", message: "no meter \(record.meterCode)"))
            }
        }
        return problems
    }
}

/// The records of one batch as they are read: those accepted so far, each with its position, and a problem for each
/// refused one. Only records whose times pass the batch's checks are accepted.
package struct UsageBatch: Sendable {
    /// How far back a record's times may lie: a year's billing period (366 days in a leap year) and a month for a
    /// meter that reports late. Usage of a period already invoiced is never billed, so older records only hide
    /// a sender's mistake, such as a year 0000 or a time in seconds read as milliseconds.
    package static let oldestUsage: TimeInterval = 400 * 86_400
    /// How far ahead: clocks of the platform's meters may run a little ahead of the server's; a day covers any
    /// zone mix-up, and nothing is metered before it happens.
    package static let newestUsage: TimeInterval = 86_400

    /// How many records were sent.
    package let size: Int
    /// When the batch arrived, by the billing clock: the time the window is measured from, and every record's
    /// creation time.
    package let receivedAt: Date
    package private(set) var accepted: [(index: Int, record: UsageRecord)] = []
    package private(set) var problems: [EngineError.Problem] = []

    init(size: Int, receivedAt: Date) {
        self.size = size
        self.receivedAt = receivedAt
        self.accepted.reserveCapacity(size)
    }

    /// `time`, the record's `field`, when it lies within 400 days before and a day after the batch arrived.
    package func check(_ time: Date, field: String) throws(EngineError) -> Date {
        let oldest = self.receivedAt.addingTimeInterval(-Self.oldestUsage)
        let newest = self.receivedAt.addingTimeInterval(Self.newestUsage)
        guard time >= oldest, time <= newest else {
            throw EngineError(
                .invalidField,
                "\(field) must be within 400 days before and 1 day after the server's time: from "
                    + "\(ISO8601Instant.format(oldest)) to \(ISO8601Instant.format(newest))",
                param: field)
        }
        return time
    }

    /// Refuses a usage period that ends before it starts.
    package func checkPeriod(from startedAt: Date, to endedAt: Date) throws(EngineError) {
        guard endedAt >= startedAt else {
            throw EngineError(.invalidField, "ended_at is before started_at", param: "ended_at")
        }
    }

    /// Takes `record`, the batch's record at `index`, or refuses it when its times do not pass the checks.
    package mutating func add(_ record: UsageRecord, at index: Int) {
        do throws(EngineError) {
            _ = try self.check(record.startedAt, field: "started_at")
            _ = try self.check(record.endedAt, field: "ended_at")
            try self.checkPeriod(from: record.startedAt, to: record.endedAt)
            self.accepted.append((index, record))
        } catch {
            self.refuse(at: index, field: error.param ?? "", message: error.message)
        }
    }

    /// Refuses the batch's record at `index`: its `field` is wrong as `message` says.
    package mutating func refuse(at index: Int, field: String, message: String) {
        self.problems.append(EngineError.Problem(index: index, field: field, message: message))
    }
}
