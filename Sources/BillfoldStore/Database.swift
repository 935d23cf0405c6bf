import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

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
    private let closeAction: @Sendable () async throws -> Void

    private init(kind: DatabaseKind, sql: any SQLDatabase, close: @escaping @Sendable () async throws -> Void) {
        self.kind = kind
        self.sql = sql
        self.closeAction = close
    }

    /// Opens the database at `location`; a SQLite file is created when missing.
    package static func open(_ location: DatabaseLocation, logger: Logger) async throws -> Database {
        switch location {
        case .sqlite(let path):
            return try await self.openSQLite(path: path, logger: logger)
        case .postgres(let url):
            return try await self.openPostgres(url: url, logger: logger)
        }
    }

    /// Opens the database, runs `body`, and closes it whether `body` returns or throws.
    package static func withOpen<Result>(
        _ location: DatabaseLocation, logger: Logger, _ body: (Database) async throws -> Result
    ) async throws -> Result {
        let database = try await self.open(location, logger: logger)
        do {
            let result = try await body(database)
            try await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }

    private static func openSQLite(path: String, logger: Logger) async throws -> Database {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw DatabaseError(message: "cannot open the SQLite database at \(path): \(error)")
        }
        let raw = connection.sql(queryLogLevel: .trace)
        // One connection, one writer: WAL lets readers of the file (backups, sqlite3) work alongside, and
        // synchronous FULL makes a committed transaction survive a power cut, not only a crash.
        do {
            for pragma in [
                "PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                "PRAGMA synchronous = FULL", "PRAGMA cache_size = -65536",
            ] {
                try await raw.raw(SQLQueryString(pragma)).run()
            }
        } catch {
            try? await connection.close()
            throw DatabaseError(message: "cannot set up the SQLite database at \(path): \(error)")
        }
        let serialized = SerializedSQLDatabase(base: raw, gate: SerialGate())
        return Database(kind: .sqlite, sql: serialized) { try await connection.close() }
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
        return try await self.sql.withSession { session in
            try await session.raw(begin).run()
            do {
                let result = try await body(session)
                try await session.raw("COMMIT").run()
                return result
            } catch {
                try? await session.raw("ROLLBACK").run()
                throw error
            }
        }
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

/// A SQLite database whose statements and sessions take turns through a `SerialGate`.
private struct SerializedSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let gate: SerialGate

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

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await self.gate.withGate { try await self.base.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let base = self.base
        let box = try await self.gate.withGate { ResultBox(try await closure(base)) }
        return box.value
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
