import ArgumentParser
import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation

struct Bill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bill every subscription period that ended by --as-of (default: now), each exactly once.")

    @Option(help: "An ISO 8601 time with a zone, such as 2026-12-01T00:00:00Z (default: now).")
    var asOf: String?

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let now = Date()
        let asOf: Date
        if let text = self.asOf {
            guard let parsed = try? Date.ISO8601FormatStyle().parse(text) else {
                throw ValidationError("--as-of must be an ISO 8601 time with a zone, such as 2026-12-01T00:00:00Z")
            }
            asOf = parsed
        } else {
            asOf = now
        }
        guard asOf <= now else { throw ValidationError("--as-of is in the future; periods are billed once they end") }
        let report = try await Database.withOpen(self.databaseOptions.location(), logger: makeLogger()) { database in
            try await Migrations.run(on: database)
            let due = try await database.store.subscriptions.countDue(
                on: CalendarDate(asOf, in: BillingClock.system.timeZone))
            let run = BillingRun(invoices: InvoiceService(database: database, clock: .system))
            return try await run.run(asOf: asOf, actor: "cli") { closed in
                Self.showProgress(closed: closed, due: due)
            }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print("Closed \(report.periodsClosed) periods and issued \(report.invoices.count) invoices.")
        for (subscription, reason) in report.failures {
            print("Could not bill \(subscription): \(reason)")
        }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }

    /// A bar of the subscriptions due at the start; catching up several periods can run past it.
    static func showProgress(closed: Int, due: Int) {
        let width = 30
        let filled = due == 0 ? width : min(width, closed * width / max(due, 1))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(closed) periods closed".utf8))
    }
}
