import ArgumentParser
import BillfoldEngine
import BillfoldStore
import BillfoldWebhooks
import Foundation

/// One webhook pass from the command line: owes the new events to their endpoints, sends every delivery due, and
/// exits once nothing is left to send now. Any number may run at once, beside servers, on one PostgreSQL database.
struct SendWebhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-webhooks",
        abstract: "Send every webhook delivery due now, then exit (needs BILLFOLD_MASTER_KEY).")

    @OptionGroup var databaseOptions: DatabaseOptions

    @Flag(help: "Allow http:// URLs and loopback or private addresses (tests and the demo only).")
    var allowHTTPWebhooks = false

    @Option(help: "How many requests are in flight at once (default 16).")
    var concurrency = 16

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let text = environment["BILLFOLD_MASTER_KEY"], !text.isEmpty else {
            throw ValidationError("BILLFOLD_MASTER_KEY must be set: it opens the endpoints' signing secrets")
        }
        guard let masterKey = MasterKey(base64: text) else {
            throw ValidationError("BILLFOLD_MASTER_KEY must be 32 bytes in base64 (openssl rand -base64 32)")
        }
        guard self.concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        let allowsInsecure = self.allowHTTPWebhooks || environment["BILLFOLD_ALLOW_HTTP_WEBHOOKS"] == "1"
        let policy = WebhookAddressPolicy(allowsInsecure: allowsInsecure)
        let transport = HTTPWebhookTransport(policy: policy, connectionsPerHost: self.concurrency)
        let report: WebhookSender.Report
        do {
            report = try await Database.withOpen(self.databaseOptions.location(), logger: makeLogger()) { database in
                try await Migrations.run(on: database)
                let engine = Engine(
                    database: database, clock: .system, gateway: nil, masterKey: masterKey, webhookPolicy: policy,
                    logger: makeLogger())
                let sender = WebhookSender(
                    webhooks: engine.webhooks, transport: transport, mail: engine.mail,
                    concurrency: self.concurrency, logger: makeLogger())
                return try await sender.run()
            }
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
        print(
            "Delivered \(report.delivered), to retry \(report.retrying), given up \(report.failed)"
                + (report.lostClaims > 0 ? ", taken over by another process \(report.lostClaims)" : "") + ".")
    }
}
