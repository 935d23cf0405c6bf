import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

/// Which engine stores the data.
package enum DatabaseKind: String, Sendable {
    case sqlite
    case postgres
}

/// Where the data lives: a SQLite file, or a PostgreSQL server.
package enum DatabaseLocation: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// A `postgres://` or `postgresql://` URL, or else a file path.
    package init(_ string: String) {
        if string.hasPrefix("postgres://") || string.hasPrefix("postgresql://") {
            self = .postgres(url: string)
        } else {
            self = .sqlite(path: string)
        }
    }

    /// The location with any password hidden, for logs.
    package var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres://…" }
            if components.password != nil { components.password = "***" }
            return components.string ?? "postgres://…"
        }
    }
}

/// Why the database could not be opened or used.
package struct DatabaseError: Error, CustomStringConvertible, Sendable {
    package let message: String

    package init(message: String) {
        self.message = message
    }
    package var description: String { self.message }
}

/// An open database: statements run on `sql`, work that must happen together runs in `transaction`.
package final class Database: Sendable {
    package let kind: DatabaseKind
    /// Runs each statement on its own; safe to use from any task.
    package let sql: any SQLDatabase
    /// SQLite's read-only connections, when it has any.
    private let readers: ReaderPool?
    private let closeAction: @Sendable () async throws -> Void

    private init(
        kind: DatabaseKind, sql: any SQLDatabase, readers: ReaderPool? = nil,
        close: @escaping @Sendable () async throws -> Void
    ) {
        self.kind = kind
        self.sql = sql
        self.readers = readers
        self.closeAction = close
    }

    /// Read-only connections SQLite gets beside its writer unless told otherwise.
    package static let defaultSQLiteReaders = 4

    /// Opens the database at `location`; a SQLite file is created when missing.
    ///
    /// - Parameter sqliteReaders: read-only connections beside SQLite's one writer; with 0 every statement waits
    ///   its turn on the writer.
    package static func open(
        _ location: DatabaseLocation, logger: Logger, sqliteReaders: Int = defaultSQLiteReaders
    ) async throws -> Database {
        switch location {
        case .sqlite(let path):
            return try await self.openSQLite(path: path, readers: max(0, sqliteReaders), logger: logger)
        case .postgres(let url):
            return try await self.openPostgres(url: url, logger: logger)
        }
    }

    /// Opens the database, runs `body`, and closes it whether `body` returns or throws.
    package static func withOpen<Result>(
        _ location: DatabaseLocation, logger: Logger, sqliteReaders: Int = defaultSQLiteReaders,
        _ body: (Database) async throws -> Result
    ) async throws -> Result {
        let database = try await self.open(location, logger: logger, sqliteReaders: sqliteReaders)
        do {
            let result = try await body(database)
            try await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }

    /// One writer connection, whose statements and transactions take turns, and `readers` read-only connections
    /// for the statements that only read. In WAL mode a reader sees the last commit and never waits for
    /// the writer, so a portal page or a PDF does not wait behind a billing run's batch.
    private static func openSQLite(path: String, readers: Int, logger: Logger) async throws -> Database {
        // The writer's statements run on a thread of its own; the readers' on the tasks that ask.
        let writerThread = NIOThreadPool(numberOfThreads: 1)
        writerThread.start()
        var handles: [SQLiteHandle] = []
        func closeAll() async {
            for handle in handles { handle.close() }
            try? await writerThread.shutdownGracefully()
        }
        // WAL lets readers work beside the writer, and synchronous FULL makes a committed transaction survive a
        // power cut, not only a crash. A reader is query_only: a write sent to one fails instead of racing the
        // writer.
        let writerPragmas = [
            "PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = FULL", "PRAGMA cache_size = -65536",
        ]
        let readerPragmas = ["PRAGMA busy_timeout = 5000", "PRAGMA query_only = ON", "PRAGMA cache_size = -32768"]
        var connections: [SQLiteStatements] = []
        for (index, pragmas) in ([writerPragmas] + Array(repeating: readerPragmas, count: readers)).enumerated() {
            do {
                handles.append(try SQLiteHandle(path: path))
            } catch {
                await closeAll()
                throw DatabaseError(message: "cannot open the SQLite database at \(path): \(error)")
            }
            let connection = SQLiteStatements(
                handle: handles[index], logger: logger, thread: index == 0 ? writerThread : nil)
            do {
                for pragma in pragmas { try await connection.raw(SQLQueryString(pragma)).run() }
            } catch {
                await closeAll()
                throw DatabaseError(message: "cannot set up the SQLite database at \(path): \(error)")
            }
            connections.append(connection)
        }
        let writer = SerializedSQLDatabase(base: connections[0], gate: SerialGate())
        let readerPool = ReaderPool(Array(connections.dropFirst()))
        let sql: any SQLDatabase = readers == 0 ? writer : SQLiteReadersAndWriter(writer: writer, readers: readerPool)
        return Database(kind: .sqlite, sql: sql, readers: readers == 0 ? nil : readerPool) {
            // Each connection is closed when it is its closer's turn to use it, so no statement is running on it:
            // the readers first, then the writer.
            await readerPool.close()
            try await writer.gate.withGate { writer.base.handle.close() }
            try await writerThread.shutdownGracefully()
        }
    }

    private static func openPostgres(url: String, logger: Logger) async throws -> Database {
        let configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: url)
        } catch {
            throw DatabaseError(message: "the PostgreSQL URL is not valid: \(error)")
        }
        let pool = EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration),
            maxConnectionsPerEventLoop: 8,
            requestTimeout: .seconds(30),
            pruneInterval: nil,
            logger: logger,
            on: MultiThreadedEventLoopGroup.singleton
        )
        let sql = pool.database(logger: logger).sql(queryLogLevel: .trace)
        do {
            try await sql.raw("SELECT 1").run()
        } catch {
            try? await pool.shutdownAsync()
            throw DatabaseError(
                message:
                    "cannot reach PostgreSQL at \(DatabaseLocation.postgres(url: url)): \(String(reflecting: error))")
        }
        let handle = PoolHandle(pool: pool)
        return Database(kind: .postgres, sql: sql) { try await handle.pool.shutdownAsync() }
    }

    /// Runs `body` in one transaction on one connection: all of it is committed, or none of it.
    package func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        let begin: SQLQueryString = self.kind == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await self.sql.withSession { try await Self.inTransaction(on: $0, begin: begin, body) }
    }

    /// `begin`, then `body` on `sql`, then COMMIT; ROLLBACK when anything throws.
    private static func inTransaction<Result: Sendable>(
        on sql: any SQLDatabase, begin: SQLQueryString, _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await sql.raw(begin).run()
        do {
            let result = try await body(sql)
            try await sql.raw("COMMIT").run()
            return result
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Runs `body` on repositories that all read one snapshot: what was committed before its first read, and
    /// nothing committed after. `body` must only read.
    ///
    /// On SQLite a read-only connection holds the snapshot, so it waits for no writer and no writer waits for it;
    /// without read-only connections it takes its turn on the writer.
    package func readSnapshot<Result: Sendable>(
        _ body: @escaping @Sendable (Store) async throws -> Result
    ) async throws -> Result {
        let read: @Sendable (any SQLDatabase) async throws -> Result = { try await body(Store(sql: $0)) }
        if let readers = self.readers {
            return try await readers.withReader { try await Self.inTransaction(on: $0, begin: "BEGIN", read) }
        }
        let begin: SQLQueryString =
            self.kind == .sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        return try await self.sql.withSession { try await Self.inTransaction(on: $0, begin: begin, read) }
    }

    /// Whether the database answers a trivial query.
    package func isReachable() async -> Bool {
        (try? await self.sql.raw("SELECT 1").run()) != nil
    }

    package func close() async throws {
        try await self.closeAction()
    }
}

/// Lets one task at a time use SQLite's single connection, so a transaction's statements never interleave.
private actor SerialGate {
    private var isHeld = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !self.isHeld {
            self.isHeld = true
            return
        }
        await withCheckedContinuation { self.waiters.append($0) }
    }

    func release() {
        if self.waiters.isEmpty {
            self.isHeld = false
        } else {
            self.waiters.removeFirst().resume()
        }
    }

    func withGate<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result {
        await self.acquire()
        do {
            let result = try await body()
            self.release()
            return result
        } catch {
            self.release()
            throw error
        }
    }
}

