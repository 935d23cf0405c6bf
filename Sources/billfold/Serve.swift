import ArgumentParser
import BillfoldEngine
import BillfoldServer
import BillfoldStore
import BillfoldWebhooks
import Foundation
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Billfold HTTP service.")

    @Option(help: "The address to listen on (default: $BILLFOLD_HOST or 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on (default: $BILLFOLD_PORT or 8080).")
    var port: Int?

    @OptionGroup var databaseOptions: DatabaseOptions

    @Flag(help: "Seed an empty database with a demo platform and print a login (default file: ./billfold-demo.sqlite).")
    var demo = false

    @Option(help: "trace, debug, info, notice, warning, error or critical (default: $BILLFOLD_LOG_LEVEL or info).")
    var logLevel: String?

    @Option(
        help:
            "Seconds between billing runs inside the server; 0 turns them off (default: $BILLFOLD_BILLING_INTERVAL or 60)."
    )
    var billingInterval: Int?

    @Option(
        help:
            "The address people reach Billfold at, such as https://billing.example.com, for portal links and Secure cookies (default: $BILLFOLD_PUBLIC_URL, else the request's Host)."
    )
    var publicURL: String?

    @Option(
        help:
            "Seconds between payment jobs inside the server (settling attempts no webhook reported, refunds, auto-pay); 0 turns them off (default: $BILLFOLD_PAYMENT_JOBS_INTERVAL or 60)."
    )
    var paymentJobsInterval: Int?

    @Option(
        help:
            "How invoices are paid online: razorpay, sandbox (no real money; anyone can mark invoices paid) or off (default: $BILLFOLD_PAYMENTS, else razorpay when the three BILLFOLD_RAZORPAY_* keys are set, sandbox with --demo, otherwise off)."
    )
    var payments: PaymentsMode?

    @Option(
        help:
            "Seconds between dunning passes inside the server (reminders, grace, suspension, restoration); 0 turns them off (default: $BILLFOLD_DUNNING_INTERVAL or 60)."
    )
    var dunningInterval: Int?

    @Flag(
        help:
            "Run on a clock that only POST /api/v1/test_clock/advance moves, running billing, payments, dunning and mail at each day it passes. For trying Billfold out; refused beside Razorpay keys."
    )
    var testClock = false

    @Flag(
        help:
            "Let webhook endpoints use http:// and loopback or private addresses, for a receiver on this machine or network; never in production (default: $BILLFOLD_ALLOW_HTTP_WEBHOOKS, on with --demo)."
    )
    var allowHTTPWebhooks = false

    @Option(
        help:
            "Seconds between mail passes inside the server (composing mail from new events and delivering the outbox); 0 turns them off: another server that runs them composes and sends the mail, which nothing loses meanwhile (default: $BILLFOLD_MAIL_INTERVAL or 2)."
    )
    var mailInterval: Int?

    @Option(
        help:
            "Read-only SQLite connections beside the one writer, so reads never wait behind a write; 0 puts every statement on the writer (default: $BILLFOLD_SQLITE_READERS or 4)."
    )
    var sqliteReaders: Int?

    @Option(
        help:
            "Seconds between webhook passes inside the server (owing new events to endpoints and sending what is due); 0 turns them off (default: $BILLFOLD_WEBHOOK_INTERVAL or 2)."
    )
    var webhookInterval: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // First, so a server that would take payments wrongly never starts (nor seeds the demo).
        let gateway = try Self.gatewaySettings(self.payments, isDemo: self.demo, environment: environment)
        if self.testClock, case .razorpay = gateway {
            throw ValidationError(
                "--test-clock moves the server's time for billing, payments and dunning, so it never runs with "
                    + "Razorpay keys: real debits would follow a made-up date. Unset the keys, or leave out --test-clock."
            )
        }
        var mail: MailSettings
        do {
            mail = try MailSettings.resolve(isDemo: self.demo, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
        mail.interval = try Self.interval(
            self.mailInterval, "BILLFOLD_MAIL_INTERVAL", standard: 2, job: "mail", in: environment)
        let host = self.host ?? environment["BILLFOLD_HOST"] ?? "127.0.0.1"
        let port = try self.port ?? environment["BILLFOLD_PORT"].map(Self.parsePort) ?? 8080
        guard (0...65535).contains(port) else { throw ValidationError("the port must be a number from 0 to 65535") }
        let levelName = self.logLevel ?? environment["BILLFOLD_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("unknown log level \(levelName)")
        }
        let location = self.databaseOptions.location(default: self.demo ? "billfold-demo.sqlite" : "billfold.sqlite")
        let environmentKey = environment["BILLFOLD_BOOTSTRAP_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let bootstrapKey = self.demo ? environmentKey ?? DemoData.apiKey : environmentKey
        var notes: [String] = []
        let allowsHTTPWebhooks =
            try self.demo || self.allowHTTPWebhooks
            || Self.parseSwitch(environment["BILLFOLD_ALLOW_HTTP_WEBHOOKS"], name: "BILLFOLD_ALLOW_HTTP_WEBHOOKS")
        let webhookInterval = try Self.interval(
            self.webhookInterval, "BILLFOLD_WEBHOOK_INTERVAL", standard: 2, job: "webhook", in: environment)
        let sqliteReaders =
            try self.sqliteReaders
            ?? environment["BILLFOLD_SQLITE_READERS"].map { text in
                guard let count = Int(text) else {
                    throw ValidationError("BILLFOLD_SQLITE_READERS must be a whole number, not \(text)")
                }
                return count
            } ?? Database.defaultSQLiteReaders
        guard (0...64).contains(sqliteReaders) else {
            throw ValidationError("--sqlite-readers must be a number from 0 to 64")
        }
        var masterKey = try Self.masterKey(environment: environment)
        if masterKey == nil && self.demo {
            let file = DemoData.masterKeyFile(for: location)
            let kept: (key: MasterKey, isNew: Bool)
            do {
                kept = try DemoData.masterKey(in: file)
            } catch let error as EngineError {
                throw ValidationError(error.message)
            }
            masterKey = kept.key
            notes.append(
                "Webhooks: the demo's master key (it seals the endpoints' signing secrets) is kept in \(file.path)"
                    + (kept.isNew ? ", made now." : "."))
        } else if masterKey == nil {
            notes += [
                "Webhooks: BILLFOLD_MASTER_KEY is not set, so no webhook endpoint can be created (its secret could not",
                "  be sealed). Set it to 32 random bytes in base64 (openssl rand -base64 32) and keep it safe.",
            ]
        }
        if allowsHTTPWebhooks {
            let rule = String(repeating: "!", count: 78)
            notes += [
                rule,
                "!! WEBHOOKS MAY GO TO http:// AND TO LOOPBACK OR PRIVATE ADDRESSES",
                "!! (--allow-http-webhooks, or --demo): anyone with an API key can make this",
                "!! server post inside its own network. NEVER IN PRODUCTION.",
                rule,
            ]
        }
        var payLink: String?
        if self.demo {
            let receiver = Self.demoWebhookReceiver(host: host, port: port, masterKey: masterKey)
            let summary = try await Database.withOpen(location, logger: makeLogger()) { database in
                try await Migrations.run(on: database)
                return try await DemoData.seed(into: database, now: Date(), webhookReceiver: receiver)
            }
            if case .sandbox = gateway {
                payLink = try await Database.withOpen(location, logger: makeLogger()) { database in
                    try await DemoData.payNowLink(in: database, clock: .system)
                }
            }
            if let summary {
                notes.append("Demo data: \(summary.workspaces) workspaces and \(summary.documents) documents.")
                if let endpoint = summary.webhookEndpoint {
                    notes.append("Demo webhooks: endpoint \(endpoint.id) sends every event to \(endpoint.url).")
                } else if port == 0 {
                    notes.append(
                        "Demo webhooks: no endpoint was made, since port 0 is only known once bound; create one for "
                            + "/sandbox/webhooks with POST /api/v1/webhook_endpoints.")
                }
            } else {
                notes.append("Demo data: the database already had workspaces, so nothing was added.")
            }
        }
        let billingInterval = try Self.interval(
            self.billingInterval, "BILLFOLD_BILLING_INTERVAL", standard: 60, job: "billing", in: environment)
        let paymentJobsInterval = try Self.interval(
            self.paymentJobsInterval, "BILLFOLD_PAYMENT_JOBS_INTERVAL", standard: 60, job: "payment jobs",
            in: environment)
        let dunningInterval = try Self.interval(
            self.dunningInterval, "BILLFOLD_DUNNING_INTERVAL", standard: 60, job: "dunning", in: environment)
        notes += gateway.startupNotice
        notes += mail.startupNotice
        let testClock = self.testClock ? ManualClock(Date()) : nil
        if testClock != nil {
            let rule = String(repeating: "!", count: 78)
            notes += [
                rule,
                "!! TEST CLOCK: this server's time stands still until POST /api/v1/test_clock/advance moves it;",
                "!! each day passed runs billing, payments, dunning and mail. Never use it in production.",
                rule,
            ]
        }
        let configuration = ServerConfiguration(
            host: host, port: port, database: location, sqliteReaders: sqliteReaders, bootstrapAPIKey: bootstrapKey,
            logLevel: level,
            billingInterval: billingInterval,
            publicURL: try Self.parsePublicURL(self.publicURL ?? environment["BILLFOLD_PUBLIC_URL"]), gateway: gateway,
            paymentJobsInterval: paymentJobsInterval, mail: mail,
            dunningInterval: dunningInterval, testClock: testClock,
            masterKey: masterKey, webhookPolicy: WebhookAddressPolicy(allowsInsecure: allowsHTTPWebhooks),
            webhookInterval: webhookInterval, webhookSandbox: self.demo)
        let demo = self.demo
        try await runServer(configuration) { [notes, payLink] boundPort in
            let url = "http://\(host):\(boundPort)"
            var lines = ["Billfold is serving \(url) (database: \(location))"] + notes
            if demo, let bootstrapKey {
                lines.append("Operator API key: \(bootstrapKey)")
                lines.append("  try: curl -H 'Authorization: Bearer \(bootstrapKey)' \(url)/api/v1/invoices")
                lines.append("Billing portal: \(url)/portal/sign-in")
                lines.append("Member login (owner): \(DemoData.portalEmail) / \(DemoData.portalPassword)")
                if let payLink {
                    lines.append("Pay a demo invoice in the sandbox (link works once, for an hour): \(url)\(payLink)")
                }
                lines.append(
                    "Webhooks received by the demo's endpoint, and whether they verified: \(url)/sandbox/webhooks")
            } else if let bootstrapKey {
                lines.append("Operator API key from BILLFOLD_BOOTSTRAP_API_KEY: \(bootstrapKey.prefix(8))…")
            }
            // Written straight to the file descriptor, so a log collector or a pipe sees it at once.
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }

    /// The key in `BILLFOLD_MASTER_KEY` (environment only, so it never shows in a process list); `nil` when unset.
    static func masterKey(environment: [String: String]) throws -> MasterKey? {
        guard let text = environment["BILLFOLD_MASTER_KEY"], !text.isEmpty else { return nil }
        guard let key = MasterKey(base64: text) else {
            let decoded = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))
            throw ValidationError(
                "BILLFOLD_MASTER_KEY must be 32 random bytes in base64, as `openssl rand -base64 32` prints; "
                    + (decoded.map { "it holds \($0.count) bytes" } ?? "it is not base64")
                    + ". Once webhook endpoints exist, keep the key they were made under: their secrets open only with it."
            )
        }
        return key
    }

    /// The demo's own receiver as the server reaches it, or `nil` when there is no key to seal a secret with or
    /// the port is only known once bound.
    static func demoWebhookReceiver(host: String, port: Int, masterKey: MasterKey?) -> DemoData.WebhookReceiver? {
        guard let masterKey, port != 0 else { return nil }
        let reachable = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        let authority = reachable.contains(":") ? "[\(reachable)]" : reachable
        return DemoData.WebhookReceiver(url: "http://\(authority):\(port)/sandbox/webhooks", masterKey: masterKey)
    }

    /// `1`/`true` on, `0`/`false` or unset off.
    static func parseSwitch(_ text: String?, name: String) throws -> Bool {
        switch text?.lowercased() {
        case nil, "", "0", "false": return false
        case "1", "true": return true
        case let other?: throw ValidationError("\(name) must be 1, true, 0 or false, not \(other)")
        }
    }

    /// A job's interval: the option, else the variable `name`, else `standard` seconds; `nil`, the job off, for 0;
    /// refused below 0.
    static func interval(
        _ option: Int?, _ name: String, standard: Int, job: String, in environment: [String: String]
    ) throws -> Duration? {
        let seconds = try option ?? environment[name].map(Self.parseSeconds) ?? standard
        guard seconds >= 0 else { throw ValidationError("the \(job) interval must be 0 or more seconds") }
        return seconds == 0 ? nil : .seconds(seconds)
    }

    static func parseSeconds(_ text: String) throws -> Int {
        guard let seconds = Int(text) else {
            throw ValidationError("an interval must be a whole number of seconds, not \(text)")
        }
        return seconds
    }

    /// The payment gateway `--payments` (else `BILLFOLD_PAYMENTS`, else what is configured) chooses; a start-up
    /// error that names what is missing or contradictory. The rules are `GatewaySettings.resolve`'s.
    static func gatewaySettings(
        _ mode: PaymentsMode?, isDemo: Bool, environment: [String: String]
    ) throws -> GatewaySettings {
        do {
            return try GatewaySettings.resolve(mode: mode, isDemo: isDemo, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
    }

    static func parsePublicURL(_ text: String?) throws -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
        else { throw ValidationError("the public URL must look like https://billing.example.com, not \(text)") }
        return text
    }

    static func parsePort(_ text: String) throws -> Int {
        guard let port = Int(text) else { throw ValidationError("BILLFOLD_PORT must be a number, not \(text)") }
        return port
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the database migrations not yet applied.")

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let location = self.databaseOptions.location()
        let applied = try await Database.withOpen(location, logger: makeLogger()) { database in
            try await Migrations.run(on: database)
        }
        print(
            applied.isEmpty
                ? "\(location) is up to date." : "Applied to \(location): \(applied.joined(separator: ", "))")
    }
}

extension PaymentsMode: ExpressibleByArgument {}
