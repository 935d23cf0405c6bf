import BillfoldTestSupport
import Foundation
import SQLKit
import Testing

@testable import BillfoldStore

@Suite("SQLite's rows: the Store's column types read directly, everything else as SQLiteKit reads it")
struct SQLiteStatementsTests {
    static func row(_ sql: any SQLDatabase) async throws -> any SQLRow {
        let row = try await sql.raw("SELECT * FROM probe").first()
        return try #require(row)
    }

    @Test("text, integers and nulls read as String, Int64, Int, Bool and their optionals")
    func directReads() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            try await database.sql.raw(
                "CREATE TABLE probe (name TEXT, count INTEGER, flag INTEGER, absent TEXT, ratio REAL, bytes BLOB)"
            ).run()
            try await database.sql.raw(
                "INSERT INTO probe VALUES ('₹ 1,180 – paid', -9223372036854775808, 1, NULL, 0.5, X'00FF')"
            ).run()
            let row = try await Self.row(database.sql)
            #expect(try row.decode(column: "name", as: String.self) == "₹ 1,180 – paid")
            #expect(try row.decode(column: "name", as: String?.self) == "₹ 1,180 – paid")
            #expect(try row.decode(column: "count", as: Int64.self) == Int64.min)
            #expect(try row.decode(column: "count", as: Int64?.self) == Int64.min)
            #expect(try row.decode(column: "count", as: Int.self) == Int.min)
            #expect(try row.decode(column: "flag", as: Bool.self))
            #expect(try row.decode(column: "absent", as: String?.self) == nil)
            #expect(try row.decode(column: "absent", as: Int64?.self) == nil)
            #expect(try row.decodeNil(column: "absent"))
            #expect(try !row.decodeNil(column: "name"))
            // Through SQLiteKit's decoder, as before.
            #expect(try row.decode(column: "ratio", as: Double.self) == 0.5)
            #expect(try row.decode(column: "flag", as: Int32.self) == 1)
            #expect(try row.decode(column: "bytes", as: Data.self) == Data([0x00, 0xFF]))
            #expect(Set(row.allColumns) == ["name", "count", "flag", "absent", "ratio", "bytes"])
        }
    }

    @Test("a value stored as another type is read or refused as SQLiteKit reads or refuses it")
    func mismatches() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            try await database.sql.raw("CREATE TABLE probe (name TEXT, count INTEGER, absent TEXT)").run()
            try await database.sql.raw("INSERT INTO probe VALUES ('12', 2, NULL)").run()
            let row = try await Self.row(database.sql)
            #expect(throws: (any Error).self) { try row.decode(column: "name", as: Int64.self) }
            // SQLiteKit reads an integer as text, and so do these rows.
            #expect(try row.decode(column: "count", as: String.self) == "2")
            #expect(throws: (any Error).self) { try row.decode(column: "count", as: Bool.self) }
            #expect(throws: (any Error).self) { try row.decode(column: "absent", as: String.self) }
            #expect(throws: (any Error).self) { try row.decode(column: "missing", as: String.self) }
        }
    }

    @Test("a stored secret's hash is its SHA-256 in lower-case hex")
    func storedHash() {
        #expect(
            BillfoldStore.storedHash(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            BillfoldStore.storedHash(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