/// A `SQLDatabase` that decides where each statement runs and takes everything else from the connection `base`.
private protocol SQLiteRouting: SQLDatabase {
    var base: SQLiteStatements { get }
}

extension SQLiteRouting {
    var logger: Logger { self.base.logger }
    var eventLoop: any EventLoop { self.base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { self.base.version }
    var dialect: any SQLDialect { self.base.dialect }
    var queryLogLevel: Logger.Level? { self.base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<
        Void
    > {
        let promise = self.eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }
}

/// A SQLite database whose statements and sessions take turns through a `SerialGate`.
private struct SerializedSQLDatabase: SQLiteRouting {
    let base: SQLiteStatements
    let gate: SerialGate

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = self.serialize(query)
        try await self.run(sql, binds: binds, onRow)
    }

    func run(_ sql: String, binds: [any Encodable & Sendable], _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        async throws
    {
        try await self.gate.withGate { try await self.base.run(sql, binds: binds, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let base = self.base
        let box = try await self.gate.withGate {
            try await SQLiteSession.$isOpen.withValue(true) { ResultBox(try await closure(base)) }
        }
        return box.value
    }
}

/// Whether the current task is inside a session (a transaction) on SQLite's writer.
private enum SQLiteSession {
    @TaskLocal static var isOpen = false
}

/// SQLite's writer and its readers behind one `SQLDatabase`: a statement on its own that only reads (a `SELECT`)
/// goes to a free reader; every other statement, and every session or transaction, goes to the writer.
private struct SQLiteReadersAndWriter: SQLiteRouting {
    let writer: SerializedSQLDatabase
    let readers: ReaderPool

    var base: SQLiteStatements { self.writer.base }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        // Serialized once: the text tells where the statement goes and is what runs there.
        let (sql, binds) = self.serialize(query)
        if Self.onlyReads(sql) {
            // A read outside an open transaction, by the task that holds it, would not see the transaction's
            // own writes: it must go through the transaction's handle.
            assert(!SQLiteSession.isOpen, "a read on the database inside one of its own transactions")
            try await self.readers.withReader { try await $0.run(sql, binds: binds, onRow) }
        } else {
            try await self.writer.run(sql, binds: binds, onRow)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await self.writer.withSession(closure)
    }

    /// Whether `sql` is a `SELECT`: SQLite's `INSERT … RETURNING` and the like start with their verb.
    private static func onlyReads(_ sql: String) -> Bool {
        let text = sql.utf8.drop {
            switch $0 {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "("): true
            default: false
            }
        }
        // ASCII letters in either case: `| 0x20` lower-cases them.
        return text.prefix(6).elementsEqual("select".utf8) { ($0 | 0x20) == $1 }
    }
}

/// SQLite's read-only connections, each used by one statement at a time; a statement waits for a free one.
private final class ReaderPool: Sendable {
    private let connections: [SQLiteStatements]
    private let state: Mutex<(idle: [Int], waiting: [CheckedContinuation<Int, Never>])>

    init(_ connections: [SQLiteStatements]) {
        self.connections = connections
        self.state = Mutex((Array(connections.indices), []))
    }

    func withReader<Result>(_ body: (SQLiteStatements) async throws -> Result) async throws -> Result {
        let index = await self.take()
        defer { self.giveBack(index) }
        return try await body(self.connections[index])
    }

    /// Closes every connection once no statement runs on it. A statement asked for afterwards fails, saying the
    /// connection is closed.
    func close() async {
        var taken: [Int] = []
        for _ in self.connections.indices {
            let index = await self.take()
            self.connections[index].handle.close()
            taken.append(index)
        }
        for index in taken { self.giveBack(index) }
    }

    private func take() async -> Int {
        await withCheckedContinuation { continuation in
            self.state.withLock { state in
                if let index = state.idle.popLast() {
                    continuation.resume(returning: index)
                } else {
                    state.waiting.append(continuation)
                }
            }
        }
    }

    private func giveBack(_ index: Int) {
        self.state.withLock { state in
            if state.waiting.isEmpty {
                state.idle.append(index)
            } else {
                state.waiting.removeFirst().resume(returning: index)
            }
        }
    }
}

/// The PostgreSQL pool guards its own state with a lock, but AsyncKit does not declare it `Sendable`.
private struct PoolHandle: @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
}

/// Carries a session's result out of the gate whatever its type.
private struct ResultBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
