import BillfoldTestSupport
import SQLKit
import Testing

@testable import BillfoldStore

@Suite("Bulk inserts: literals where they are safe, binds for the rest")
struct BulkInsertTests {
    @Test(
        "every kind of value comes back as it went in, text that is not plain included", arguments: TestDatabase.kinds)
    func roundTrip(kind: DatabaseKind) async throws {
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
            // Four rows a statement, so a bind's position carries across statements correctly.
            try await BulkInsert.run(
                rows, into: "bulk_probe", columns: ["n", "amount", "label", "note", "flag"], rowsPerStatement: 4,
                on: sql)
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
}
