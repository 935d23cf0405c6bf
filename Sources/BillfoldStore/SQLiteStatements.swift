import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// One SQLite connection as a `SQLDatabase`: statements are serialized once, run on the connection's kept
/// statements, and their rows are `SQLiteStoreRow`s.
///
/// A reader runs its statement on the calling task's thread: a read in WAL mode takes no lock and waits for
/// nothing, so handing it to another thread and back would cost more than the read. The writer runs on a thread of
/// its own (`thread`), so a commit's wait for the disk never holds one of the tasks' threads.
struct SQLiteStatements: SQLDatabase {
    let handle: SQLiteHandle
    let logger: Logger
    let eventLoop: any EventLoop
    /// Where the statements run; `nil` for the calling thread.
    let thread: NIOThreadPool?
    private static let encoder = SQLiteDataEncoder()

    init(handle: SQLiteHandle, logger: Logger, thread: NIOThreadPool?) {
        self.handle = handle
        self.logger = logger
        self.thread = thread
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.any()
    }

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
        let values = try binds.map(Self.value(of:))
        let handle = self.handle
        for row in try await self.onConnectionThread({ try handle.run(sql, binds: values) }) { onRow(row) }
    }

    /// Runs the write `sql` once for each of `rows`, bound to its `?1`, `?2`, …, all or none, in one turn on the
    /// connection's thread.
    func runEach(_ sql: String, rows: [[BulkValue]]) async throws {
        self.logger.trace("Executing query for each row", metadata: ["sql": .string(sql), "rows": "\(rows.count)"])
        let handle = self.handle
        try await self.onConnectionThread { try handle.runEach(sql, rows: rows) }
    }

    /// Runs `work` on the connection's own thread, or on the calling one when it has none (a reader).
    private func onConnectionThread<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws
        -> Result
    {
        guard let thread = self.thread else { return try work() }
        // Not the cancellable form of runIfActive: a cancelled task's ROLLBACK must still run, or the writer would
        // stay inside its transaction.
        return try await thread.runIfActive(eventLoop: self.eventLoop, work).get()
    }

    /// A bound value as SQLite stores it: text and integers directly, anything else as SQLiteKit encodes it.
    private static func value(of bind: any Encodable & Sendable) throws -> SQLiteData {
        switch bind {
        case let text as String: .text(text)
        case let number as Int64: .integer(Int(number))
        case let number as Int: .integer(number)
        default: try Self.encoder.encode(bind)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// A row of `SQLiteStatements`: text, integers and nulls read as `String`, `Int64`, `Int`, `Bool` and their
/// optionals without a dynamic cast; any other type, or a value of another storage class, goes through SQLiteKit's
/// decoder, so what a column decodes to is what it decoded to before.
struct SQLiteStoreRow: SQLRow {
    let columns: SQLiteColumns
    let values: [SQLiteData]
    private static let decoder = SQLiteDataDecoder()

    var allColumns: [String] { self.columns.names }

    func contains(column: String) -> Bool { self.columns.offset(of: column) != nil }

    private func data(_ column: String) -> SQLiteData? {
        self.columns.offset(of: column).map { self.values[$0] }
    }

    func decodeNil(column: String) throws -> Bool {
        guard let data = self.data(column) else { return true }
        return data == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let data = self.data(column) else {
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
