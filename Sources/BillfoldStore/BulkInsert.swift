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

/// Many rows of values, `(…), (…)`, written straight into the statement's text: the `VALUES` of a `BulkInsert` or
/// of a many-row UPDATE's `changed` rows.
///
/// Building the same list from an `SQLQueryString` per row costs more than the database takes to store the rows:
/// every value becomes an expression, every row an array of them, and the rows are copied when joined. This writes
/// integers and plain text as literals (both cannot break out of their place) and binds only the rest.
struct BulkRows: SQLExpression {
    let rows: [[BulkValue]]

    func serialize(to serializer: inout SQLSerializer) {
        // The text is gathered as UTF-8 bytes and handed to the serializer once, and again only before a bind:
        // appending to a `String` value by value cost more than SQLite took to store the rows.
        var text: [UInt8] = []
        text.reserveCapacity(self.rows.count * (self.rows.first?.count ?? 0) * 16)
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
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for many rows.
struct BulkInsert: SQLExpression {
    let table: String
    let columns: [String]
    let rows: [[BulkValue]]

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("INSERT INTO \(self.table) (\(self.columns.joined(separator: ", "))) VALUES ")
        BulkRows(rows: self.rows).serialize(to: &serializer)
    }

    /// Inserts `rows` in statements of at most `rowsPerStatement`.
    ///
    /// On SQLite's writer inside a transaction the rows go instead through one single-row `INSERT`, compiled once
    /// and kept, stepped once per row, all or none (`SQLiteHandle.runEach`): SQLite's own fastest way, which spares
    /// writing every value out as text and SQLite parsing it again.
    static func run(
        _ rows: [[BulkValue]], into table: String, columns: [String], rowsPerStatement: Int, on sql: any SQLDatabase
    ) async throws {
        precondition(!columns.isEmpty, "a bulk insert into \(table) names no columns")
        guard !rows.isEmpty else { return }
        if let connection = sql as? SQLiteStatements {
            let placeholders = (1...columns.count).map { "?\($0)" }.joined(separator: ", ")
            try await connection.runEach(
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))", rows: rows)
            return
        }
        for chunk in rows.chunked(into: rowsPerStatement) {
            try await sql.execute(sql: BulkInsert(table: table, columns: columns, rows: Array(chunk))) { _ in }
        }
    }
}

/// Many rows updated by id, each to values of its own.
enum BulkUpdate {
    /// Sets `columns` of each of `rows` in `table` to the row's own values, found by `id`, in statements of at most
    /// `rowsPerStatement` rows.
    ///
    /// Written as `UPDATE table SET column = changed.column, … FROM changed WHERE table.id = changed.id`, where
    /// `changed` holds each row's id and new values as `BulkRows`; joined on the id rather than written as
    /// `CASE id WHEN … END` a column, since SQLite tries a row's id against each `WHEN` in turn, so a `CASE` over n
    /// rows costs n² comparisons, five times the join's time at 200 rows. On SQLite's writer inside a transaction, one
    /// kept `UPDATE … WHERE id = ?1` is stepped once per row instead, all or none, as `BulkInsert` does.
    static func run<Row>(
        _ table: String, _ rows: [Row], id: (Row) -> String, setting columns: [(String, (Row) -> String?)],
        rowsPerStatement: Int, on sql: any SQLDatabase
    ) async throws {
        guard !rows.isEmpty else { return }
        let names = columns.map(\.0)
        let changed = rows.map { row in [BulkValue.text(id(row))] + columns.map { BulkValue.text($0.1(row)) } }
        if let connection = sql as? SQLiteStatements {
            let assignments = names.enumerated().map { "\($1) = ?\($0 + 2)" }.joined(separator: ", ")
            try await connection.runEach("UPDATE \(table) SET \(assignments) WHERE id = ?1", rows: changed)
            return
        }
        for chunk in changed.chunked(into: rowsPerStatement) {
            try await sql.raw(
                """
                WITH changed (id, \(unsafeRaw: names.joined(separator: ", "))) AS (VALUES \(BulkRows(rows: Array(chunk))))
                UPDATE \(unsafeRaw: table) SET \(unsafeRaw: names.map { "\($0) = changed.\($0)" }.joined(separator: ", "))
                FROM changed WHERE \(unsafeRaw: table).id = changed.id
                """
            ).run()
        }
    }
}
