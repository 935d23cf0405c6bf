import BillfoldTestSupport
import Foundation
import Logging
import SQLKit
import SQLiteNIO
import Testing

@testable import BillfoldStore

@Suite("SQLite connections with their statements kept prepared")
struct SQLiteHandleTests {
    /// A connection to a new database file, removed afterwards.
    static func withHandle(_ body: (SQLiteHandle) throws -> Void) async throws {
        try await TestDatabase.withLocation(.sqlite) { location in
            guard case .sqlite(let path) = location else { return }
            let handle = try SQLiteHandle(path: path)
            defer { handle.close() }
            try body(handle)
        }
    }

    static func names(_ rows: [SQLiteStoreRow]) throws -> [String] {
        try rows.map { try $0.decode(column: "name", as: String.self) }
    }

    @Test("a statement that comes again runs on its kept statement, with new binds and none of the old ones")
    func keptStatements() async throws {
        try await Self.withHandle { handle in
            _ = try handle.run("CREATE TABLE probe (id INTEGER PRIMARY KEY, name TEXT)", binds: [])
            let insert = "INSERT INTO probe (id, name) VALUES (?1, ?2)"
            for (id, name) in [(1, "₹ one"), (2, "two"), (3, "three")] {
                _ = try handle.run(insert, binds: [.integer(id), .text(name)])
            }
            let kept = handle.keptStatements
            let select = "SELECT name FROM probe WHERE id >= ?1 ORDER BY id"
            #expect(try Self.names(handle.run(select, binds: [.integer(2)])) == ["two", "three"])
            #expect(try Self.names(handle.run(select, binds: [.integer(1)])) == ["₹ one", "two", "three"])
            #expect(handle.keptStatements == kept + 1, "the SELECT was prepared once")
            // A bind left out is NULL, not the value the statement had last time.
            #expect(try handle.run(select, binds: []).isEmpty)
        }
    }

