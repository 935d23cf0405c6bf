import BillfoldTestSupport
import SQLKit
import Testing

@testable import BillfoldStore

@Suite("Bulk inserts: literals where they are safe and binds for the rest, or on SQLite one statement a row")
struct BulkInsertTests {
    /// Runs `body` on `database` inside a transaction (on SQLite, the writer's own connection, where rows are stepped
    /// through one kept statement) or outside one (statements written out).
    static func on(
        _ database: Database, inTransaction: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void
    ) async throws {
        if inTransaction {
            try await database.transaction(body)
        } else {
            try await body(database.sql)
        }
    }

    @Test(
        "every kind of value comes back as it went in, text that is not plain included",
        arguments: TestDatabase.kinds, [false, true])
    func roundTrip(kind: DatabaseKind, inTransaction: Bool) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let sql = database.sql
            try await sql.raw(
                "CREATE TABLE bulk_probe (n INTEGER, amount BIGINT, label TEXT, note TEXT, flag BOOLEAN)"
            ).run()
            let notes = [
                "plain-text_1", "", "O'Brien's \"quote\"; DROP TABLE bulk_probe; --", "₹ 1,18,000 — paid ✓",
                "back\\slash and ?1 and $1", "line\nbreak",
            ]
            let rows: [[BulkValue]] = notes.enumerated().map { index, note in
                [
                    .integer(index), .integer(index == 0 ? Int64.min : Int64.max - Int64(index)),
                    .text(index.isMultiple(of: 2) ? "label-\(index)" : nil), .text(note),
                    index == 1 ? .null : .boolean(index.isMultiple(of: 3)),
                ]
            }
            // Four rows a statement where rows are written into statements, so a bind's position carries across them.
            try await Self.on(database, inTransaction: inTransaction) { sql in
                try await BulkInsert.run(
                    rows, into: "bulk_probe", columns: ["n", "amount", "label", "note", "flag"], rowsPerStatement: 4,
                    on: sql)
            }
            let stored = try await sql.raw("SELECT * FROM bulk_probe ORDER BY n").all()
            #expect(stored.count == notes.count)
            for (index, row) in stored.enumerated() {
                #expect(try row.decode(column: "n", as: Int.self) == index)
                #expect(
                    try row.decode(column: "amount", as: Int64.self)
                        == (index == 0 ? Int64.min : Int64.max - Int64(index)))
                #expect(
                    try row.decode(column: "label", as: String?.self)
                        == (index.isMultiple(of: 2) ? "label-\(index)" : nil))
                #expect(try row.decode(column: "note", as: String.self) == notes[index])
                #expect(
                    try row.decode(column: "flag", as: Bool?.self) == (index == 1 ? nil : index.isMultiple(of: 3)))
            }
        }
    }

    @Test(
        "a row whose key is taken is refused as a duplicate, and none of its statement's rows is kept",
        arguments: TestDatabase.kinds, [false, true])
    func duplicate(kind: DatabaseKind, inTransaction: Bool) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            try await database.sql.raw("CREATE TABLE bulk_keys (id TEXT PRIMARY KEY, code TEXT UNIQUE)").run()
            try await database.sql.raw("INSERT INTO bulk_keys (id, code) VALUES ('k-1', 'c-1')").run()
            for clash: [BulkValue] in [[.text("k-1"), .text("c-2")], [.text("k-3"), .text("c-1")]] {
                await #expect {
                    try await Self.on(database, inTransaction: inTransaction) { sql in
                        try await BulkInsert.run(
                            [[.text("k-2"), .text("c-9")], clash], into: "bulk_keys", columns: ["id", "code"],
                            rowsPerStatement: 10, on: sql)
                    }
                } throws: { $0.isUniqueViolation }
            }
            let count = try await database.sql.raw("SELECT COUNT(*) AS n FROM bulk_keys").first()?
                .decode(column: "n", as: Int.self)
            #expect(count == 1)
        }
    }
}
