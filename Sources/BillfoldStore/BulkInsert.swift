import BillfoldCore
import SQLKit

/// One value of a row in a `BulkInsert`.
enum BulkValue: Sendable {
    /// Written into the statement as digits.
    case integer(Int64)
    /// Written as a quoted literal when it is plain text (letters, digits, `_` and `-`), bound otherwise.
    case text(String)
    /// Always bound: each database spells booleans its own way.
    case boolean(Bool)
    case null

    static func integer(_ value: (some BinaryInteger)?) -> Self {
        value.map { .integer(Int64($0)) } ?? .null
    }

    static func text(_ value: String?) -> Self {
        value.map { .text($0) } ?? .null
    }
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for many rows, written straight into the statement's text.
///
/// Building the same statement from an `SQLQueryString` per row costs more than the database takes to store the
/// rows: every value becomes an expression, every row an array of them, and the rows are copied when joined. This
/// writes integers and plain text as literals (both cannot break out of their place) and binds only the rest.
struct BulkInsert: SQLExpression {
    let table: String
    let columns: [String]
    let rows: [[BulkValue]]

    func serialize(to serializer: inout SQLSerializer) {
        // The text is gathered as UTF-8 bytes and handed to the serializer once, and again only before a bind:
        // appending to a `String` value by value cost more than SQLite took to store the rows.
        var text: [UInt8] = []
        text.reserveCapacity(64 + self.rows.count * self.columns.count * 16)
        text.append(contentsOf: "INSERT INTO \(self.table) (\(self.columns.joined(separator: ", "))) VALUES ".utf8)
        func flush() {
            serializer.write(String(decoding: text, as: UTF8.self))
            text.removeAll(keepingCapacity: true)
        }
        for (index, row) in self.rows.enumerated() {
            if index > 0 { text.append(contentsOf: ", ".utf8) }
            text.append(UInt8(ascii: "("))
            for (position, value) in row.enumerated() {
                if position > 0 { text.append(contentsOf: ", ".utf8) }
                switch value {
                case .integer(let integer):
                    text.append(contentsOf: String(integer).utf8)
                case .text(let string):
                    let start = text.count
                    text.append(UInt8(ascii: "'"))
                    text.append(contentsOf: string.utf8)
                    if text[(start + 1)...].allSatisfy(PlainText.allows) {
                        text.append(UInt8(ascii: "'"))
                    } else {
                        text.removeSubrange(start...)
                        flush()
                        serializer.write(bind: string)
                    }
                case .boolean(let boolean):
                    flush()
                    serializer.write(bind: boolean)
                case .null:
                    text.append(contentsOf: "NULL".utf8)
                }
            }
            text.append(UInt8(ascii: ")"))
        }
        flush()
    }

    /// Inserts `rows` in statements of at most `rowsPerStatement`.
    static func run(
        _ rows: [[BulkValue]], into table: String, columns: [String], rowsPerStatement: Int, on sql: any SQLDatabase
    ) async throws {
        for chunk in rows.chunked(into: rowsPerStatement) {
            try await sql.execute(sql: BulkInsert(table: table, columns: columns, rows: Array(chunk))) { _ in }
        }
    }
}
