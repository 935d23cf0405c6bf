import NIOCore
import SQLiteNIO
import VaporCSQLite

/// One SQLite connection opened by the Store on the SQLite library SQLiteNIO bundles, with its statements kept
/// prepared.
///
/// SQLiteNIO prepares every statement anew, runs it on a thread pool and hands each row back to an event loop as a
/// task of its own; for a short indexed read that machinery costs more than SQLite's own work. Here a statement's
/// text that comes again (every repository's reads and small writes) finds its compiled statement in the
/// connection's cache, and a statement's rows come back in one array.
///
/// A connection is used by one task at a time: SQLite's writer behind its gate, a reader taken from the pool. The
/// type does not lock; the callers' turn-taking is what makes it safe to share.
final class SQLiteHandle: @unchecked Sendable {
    private var database: OpaquePointer?
    private var statements: [String: CachedStatement] = [:]
    let path: String

    /// Statements longer than this are prepared, run and finalized: a bulk statement carries its values as
    /// literals and never comes again.
    static let longestCachedStatement = 2048
    /// How many statements a connection keeps prepared; past it the cache starts over.
    static let cachedStatements = 256

    private static let initialized: Bool = {
        sqlite_nio_sqlite3_initialize() == SQLITE_OK
    }()

    /// Opens (and creates when missing) the database file at `path`.
    init(path: String) throws {
        self.path = path
        guard Self.initialized else { throw SQLiteFailure(code: SQLITE_ERROR, message: "SQLite did not initialize") }
        var database: OpaquePointer?
        // Multi-thread mode (NOMUTEX): one task at a time uses a connection, so SQLite's own mutex would only cost.
        let flags =
            SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        let code = sqlite_nio_sqlite3_open_v2(path, &database, flags, nil)
        guard code == SQLITE_OK, let database else {
            let message = database.flatMap { sqlite_nio_sqlite3_errmsg($0).map { String(cString: $0) } }
            sqlite_nio_sqlite3_close_v2(database)
            throw SQLiteFailure(code: code, message: message ?? "cannot open \(path)")
        }
        self.database = database
    }

    deinit {
        self.close()
    }

    /// Finalizes every kept statement and closes the connection; a later statement fails.
    func close() {
        self.dropCachedStatements()
        if let database = self.database { sqlite_nio_sqlite3_close_v2(database) }
        self.database = nil
    }

    /// Runs `sql` with `binds` for `?1`, `?2`, … and returns its rows.
    func run(_ sql: String, binds: [SQLiteData]) throws -> [SQLiteStoreRow] {
        try self.withStatement(sql) { statement, database in
            let handle = statement.handle
            try self.bind(binds, to: handle, on: database)
            var rows: [SQLiteStoreRow] = []
            while true {
                let code = sqlite_nio_sqlite3_step(handle)
                if code == SQLITE_DONE { return rows }
                guard code == SQLITE_ROW else { throw SQLiteFailure(on: database, code: code) }
                if rows.isEmpty { statement.noticeRecompilation() }
                rows.append(SQLiteStoreRow(columns: statement.columns, values: try Self.values(of: handle, statement)))
            }
        }
    }

