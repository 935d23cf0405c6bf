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

        @Option(
            help: ArgumentHelp(
                "When the key stops working: an ISO 8601 time with a zone, such as 2027-03-31T23:59:59+05:30.",
                discussion: "Requests with it get 401 api_key_expired from then on. Default: it never expires."))
        var expiresAt: String?

        @Option(help: "When the key stops working, in days from now (1 to 3650); instead of --expires-at.")
        var expiresInDays: Int?

        @OptionGroup var databaseOptions: DatabaseOptions

        func validate() throws {
            if self.expiresAt != nil, self.expiresInDays != nil {
                throw ValidationError("give --expires-at or --expires-in-days, not both")
            }
            if let days = self.expiresInDays, !(1...3650).contains(days) {
                throw ValidationError("--expires-in-days must be from 1 to 3650")
            }
        }

        func run() async throws {
            let now = Date()
            var expiry: Date?
            if let text = self.expiresAt {
                guard let parsed = ISO8601Instant.parse(text) ?? (try? Date.ISO8601FormatStyle().parse(text)) else {
                    throw ValidationError(
                        "--expires-at must be an ISO 8601 time with a zone, such as 2027-03-31T23:59:59+05:30")
                }
                guard parsed > now else {
                    throw ValidationError(
                        "--expires-at \(text) has already passed; a key must expire after it is created")
                }
                expiry = parsed
            } else if let days = self.expiresInDays {
                expiry = now.addingTimeInterval(TimeInterval(days) * 86_400)
            }
            let (key, secret) = try await withStore(self.databaseOptions) { [expiry] store in
                try await store.apiKeys.create(name: self.name, expiresAt: expiry, at: now)
            }
            let expires = key.expiresAt.map { ", expires \(ISO8601Instant.format($0))" } ?? ""
            print("Created \(key.id) (\(key.name)\(expires)). Its secret is shown only now:\n\(secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys, newest first; secrets are not stored.")

        @OptionGroup var databaseOptions: DatabaseOptions

        func run() async throws {
            let keys = try await withStore(self.databaseOptions) { store in try await store.apiKeys.list() }
            if keys.isEmpty { print("No API keys.") }
            let now = Date()
            for key in keys {
                let state: String
                if let revokedAt = key.revokedAt {
                    state = "revoked \(ISO8601Instant.format(revokedAt))"
                } else if let expiresAt = key.expiresAt {
                    let word = key.isExpired(at: now) ? "expired" : "active, expires"
                    state = "\(word) \(ISO8601Instant.format(expiresAt))"
                } else {
                    state = "active, never expires"
                }
                print(
                    "\(key.id)  \(key.prefix)…  \(key.name)  created \(ISO8601Instant.format(key.createdAt))  \(state)")
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
