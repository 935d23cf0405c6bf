import BillfoldStore
import Foundation
import Logging
import PostgresKit

/// Fresh, throwaway databases for tests: a SQLite file always, a PostgreSQL database when
/// `BILLFOLD_TEST_POSTGRES_URL` names a server.
package enum TestDatabase {
    /// The server tests may create databases on, if any.
    package static let postgresURL: String? = {
        let value = ProcessInfo.processInfo.environment["BILLFOLD_TEST_POSTGRES_URL"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// The engines every store test runs on.
    package static let kinds: [DatabaseKind] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]

    /// Runs `body` with a new, migrated database of `kind`, and removes it afterwards.
    package static func withDatabase<Result>(
        _ kind: DatabaseKind, _ body: (Database) async throws -> Result
    ) async throws -> Result {
        try await self.withLocation(kind) { location in
            try await Database.withOpen(location, logger: self.logger) { database in
                try await Migrations.run(on: database)
                return try await body(database)
            }
        }
    }

    /// Runs `body` with the location of a new, empty database of `kind`, and removes it afterwards.
    package static func withLocation<Result>(
        _ kind: DatabaseKind, _ body: (DatabaseLocation) async throws -> Result
    ) async throws -> Result {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "billfold-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await body(.sqlite(path: directory.appendingPathComponent("test.sqlite").path))
        case .postgres:
            guard let serverURL = self.postgresURL else {
                throw DatabaseError(message: "BILLFOLD_TEST_POSTGRES_URL is not set")
            }
            let name = "billfold_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try await self.administer(serverURL, "CREATE DATABASE \(name)")
            do {
                let result = try await body(.postgres(url: try self.url(serverURL, database: name)))
                try await self.administer(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                return result
            } catch {
                try? await self.administer(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                throw error
            }
        }
    }

    private static var logger: Logger {
        var logger = Logger(label: "billfold-test")
        logger.logLevel = .warning
        return logger
    }

    private static func administer(_ serverURL: String, _ statement: String) async throws {
        try await Database.withOpen(.postgres(url: serverURL), logger: self.logger) { database in
            try await database.sql.raw(SQLQueryString(statement)).run()
        }
    }

    private static func url(_ serverURL: String, database: String) throws -> String {
        guard var components = URLComponents(string: serverURL) else {
            throw DatabaseError(message: "BILLFOLD_TEST_POSTGRES_URL is not a URL")
        }
        components.path = "/" + database
        guard let url = components.string else { throw DatabaseError(message: "cannot build a test database URL") }
        return url
    }
}