    /// Runs `sql`, a write that returns no rows (a bulk insert, an update by id), once for each of `rows`, whose
    /// values are bound to `?1`, `?2`, …: compiled once and stepped per row, where a statement carrying every row
    /// would be written out and parsed anew each time.
    ///
    /// The rows are stored all or none, as one statement carrying them all would be: they run inside a savepoint,
    /// undone on the first error, inside a transaction or not. Unlike one statement, each row's foreign keys are
    /// checked as it goes in, so a row cannot name one that comes after it.
    func runEach(_ sql: String, rows: [[BulkValue]]) throws {
        guard let database = self.database else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection to \(self.path) is closed")
        }
        let inTransaction = sqlite_nio_sqlite3_get_autocommit(database) == 0
        _ = try self.run("SAVEPOINT run_each", binds: [])
        do {
            try self.withStatement(sql) { statement, database in
                let handle = statement.handle
                let width = Int(sqlite_nio_sqlite3_bind_parameter_count(handle))
                for row in rows {
                    // A short row would otherwise keep the values of the row before it in the places it leaves out.
                    guard row.count == width else {
                        throw SQLiteFailure(
                            code: SQLITE_RANGE, message: "a row of \(row.count) values for \(width) places: \(sql)")
                    }
                    for (offset, value) in row.enumerated() {
                        try self.bind(Self.data(value), at: Int32(offset + 1), to: handle, on: database)
                    }
                    let code = sqlite_nio_sqlite3_step(handle)
                    guard code == SQLITE_DONE || code == SQLITE_ROW else {
                        throw SQLiteFailure(on: database, code: code)
                    }
                    sqlite_nio_sqlite3_reset(handle)
                }
            }
            _ = try self.run("RELEASE run_each", binds: [])
        } catch {
            _ = try? self.run("ROLLBACK TO run_each", binds: [])
            _ = try? self.run("RELEASE run_each", binds: [])
            // Outside a transaction the savepoint was the transaction: none may be left open, whatever failed.
            if !inTransaction, sqlite_nio_sqlite3_get_autocommit(database) == 0 {
                _ = try? self.run("ROLLBACK", binds: [])
            }
            throw error
        }
    }

    /// Runs `body` with `sql`'s statement, prepared or found among the kept ones, and resets or finalizes it after.
    private func withStatement<Result>(
        _ sql: String, _ body: (CachedStatement, OpaquePointer) throws -> Result
    ) throws -> Result {
        guard let database = self.database else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection to \(self.path) is closed")
        }
        let statement: CachedStatement
        let isKept: Bool
        if let cached = self.statements[sql] {
            statement = cached
            isKept = true
        } else {
            isKept = sql.utf8.count <= Self.longestCachedStatement
            statement = try self.prepare(sql, on: database, persistent: isKept)
            if isKept {
                if self.statements.count >= Self.cachedStatements { self.dropCachedStatements() }
                self.statements[sql] = statement
            }
        }
        defer {
            if isKept {
                // Reset at once, whatever happened: a read left mid-way would hold its snapshot of the WAL open.
                sqlite_nio_sqlite3_reset(statement.handle)
                sqlite_nio_sqlite3_clear_bindings(statement.handle)
            } else {
                sqlite_nio_sqlite3_finalize(statement.handle)
            }
        }
        return try body(statement, database)
    }

    /// How many statements the connection keeps prepared now.
    var keptStatements: Int { self.statements.count }

    private func dropCachedStatements() {
        for statement in self.statements.values { sqlite_nio_sqlite3_finalize(statement.handle) }
        self.statements = [:]
    }

    private func prepare(_ sql: String, on database: OpaquePointer, persistent: Bool) throws -> CachedStatement {
        var handle: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code =
            sql.utf8.withContiguousStorageIfAvailable { text in
                text.withMemoryRebound(to: CChar.self) {
                    sqlite_nio_sqlite3_prepare_v3(database, $0.baseAddress, Int32($0.count), flags, &handle, nil)
                }
            } ?? sqlite_nio_sqlite3_prepare_v3(database, sql, -1, flags, &handle, nil)
        guard code == SQLITE_OK else { throw SQLiteFailure(on: database, code: code) }
        guard let handle else {
            // Text with no statement in it (only a comment, say) compiles to nothing.
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "no statement in: \(sql.prefix(200))")
        }
        return CachedStatement(handle)
    }

    private func bind(_ binds: [SQLiteData], to handle: OpaquePointer, on database: OpaquePointer) throws {
        for (offset, value) in binds.enumerated() {
            try self.bind(value, at: Int32(offset + 1), to: handle, on: database)
        }
    }

    private func bind(_ value: SQLiteData, at index: Int32, to handle: OpaquePointer, on database: OpaquePointer) throws
    {
        let code: Int32
        switch value {
        case .integer(let number):
            code = sqlite_nio_sqlite3_bind_int64(handle, index, Int64(number))
        case .text(var text):
            code = text.withUTF8 {
                $0.withMemoryRebound(to: CChar.self) {
                    sqlite_nio_sqlite3_bind_text64(
                        handle, index, $0.baseAddress, UInt64($0.count), transientValue, UInt8(SQLITE_UTF8))
                }
            }
        case .float(let number):
            code = sqlite_nio_sqlite3_bind_double(handle, index, number)
        case .blob(let bytes):
            code = bytes.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(handle, index, $0.baseAddress, UInt64($0.count), transientValue)
            }
        case .null:
            code = sqlite_nio_sqlite3_bind_null(handle, index)
        }
        guard code == SQLITE_OK else { throw SQLiteFailure(on: database, code: code) }
    }

    /// A bulk row's value as SQLite stores it; a boolean as SQLiteKit stores a `Bool`, 0 or 1.
    private static func data(_ value: BulkValue) -> SQLiteData {
        switch value {
        case .integer(let number): .integer(Int(number))
        case .text(let text): .text(text)
        case .boolean(let boolean): .integer(boolean ? 1 : 0)
        case .null: .null
        }
    }

    private static func values(of handle: OpaquePointer, _ statement: CachedStatement) throws -> [SQLiteData] {
        let count = Int32(statement.columns.names.count)
        var values: [SQLiteData] = []
        values.reserveCapacity(Int(count))
        for index in 0..<count {
            switch sqlite_nio_sqlite3_column_type(handle, index) {
            case SQLITE_INTEGER:
                values.append(.integer(Int(sqlite_nio_sqlite3_column_int64(handle, index))))
            case SQLITE_TEXT:
                // The text first, then its length in bytes, as SQLite's documentation asks; a null pointer for
                // text is SQLite running out of memory.
                guard let text = sqlite_nio_sqlite3_column_text(handle, index) else {
                    throw SQLiteFailure(code: SQLITE_NOMEM, message: "out of memory reading a text column")
                }
                let length = Int(sqlite_nio_sqlite3_column_bytes(handle, index))
                values.append(.text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)))
            case SQLITE_NULL:
                values.append(.null)
            case SQLITE_FLOAT:
                values.append(.float(sqlite_nio_sqlite3_column_double(handle, index)))
            case SQLITE_BLOB:
                let length = Int(sqlite_nio_sqlite3_column_bytes(handle, index))
                var buffer = ByteBufferAllocator().buffer(capacity: length)
                if let bytes = sqlite_nio_sqlite3_column_blob(handle, index) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
                }
                values.append(.blob(buffer))
            default:
                throw SQLiteFailure(code: SQLITE_MISMATCH, message: "a column of an unknown storage class")
            }
        }
        return values
    }
}

