import BillfoldCore
import BillfoldTestSupport
import Foundation
import Testing

@testable import BillfoldStore

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

    @Test("a meter made before meters had an aggregation prices its total, per_meter", arguments: TestDatabase.kinds)
    func meterAggregationDefault(kind: DatabaseKind) async throws {
        try await TestDatabase.withLocation(kind) { location in
            let meter = try await Database.withOpen(location, logger: .init(label: "test")) { database in
                // The schema as it stood before 0010, recorded as applied, with a meter in it.
                let sql = database.sql
                try await sql.raw(
                    "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)"
                ).run()
                for migration in Migrations.all.prefix(while: { $0.name != "0010_meter_aggregation" }) {
                    for statement in migration.statements(for: database.kind) {
                        try await sql.raw("\(unsafeRaw: statement)").run()
                    }
                    try await sql.raw(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (\(bind: migration.name), 0)"
                    ).run()
                }
                try await sql.raw(
                    """
                    INSERT INTO meters (id, code, name, resource_type, unit, sac, currency, pricing, created_at)
                    VALUES ('mtr_00000000000000000001', 'volume-gb', 'Volumes', 'storage', 'GB-month', '998315', 'INR',
                        '{"model": "package", "package_size": "10", "unit_price": "5"}', 0)
                    """
                ).run()
                #expect(try await Migrations.run(on: database).first == "0010_meter_aggregation")
                return try await database.store.meters.find(code: "volume-gb")
            }
            #expect(meter?.aggregation == .perMeter)
            #expect(meter?.pricing == .package(size: FixedDecimal(10), price: FixedDecimal(5)))
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
