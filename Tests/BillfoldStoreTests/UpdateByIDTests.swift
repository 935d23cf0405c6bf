import BillfoldTestSupport
import SQLKit
import Testing

@testable import BillfoldStore

@Suite("Many rows updated by id, each to values of its own")
struct UpdateByIDTests {
    struct Change: Sendable {
        let id: String
        let label: String?
        let note: String?
    }

    @Test(
        "each listed row takes its own values, nulls and text that is not plain included; the rest stay",
        arguments: TestDatabase.kinds, [false, true])
    func eachRowItsOwn(kind: DatabaseKind, inTransaction: Bool) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let sql = database.sql
            try await sql.raw("CREATE TABLE update_probe (id TEXT PRIMARY KEY, label TEXT, note TEXT)").run()
            for index in 0..<6 {
                try await sql.raw(
                    "INSERT INTO update_probe VALUES (\(bind: "row-\(index)"), 'old', 'old')"
                ).run()
            }
            let changes = [
                Change(id: "row-1", label: "first", note: "O'Brien's \"quote\"; DROP TABLE update_probe; --"),
                Change(id: "row-3", label: nil, note: "₹ 1,18,000 / paid ✓"),
                Change(id: "row-4", label: "back\\slash and ?1 and $1", note: nil),
            ]
            // Two rows a statement where rows are written into statements, so a bind's position carries across them.
            try await BulkInsertTests.on(database, inTransaction: inTransaction) { sql in
                try await BulkUpdate.run(
                    "update_probe", changes, id: \.id, setting: [("label", \.label), ("note", \.note)],
                    rowsPerStatement: 2, on: sql)
            }
            let rows = try await sql.raw("SELECT * FROM update_probe ORDER BY id").all()
            let stored = try rows.map {
                (try $0.decode(column: "label", as: String?.self), try $0.decode(column: "note", as: String?.self))
            }
            let expected: [(String?, String?)] = (0..<6).map { index in
                guard let change = changes.first(where: { $0.id == "row-\(index)" }) else { return ("old", "old") }
                return (change.label, change.note)
            }
            #expect(stored.count == expected.count, "\(kind)")
            for (row, want) in zip(stored, expected) {
                #expect(row.0 == want.0 && row.1 == want.1, "\(kind): \(row) against \(want)")
            }
        }
    }

    @Test(
        "a row whose new value is taken is refused as a duplicate, and none of the rows is changed",
        arguments: TestDatabase.kinds, [false, true])
    func duplicate(kind: DatabaseKind, inTransaction: Bool) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let sql = database.sql
            try await sql.raw("CREATE TABLE update_keys (id TEXT PRIMARY KEY, label TEXT UNIQUE, note TEXT)").run()
            try await sql.raw("INSERT INTO update_keys VALUES ('a', 'one', 'old'), ('b', 'two', 'old')").run()
            let changes = [Change(id: "a", label: "uno", note: "new"), Change(id: "b", label: "uno", note: "new")]
            await #expect {
                try await BulkInsertTests.on(database, inTransaction: inTransaction) { sql in
                    try await BulkUpdate.run(
                        "update_keys", changes, id: \.id, setting: [("label", \.label), ("note", \.note)],
                        rowsPerStatement: 10, on: sql)
                }
            } throws: { $0.isUniqueViolation }
            let rows = try await sql.raw("SELECT label, note FROM update_keys ORDER BY id").all()
            #expect(try rows.map { try $0.decode(column: "label", as: String.self) } == ["one", "two"])
            #expect(try rows.map { try $0.decode(column: "note", as: String.self) } == ["old", "old"])
        }
    }
}