/// SQLite's `SQLITE_TRANSIENT`: SQLite copies a bound value before the call returns.
private let transientValue = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement and the names of its result columns.
private final class CachedStatement {
    let handle: OpaquePointer
    private(set) var columns: SQLiteColumns
    /// How many times SQLite had compiled the statement again when its columns were last read.
    private var recompilations: Int32

    init(_ handle: OpaquePointer) {
        self.handle = handle
        self.recompilations = sqlite_nio_sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        self.columns = Self.columns(of: handle)
    }

    /// Reads the columns again when SQLite has compiled the statement again since they were read: a schema
    /// changed by another connection (a migration) can change what `SELECT *` returns.
    func noticeRecompilation() {
        let recompilations = sqlite_nio_sqlite3_stmt_status(self.handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        guard recompilations != self.recompilations else { return }
        self.recompilations = recompilations
        self.columns = Self.columns(of: self.handle)
    }

    private static func columns(of handle: OpaquePointer) -> SQLiteColumns {
        let count = sqlite_nio_sqlite3_column_count(handle)
        return SQLiteColumns(
            (0..<count).map { index in
                sqlite_nio_sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
            })
    }
}

/// A statement's result columns, shared by all its rows, with a table from a name to its offset.
///
/// A row's columns are looked up by name for every value read, so the table hashes a name with FNV-1a over its
/// bytes: the standard `Dictionary`'s seeded SipHash was a twentieth of an invoice list request.
final class SQLiteColumns: Sendable {
    let names: [String]
    /// Open addressing, a power of two in size and at most half full: an offset into `names`, or -1.
    private let slots: [Int]

    init(_ names: [String]) {
        self.names = names
        var size = 8
        while size < 2 * names.count { size *= 2 }
        var slots = [Int](repeating: -1, count: size)
        for (offset, name) in names.enumerated() {
            var slot = Self.hash(name) & (size - 1)
            // The first column of a name wins, as in SQLiteNIO's rows.
            while slots[slot] >= 0 && names[slots[slot]] != name { slot = (slot + 1) & (size - 1) }
            if slots[slot] < 0 { slots[slot] = offset }
        }
        self.slots = slots
    }

    func offset(of name: String) -> Int? {
        let mask = self.slots.count - 1
        var slot = Self.hash(name) & mask
        while true {
            let offset = self.slots[slot]
            if offset < 0 { return nil }
            if self.names[offset] == name { return offset }
            slot = (slot + 1) & mask
        }
    }

    private static func hash(_ name: String) -> Int {
        func fnv1a(_ bytes: some Sequence<UInt8>) -> Int {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: hash)
        }
        return name.utf8.withContiguousStorageIfAvailable(fnv1a) ?? fnv1a(name.utf8)
    }
}

/// What SQLite refused, with its extended result code and its message.
package struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    package let code: Int32
    package let message: String

    init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    init(on database: OpaquePointer, code: Int32) {
        let extended = sqlite_nio_sqlite3_extended_errcode(database)
        // The connection's last code is the call's own unless SQLite reported none.
        self.code = extended == SQLITE_OK ? code : extended
        self.message = sqlite_nio_sqlite3_errmsg(database).map { String(cString: $0) } ?? "SQLite error \(code)"
    }

    package var description: String { "SQLite error \(self.code): \(self.message)" }

    /// Whether a UNIQUE or PRIMARY KEY constraint refused the row.
    package var isUniqueViolation: Bool {
        self.code == Self.uniqueConstraint || self.code == Self.primaryKeyConstraint
    }

    // SQLITE_CONSTRAINT (19) with its extended kind in the second byte; C macros Swift does not import.
    private static let uniqueConstraint = SQLITE_CONSTRAINT | (8 << 8)
    private static let primaryKeyConstraint = SQLITE_CONSTRAINT | (6 << 8)
}
