import BillfoldStore
import BillfoldTestSupport
import Foundation
import SQLKit
import Synchronization
import Testing

@Suite("SQLite: read-only connections beside the one writer")
struct SQLiteReadersTests {
    /// What happened, in order, across tasks.
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func append(_ entry: String) { self.entries.withLock { $0.append(entry) } }
        var all: [String] { self.entries.withLock { $0 } }
    }

    /// The first value `stream` yields, or `nil` past `safetyNet`: there only so that a regression fails the test
    /// instead of hanging it; no assertion depends on how long anything takes.
    static func first(_ stream: AsyncStream<Void>, safetyNet: Duration = .seconds(120)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                return await iterator.next() != nil
            }
            group.addTask {
                try? await Task.sleep(for: safetyNet)
                return false
            }
            let answer = await group.next() ?? false
            group.cancelAll()
            return answer
        }
    }

    static func count(_ sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT count(*) AS n FROM probe").first(decodingColumn: "n", as: Int.self) ?? -1
    }

    @Test("reads on their own finish while a write transaction is open, and see only what was committed")
    func readsBesideAnOpenTransaction() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            try await database.sql.raw("CREATE TABLE probe (n INTEGER)").run()
            try await database.sql.raw("INSERT INTO probe VALUES (1)").run()
            let log = Log()
            let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
            let (read, readSignal) = AsyncStream<Void>.makeStream()
            let writing = Task {
                try await database.transaction { session in
                    try await session.raw("INSERT INTO probe VALUES (2)").run()
                    insertedSignal.yield()
                    // The transaction stays open until the reads are done (or the safety net passes).
                    _ = await Self.first(read)
                    log.append("commit")
                }
            }
            #expect(await Self.first(inserted))
            // More reads at once than there are read-only connections: some wait for a free one, none for the
            // writer.
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 { group.addTask { try await Self.count(database.sql) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            log.append("read")
            readSignal.yield()
            try await writing.value
            #expect(log.all == ["read", "commit"])
            #expect(counts == Array(repeating: 1, count: 12), "the uncommitted row stays unseen")
            #expect(try await Self.count(database.sql) == 2, "the committed row is seen at once")
        }
    }

    @Test("a SELECT on its own runs on a read-only connection; writes, RETURNING and transactions on the writer")
    func routing() async throws {
        try await TestDatabase.withDatabase(.sqlite) { database in
            let queryOnly = "SELECT query_only AS q FROM pragma_query_only()"
            #expect(try await database.sql.raw(SQLQueryString(queryOnly)).first(decodingColumn: "q", as: Int.self) == 1)
            let inTransaction = try await database.transaction { session in
                try await session.raw(SQLQueryString(queryOnly)).first(decodingColumn: "q", as: Int.self)
            }
            #expect(inTransaction == 0)
            try await database.sql.raw("CREATE TABLE probe (n INTEGER)").run()
            let returned = try await database.sql.raw("INSERT INTO probe VALUES (7) RETURNING n")
                .first(decodingColumn: "n", as: Int.self)
            #expect(returned == 7)
            #expect(try await Self.count(database.sql) == 1)
        }
    }
}
