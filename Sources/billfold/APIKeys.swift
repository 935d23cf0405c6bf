import ArgumentParser
import BillfoldCore
import BillfoldStore
import Foundation

struct APIKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-keys",
        abstract: "Create, list and revoke operator API keys.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print its secret once.")

        @Option(help: "A name to tell the key apart, such as the system that uses it.")
        var name: String

        @OptionGroup var databaseOptions: DatabaseOptions

        func run() async throws {
            let (key, secret) = try await withStore(self.databaseOptions) { store in
                try await store.apiKeys.create(name: self.name, at: Date())
            }
            print("Created \(key.id) (\(key.name)). Its secret is shown only now:\n\(secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys, newest first; secrets are not stored.")

        @OptionGroup var databaseOptions: DatabaseOptions

        func run() async throws {
            let keys = try await withStore(self.databaseOptions) { store in try await store.apiKeys.list() }
            if keys.isEmpty { print("No API keys.") }
            for key in keys {
                let state = key.revokedAt.map { "revoked \($0.formatted(.iso8601))" } ?? "active"
                print("\(key.id)  \(key.prefix)…  \(key.name)  created \(key.createdAt.formatted(.iso8601))  \(state)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: requests with it get 401 at once.")

        @Argument(help: "The key's id, key_…")
        var id: String

        @OptionGroup var databaseOptions: DatabaseOptions

        func run() async throws {
            guard let id = APIKeyID(validating: self.id) else { throw ValidationError("\(self.id) is not a key id") }
            let revoked = try await withStore(self.databaseOptions) { store in
                try await store.apiKeys.revoke(id, at: Date())
            }
            guard revoked else { throw CommandError("no API key \(id)") }
            print("Revoked \(id).")
        }
    }
}

/// Opens and migrates the database, runs `body` on its store, and closes it.
func withStore<Result: Sendable>(
    _ options: DatabaseOptions, _ body: @Sendable (Store) async throws -> Result
) async throws -> Result {
    try await Database.withOpen(options.location(), logger: makeLogger()) { database in
        try await Migrations.run(on: database)
        return try await body(database.store)
    }
}
