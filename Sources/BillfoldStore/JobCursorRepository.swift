import Foundation
import SQLKit

/// How far a job that follows the event log has read, so a restart neither skips nor repeats.
package protocol JobCursorRepository: Sendable {
    /// The position `name` has read up to, holding the cursor's row until the transaction ends so two processes
    /// never read the same stretch. A new cursor starts after the events written before `cutoff`: a job switched
    /// on (or a database upgraded to it) follows what happens from about then, not the whole history.
    func lock(_ name: String, newStartingAt cutoff: Date) async throws -> EventLogPosition
    func advance(_ name: String, to position: EventLogPosition) async throws
}

struct SQLJobCursorRepository: JobCursorRepository {
    let sql: any SQLDatabase

    func lock(_ name: String, newStartingAt cutoff: Date) async throws -> EventLogPosition {
        try await self.sql.raw(
            """
            INSERT INTO job_cursors (name, txid, position)
            SELECT \(bind: name), COALESCE(MAX(txid), 0), COALESCE(MAX(sequence), 0) FROM (
                SELECT txid, sequence FROM events WHERE created_at < \(bind: cutoff.storedMilliseconds)
                ORDER BY txid DESC, sequence DESC LIMIT 1
            ) AS before_cutoff WHERE TRUE
            ON CONFLICT (name) DO NOTHING
            """
        ).run()
        let lock: SQLQueryString = self.sql.isPostgreSQL ? " FOR UPDATE" : ""
        guard
            let row = try await self.sql.raw(
                "SELECT txid, position FROM job_cursors WHERE name = \(bind: name)\(lock)"
            ).first()
        else {
            throw StoreError.corrupt("the cursor \(name) vanished")
        }
        return EventLogPosition(transaction: try row.int64("txid"), sequence: try row.int64("position"))
    }

    func advance(_ name: String, to position: EventLogPosition) async throws {
        try await self.sql.raw(
            """
            UPDATE job_cursors SET txid = \(bind: position.transaction), position = \(bind: position.sequence)
            WHERE name = \(bind: name)
            """
        ).run()
    }
}
