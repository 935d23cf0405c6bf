import Logging
import NIOCore
import SQLKit
import SQLiteKit

/// One SQLite connection as a `SQLDatabase`: statements are serialized once and their rows are `SQLiteStoreRow`s.
///
/// SQLiteKit's own `SQLDatabase` answers every column through a generic `Decodable` path (a protocol-conformance
/// lookup, and for an optional a whole `Decoder`): in a profile of the invoice list that was a quarter of a request.
/// The rows here answer the column types the Store reads directly and leave everything else to SQLiteKit's decoder.
struct SQLiteStatements: SQLDatabase {
    let connection: SQLiteConnection
    let logger: Logger
    private static let encoder = SQLiteDataEncoder()

    init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    var eventLoop: any EventLoop { self.connection.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<
        Void
    > {
        let promise = self.eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = self.serialize(query)
        try await self.run(sql, binds: binds, onRow)
    }

    /// Runs a statement already serialized, as the reader-or-writer routing does once to look at its verb.
    func run(_ sql: String, binds: [any Encodable & Sendable], _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        async throws
    {
        self.logger.trace("Executing query", metadata: ["sql": .string(sql)])
        let encoded = try binds.map { try Self.encoder.encode($0) }
        try await self.connection.query(sql, encoded) { onRow(SQLiteStoreRow(row: $0)) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// A row of `SQLiteStatements`: text, integers and nulls read as `String`, `Int64`, `Int`, `Bool` and their
/// optionals without a dynamic cast; any other type, or a value of another storage class, goes through SQLiteKit's
/// decoder, so what a column decodes to is what it decoded to before.
struct SQLiteStoreRow: SQLRow {
    let row: SQLiteRow
    private static let decoder = SQLiteDataDecoder()

    var allColumns: [String] { self.row.columns.map(\.name) }

    func contains(column: String) -> Bool { self.row.column(column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let data = self.row.column(column) else { return true }
        return data == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let data = self.row.column(column) else {
            throw StoreError.corrupt("the result has no column \(column)")
        }
        switch data {
        case .text(let text):
            if D.self == String.self { return unsafeBitCast(text, to: D.self) }
            if D.self == String?.self { return unsafeBitCast(String?.some(text), to: D.self) }
        case .integer(let value):
            if D.self == Int64.self { return unsafeBitCast(Int64(value), to: D.self) }
            if D.self == Int.self { return unsafeBitCast(value, to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.some(Int64(value)), to: D.self) }
            if D.self == Bool.self, value == 0 || value == 1 { return unsafeBitCast(value == 1, to: D.self) }
        case .null:
            if D.self == String?.self { return unsafeBitCast(String?.none, to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.none, to: D.self) }
        case .float, .blob:
            break
        }
        return try Self.decoder.decode(D.self, from: data)
    }
}
