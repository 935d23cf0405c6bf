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
        var text = "INSERT INTO \(self.table) (\(self.columns.joined(separator: ", "))) VALUES "
        for (index, row) in self.rows.enumerated() {
            text += index == 0 ? "(" : ", ("
            for (position, value) in row.enumerated() {
                if position > 0 { text += ", " }
                switch value {
                case .integer(let integer):
                    text += String(integer)
                case .text(let string) where string.utf8.allSatisfy(PlainText.allows):
                    text += "'"
                    text += string
                    text += "'"
                case .text(let string):
                    serializer.write(text)
                    text = ""
                    serializer.write(bind: string)
                case .boolean(let boolean):
                    serializer.write(text)
                    text = ""
                    serializer.write(bind: boolean)
                case .null:
                    text += "NULL"
                }
            }
            text += ")"
        }
        serializer.write(text)
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
