import ArgumentParser
import BillfoldEngine
import BillfoldServer
import BillfoldStore
import Foundation
import Logging

@main
struct Billfold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billfold",
        abstract: "Self-hosted billing and invoicing: metered usage, GST invoices, payments and a billing portal.",
        subcommands: [Serve.self, Migrate.self, Bill.self, SendWebhooks.self, APIKeys.self]
    )
}

/// Where the database is: `--database`, else `BILLFOLD_DATABASE_URL`, else a default file.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "A SQLite file path or a postgres:// URL (default: $BILLFOLD_DATABASE_URL or ./billfold.sqlite).")
    var database: String?

    func location(default defaultPath: String = "billfold.sqlite") -> DatabaseLocation {
        let environment = ProcessInfo.processInfo.environment
        let value = self.database ?? environment["BILLFOLD_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        return DatabaseLocation(value ?? defaultPath)
    }
}

func makeLogger(level: Logger.Level = .warning) -> Logger {
    var logger = Logger(label: "billfold")
    logger.logLevel = level
    return logger
}

/// A command could not do what was asked; printed as `Error: …` without the usage text.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