    @Test(
        "a statement run for each of many rows is prepared once, and keeps all its rows or none, in a transaction or not"
    )
    func runEach() async throws {
        try await Self.withHandle { handle in
            _ = try handle.run("CREATE TABLE probe (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER)", binds: [])
            let insert = "INSERT INTO probe (id, name, flag) VALUES (?1, ?2, ?3)"
            let before = handle.keptStatements
            try handle.runEach(
                insert, rows: [[.integer(1), .text("₹ one"), .boolean(true)], [.integer(2), .null, .boolean(false)]])
            #expect(handle.keptStatements == before + 3, "the INSERT, the SAVEPOINT and the RELEASE were kept")
            try handle.runEach(insert, rows: [[.integer(6), .text("six"), .null]])
            #expect(handle.keptStatements == before + 3, "the second call found all three kept")
            _ = try handle.run("DELETE FROM probe WHERE id = 6", binds: [])
            // The third row clashes with the first: neither of the two rows before it is kept.
            #expect(throws: SQLiteFailure.self) {
                try handle.runEach(
                    insert,
                    rows: [
                        [.integer(3), .text("three"), .null], [.integer(4), .text("four"), .null],
                        [.integer(1), .text("again"), .null],
                    ])
            }
            // A row short of a value is refused, not filled in from the row before it.
            #expect {
                try handle.runEach(
                    insert, rows: [[.integer(7), .text("seven"), .null], [.integer(8), .text("eight")]])
            } throws: { ($0 as? SQLiteFailure)?.message.contains("a row of 2 values for 3 places") == true }
            let rows = try handle.run("SELECT id, name, flag FROM probe ORDER BY id", binds: [])
            #expect(try rows.map { try $0.decode(column: "id", as: Int.self) } == [1, 2])
            #expect(try rows.map { try $0.decode(column: "name", as: String?.self) } == ["₹ one", nil])
            #expect(try rows.map { try $0.decode(column: "flag", as: Bool.self) } == [true, false])
            // Inside a transaction too, a refused call keeps none of its rows, and the transaction goes on.
            _ = try handle.run("BEGIN IMMEDIATE", binds: [])
            try handle.runEach(insert, rows: [[.integer(9), .text("nine"), .null]])
            #expect(throws: SQLiteFailure.self) {
                try handle.runEach(insert, rows: [[.integer(5), .text("five"), .null], [.integer(2), .null, .null]])
            }
            _ = try handle.run("COMMIT", binds: [])
            let ids = try handle.run("SELECT id FROM probe WHERE id IN (5, 9) ORDER BY id", binds: [])
            #expect(try ids.map { try $0.decode(column: "id", as: Int.self) } == [9])
        }
    }

    @Test("a long statement is run and finalized, not kept; past its limit the cache starts over")
    func cacheBounds() async throws {
        try await Self.withHandle { handle in
            _ = try handle.run("CREATE TABLE probe (id INTEGER PRIMARY KEY, name TEXT)", binds: [])
            let values = (1...300).map { "(\($0), 'name \($0)')" }.joined(separator: ", ")
            let kept = handle.keptStatements
            _ = try handle.run("INSERT INTO probe (id, name) VALUES \(values)", binds: [])
            #expect(handle.keptStatements == kept)
            for id in 1...(SQLiteHandle.cachedStatements + 10) {
                let rows = try handle.run("SELECT name FROM probe WHERE id = \(id % 300 + 1)", binds: [])
                #expect(try Self.names(rows) == ["name \(id % 300 + 1)"])
            }
            #expect(handle.keptStatements <= SQLiteHandle.cachedStatements)
        }
    }

    @Test("a refused statement says why, a unique key's refusal is told apart, and the statement runs again after")
    func failures() async throws {
        try await Self.withHandle { handle in
            _ = try handle.run("CREATE TABLE probe (id INTEGER PRIMARY KEY, code TEXT UNIQUE)", binds: [])
            let insert = "INSERT INTO probe (id, code) VALUES (?1, ?2)"
            _ = try handle.run(insert, binds: [.integer(1), .text("a")])
            let duplicateCode = #expect(throws: SQLiteFailure.self) {
                try handle.run(insert, binds: [.integer(2), .text("a")])
            }
            #expect(duplicateCode?.isUniqueViolation == true)
            #expect(duplicateCode?.message.contains("UNIQUE") == true)
            let duplicateID = #expect(throws: SQLiteFailure.self) {
                try handle.run(insert, binds: [.integer(1), .text("b")])
            }
            #expect(duplicateID?.isUniqueViolation == true)
            let syntax = #expect(throws: SQLiteFailure.self) { try handle.run("SELEKT 1", binds: []) }
            #expect(syntax?.isUniqueViolation == false)
            #expect(syntax?.message.contains("syntax error") == true)
            _ = try handle.run(insert, binds: [.integer(2), .text("b")])
            let count = try handle.run("SELECT count(*) AS n FROM probe", binds: []).first
            #expect(try count?.decode(column: "n", as: Int.self) == 2)
            handle.close()
            #expect(throws: SQLiteFailure.self) { try handle.run("SELECT 1", binds: []) }
        }
    }

    @Test("a kept SELECT * answers with the columns it has now, after another connection changed its table")
    func recompiledColumns() async throws {
        try await TestDatabase.withLocation(.sqlite) { location in
            guard case .sqlite(let path) = location else { return }
            let reader = try SQLiteHandle(path: path)
            let migrator = try SQLiteHandle(path: path)
            defer {
                reader.close()
                migrator.close()
            }
            _ = try migrator.run("CREATE TABLE probe (id INTEGER PRIMARY KEY, name TEXT)", binds: [])
            _ = try migrator.run("INSERT INTO probe (id, name) VALUES (1, 'one')", binds: [])
            let select = "SELECT * FROM probe"
            #expect(try reader.run(select, binds: []).first?.allColumns == ["id", "name"])
            _ = try migrator.run("ALTER TABLE probe RENAME COLUMN name TO label", binds: [])
            let row = try #require(try reader.run(select, binds: []).first)
            #expect(row.allColumns == ["id", "label"])
            #expect(try row.decode(column: "label", as: String.self) == "one")
        }
    }

    @Test("a transaction whose task was cancelled still rolls back, and the writer takes the next one")
    func cancelledTransaction() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            try await database.sql.raw("CREATE TABLE probe (n INTEGER)").run()
            struct Refusal: Error {}
            let cancelled = Task {
                try await database.transaction { session in
                    try await session.raw("INSERT INTO probe VALUES (1)").run()
                    withUnsafeCurrentTask { $0?.cancel() }
                    throw Refusal()
                }
            }
            await #expect(throws: Refusal.self) { try await cancelled.value }
            try await database.transaction { session in
                try await session.raw("INSERT INTO probe VALUES (2)").run()
            }
            let rows = try await database.sql.raw("SELECT n FROM probe").all(decodingColumn: "n", as: Int.self)
            #expect(rows == [2])
        }
    }

    @Test("closing the database while reads run waits for each and fails those that come after")
    func closeDuringReads() async throws {
        try await TestDatabase.withLocation(.sqlite) { location in
            let database = try await Database.open(location, logger: Logger(label: "test"), sqliteReaders: 2)
            try await database.sql.raw("CREATE TABLE probe (n INTEGER)").run()
            try await database.sql.raw(
                "WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000) INSERT INTO probe SELECT n FROM c"
            ).run()
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let sum = try? await database.sql.raw("SELECT sum(n) AS s FROM probe")
                            .first(decodingColumn: "s", as: Int.self)
                        // Either the whole answer or a refusal, never a wrong one.
                        return sum == nil || sum == 2_001_000
                    }
                }
                group.addTask {
                    try await database.close()
                    return true
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0 })
            await #expect(throws: (any Error).self) { try await database.sql.raw("SELECT 1").run() }
        }
    }
}
