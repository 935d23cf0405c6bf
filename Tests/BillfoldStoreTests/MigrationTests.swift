import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("each migration is applied once and recorded by name", arguments: TestDatabase.kinds)
    func appliedOnce(kind: DatabaseKind) async throws {
        try await TestDatabase.withLocation(kind) { location in
            let (first, second, recorded) = try await Database.withOpen(location, logger: .init(label: "test")) {
                database in
                let first = try await Migrations.run(on: database)
                let second = try await Migrations.run(on: database)
                let recorded = try await database.sql.raw("SELECT name FROM schema_migrations ORDER BY name").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                return (first, second, recorded)
            }
            #expect(first == Migrations.all.map(\.name))
            #expect(second.isEmpty)
            #expect(recorded == Migrations.all.map(\.name))
        }
    }

    @Test("CI runs the store tests on PostgreSQL too")
    func postgresConfiguredInCI() {
        let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
        if inCI {
            #expect(TestDatabase.postgresURL != nil, "CI must export BILLFOLD_TEST_POSTGRES_URL")
        }
        print("Store and server tests run on: \(TestDatabase.kinds.map(\.rawValue).joined(separator: ", "))")
    }
}

@Suite("Migrations from several processes")
struct ConcurrentMigrationTests {
    /// PostgreSQL only: SQLite is one process's file by design, while many Billfold processes share PostgreSQL.
    @Test(
        "four servers migrating one empty database at once all succeed",
        arguments: TestDatabase.kinds.filter { $0 == .postgres })
    func concurrentMigrations(kind: DatabaseKind) async throws {
        try await TestDatabase.withLocation(kind) { location in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await Database.withOpen(location, logger: .init(label: "test")) { database in
                            try await Migrations.run(on: database)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(applied.sorted() == Migrations.all.map(\.name).sorted())
        }
    }
}
