import BillfoldEngine
import BillfoldMail
import BillfoldStore
import BillfoldWebhooks
import Foundation
import Logging

/// Everything `billfold serve` needs to start, from flags and `BILLFOLD_*` variables.
package struct ServerConfiguration: Sendable {
    package var host: String
    package var port: Int
    package var database: DatabaseLocation
    /// Read-only SQLite connections beside the writer, so reads never wait for a write; 0 puts every statement on
    /// the writer. PostgreSQL ignores it.
    package var sqliteReaders: Int
    /// An operator API key created at start when absent, so a fresh install can call the API.
    package var bootstrapAPIKey: String?
    package var logLevel: Logger.Level
    package var clock: BillingClock
    /// How often the server bills the periods that have ended by itself; `nil` leaves billing to
    /// `POST /billing_runs` and `billfold bill`.
    package var billingInterval: Duration?
    /// The address people reach Billfold at (`https://billing.example.com`), for portal links and Secure cookies;
    /// `nil` builds links from the request's Host.
    package var publicURL: String?
    package var signInPolicy: SignInPolicy
    /// Which payment gateway takes Pay Now. None unless one is chosen: a server nobody configured for payments
    /// takes no online payment rather than a pretend one.
    package var gateway: GatewaySettings
    /// How often the server settles attempts no webhook reported, resends refunds and runs auto-pay; `nil` never.
    package var paymentJobsInterval: Duration?
    /// Where the page templates are read from at start; `nil` reads those built into the server. Tests point it
    /// elsewhere to see a bad template stop the start.
    package var templatesDirectory: URL?
    /// Where mail goes and how often it is sent.
    package var mail: MailSettings
    /// How often dunning looks at overdue balances (reminders, grace, suspension, restoration); `nil` never.
    package var dunningInterval: Duration?
    /// A clock only `POST /api/v1/test_clock/advance` moves, for trying months of billing in a minute; `nil` for
    /// the real one. Never beside real payments.
    package var testClock: ManualClock?
    /// Seals stored secrets (webhook signing secrets); `nil`: none can be stored, so no webhook endpoint created.
    package var masterKey: MasterKey?
    /// Which URLs webhooks may go to: `https://` and public addresses only, unless `--allow-http-webhooks`.
    package var webhookPolicy: WebhookAddressPolicy
    /// How often webhooks are owed for new events and sent; `nil` never.
    package var webhookInterval: Duration?
    /// How long an endpoint has to answer.
    package var webhookTimeout: Duration
    /// Serves `/sandbox/webhooks`, a receiver that shows what arrived and whether each signature verified (the
    /// demo's endpoint points at it). Anyone who reaches the server can read it: only for trying Billfold out.
    package var webhookSandbox: Bool

    package init(
        host: String = "127.0.0.1", port: Int = 8080, database: DatabaseLocation = .sqlite(path: "billfold.sqlite"),
        sqliteReaders: Int = Database.defaultSQLiteReaders, bootstrapAPIKey: String? = nil,
        logLevel: Logger.Level = .info, clock: BillingClock = .system,
        billingInterval: Duration? = nil, publicURL: String? = nil, signInPolicy: SignInPolicy = SignInPolicy(),
        gateway: GatewaySettings = .disabled, paymentJobsInterval: Duration? = nil, mail: MailSettings = .files,
        dunningInterval: Duration? = nil, testClock: ManualClock? = nil, masterKey: MasterKey? = nil,
        webhookPolicy: WebhookAddressPolicy = WebhookAddressPolicy(allowsInsecure: false),
        webhookInterval: Duration? = nil, webhookTimeout: Duration = .seconds(15), webhookSandbox: Bool = false
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.sqliteReaders = sqliteReaders
        self.bootstrapAPIKey = bootstrapAPIKey
        self.logLevel = logLevel
        self.clock = clock
        self.billingInterval = billingInterval
        self.publicURL = publicURL
        self.signInPolicy = signInPolicy
        self.gateway = gateway
        self.paymentJobsInterval = paymentJobsInterval
        self.mail = mail
        self.dunningInterval = dunningInterval
        self.testClock = testClock
        self.masterKey = masterKey
        self.webhookPolicy = webhookPolicy
        self.webhookInterval = webhookInterval
        self.webhookTimeout = webhookTimeout
        self.webhookSandbox = webhookSandbox
        if let testClock { self.clock = testClock.billingClock() }
    }
}

/// The payment gateway a server uses.
package enum GatewaySettings: Sendable {
    /// No gateway: online payment is off. Pay Now is hidden, gateway payments, top-ups and mandates are refused
    /// with `online_payments_not_configured`, and invoices are paid from the wallet or by bank transfers the
    /// operator records.
    case disabled
    /// Billfold's own sandbox, served by this server under `/sandbox/razorpay`: Razorpay's protocol, no real money,
    /// and anyone who reaches the server can mark an invoice paid. Only for trying Billfold out.
    case sandbox
    /// Razorpay, with the account's API key pair and the secret its webhooks are signed with.
    case razorpay(keyID: String, keySecret: String, webhookSecret: String, baseURL: String)
}

/// How payments are taken, as `billfold serve --payments` or `BILLFOLD_PAYMENTS` names it.
package enum PaymentsMode: String, CaseIterable, Sendable {
    case razorpay, sandbox, off
}

/// A start-up setting that cannot be used as given: what is wrong and what to do.
package struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    package let message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { self.message }
}

extension GatewaySettings {
    /// The variables that hold Razorpay's secrets (environment only, so they never show in a process list).
    package static let razorpayKeyNames = [
        "BILLFOLD_RAZORPAY_KEY_ID", "BILLFOLD_RAZORPAY_KEY_SECRET", "BILLFOLD_RAZORPAY_WEBHOOK_SECRET",
    ]

    /// The gateway `serve` runs with. `mode` comes from `--payments`; without it `BILLFOLD_PAYMENTS` decides, and
    /// without that it is derived: Razorpay when its three keys are set, the sandbox for the demo, otherwise off.
    ///
    /// Refused: Razorpay without all three keys, and the sandbox while any Razorpay key is set (a server holding
    /// real keys must never let anyone mark invoices paid). `off` always wins: keys set beside it are not used.
    package static func resolve(
        mode: PaymentsMode?, isDemo: Bool, environment: [String: String]
    ) throws(ConfigurationError) -> GatewaySettings {
        var chosen = mode.map { (mode: $0, source: "--payments \($0.rawValue)") }
        if chosen == nil, let text = environment.setting("BILLFOLD_PAYMENTS") {
            guard let mode = PaymentsMode(rawValue: text.lowercased()) else {
                throw ConfigurationError("BILLFOLD_PAYMENTS must be razorpay, sandbox or off, not \(text)")
            }
            chosen = (mode, "BILLFOLD_PAYMENTS=\(mode.rawValue)")
        }
        let keys = Self.razorpayKeyNames.map(environment.setting)
        let setKeys = zip(Self.razorpayKeyNames, keys).filter { $0.1 != nil }.map(\.0)
        func razorpay(_ asked: String) throws(ConfigurationError) -> GatewaySettings {
            guard let keyID = keys[0], let keySecret = keys[1], let webhookSecret = keys[2] else {
                let missing = zip(Self.razorpayKeyNames, keys).filter { $0.1 == nil }.map(\.0)
                throw ConfigurationError(
                    "\(asked) needs all three of \(Self.razorpayKeyNames.joined(separator: ", ")) in the environment; "
                        + "missing: \(missing.joined(separator: ", "))")
            }
            let baseURL = environment.setting("BILLFOLD_RAZORPAY_BASE_URL") ?? "https://api.razorpay.com/v1"
            return .razorpay(keyID: keyID, keySecret: keySecret, webhookSecret: webhookSecret, baseURL: baseURL)
        }
        switch chosen {
        case .some((.off, _)):
            return .disabled
        case .some((.sandbox, let source)):
            guard setKeys.isEmpty else {
                throw ConfigurationError(
                    "\(source) asks for the payment sandbox, but \(setKeys.joined(separator: ", ")) "
                        + (setKeys.count == 1 ? "is" : "are")
                        + " set: the sandbox lets anyone mark invoices paid, so it never runs beside Razorpay keys. "
                        + "Unset the keys to try the sandbox, or leave out \(source) to take payments through Razorpay."
                )
            }
            return .sandbox
        case .some((.razorpay, let source)):
            return try razorpay(source)
        case nil:
            if setKeys.isEmpty { return isDemo ? .sandbox : .disabled }
            return try razorpay("Razorpay (some of its keys are set)")
        }
    }

    /// The mode these settings run in, as `--payments` names it.
    package var mode: PaymentsMode {
        switch self {
        case .disabled: .off
        case .sandbox: .sandbox
        case .razorpay: .razorpay
        }
    }

    /// What `serve` prints about payments when it starts: for the sandbox a warning nobody can miss, for no
    /// gateway how customers pay instead and how to turn online payment on.
    package var startupNotice: [String] {
        switch self {
        case .razorpay:
            return ["Payments: Razorpay. Point its webhooks at /api/v1/webhooks/razorpay on the public URL."]
        case .sandbox:
            let rule = String(repeating: "!", count: 78)
            return [
                rule,
                "!! PAYMENT SANDBOX: NO REAL MONEY MOVES.",
                "!! Anyone who can reach this server can \"pay\" any invoice at the sandbox checkout",
                "!! and see it marked Paid, with no money received.",
                "!! NEVER RUN THE SANDBOX IN PRODUCTION. For real payments set BILLFOLD_RAZORPAY_KEY_ID,",
                "!! BILLFOLD_RAZORPAY_KEY_SECRET and BILLFOLD_RAZORPAY_WEBHOOK_SECRET; for none, --payments off.",
                rule,
            ]
        case .disabled:
            return [
                "Payments: online payment is off, so the portal offers no Pay Now. Customers pay from their wallet, or by",
                "  bank transfer, which you record: POST /api/v1/invoices/{id}/payments {\"method\":\"bank_transfer\"}.",
                "  To take payments online, set BILLFOLD_RAZORPAY_KEY_ID, BILLFOLD_RAZORPAY_KEY_SECRET and",
                "  BILLFOLD_RAZORPAY_WEBHOOK_SECRET (or try it without real money: --payments sandbox).",
            ]
        }
    }
}

/// Where `serve` sends mail and what it says it is from.
package struct MailSettings: Sendable {
    /// How messages leave.
    package enum Route: Sendable {
        /// To a mail server.
        case smtp(SMTPConfiguration)
        /// As `.eml` files in a folder, for a person to open: without SMTP, and always in the demo.
        case directory(URL)
    }

    package var route: Route
    /// The `From` of every message; `nil`: the supplier's name and email.
    package var sender: MailAddress?
    /// How often queued mail is composed from new events and delivered; `nil` never (tests run passes by hand).
    package var interval: Duration?

    package init(route: Route, sender: MailAddress? = nil, interval: Duration? = nil) {
        self.route = route
        self.sender = sender
        self.interval = interval
    }

    /// Files under `./billfold-mail/`, and no mail job: what a server built without mail settings (a test's) gets.
    package static let files = MailSettings(route: .directory(URL(fileURLWithPath: "billfold-mail", isDirectory: true)))

    /// How often `serve` composes and delivers mail.
    package static let standardInterval: Duration = .seconds(2)

    /// The variables that set mail up.
    package static let smtpURLName = "BILLFOLD_SMTP_URL"
    package static let senderName = "BILLFOLD_MAIL_FROM"
    package static let trustRootsName = "BILLFOLD_SMTP_CA_FILE"
    package static let directoryName = "BILLFOLD_MAIL_DIRECTORY"

    /// The mail `serve` runs with: SMTP when `BILLFOLD_SMTP_URL` is set, except in the demo, whose made-up
    /// customers only ever get files; otherwise files in `BILLFOLD_MAIL_DIRECTORY` (default `./billfold-mail/`).
    package static func resolve(isDemo: Bool, environment: [String: String]) throws(ConfigurationError) -> MailSettings
    {
        var sender: MailAddress?
        if let text = environment.setting(Self.senderName) {
            guard let parsed = MailAddress(parsing: text) else {
                throw ConfigurationError(
                    "\(Self.senderName) must be an address such as billing@example.com or "
                        + "\"Acme Billing <billing@example.com>\", not \(text)")
            }
            sender = parsed
        }
        let directory = URL(
            fileURLWithPath: environment.setting(Self.directoryName) ?? "billfold-mail", isDirectory: true)
        guard !isDemo, let url = environment.setting(Self.smtpURLName) else {
            return MailSettings(route: .directory(directory), sender: sender, interval: Self.standardInterval)
        }
        do {
            let smtp = try SMTPConfiguration(url: url, trustRootsFile: environment.setting(Self.trustRootsName))
            return MailSettings(route: .smtp(smtp), sender: sender, interval: Self.standardInterval)
        } catch {
            throw ConfigurationError("\(Self.smtpURLName) cannot be used: \(error)")
        }
    }

    /// The transport these settings describe.
    package func transport() -> any MailTransport {
        switch self.route {
        case .smtp(let configuration): SMTPTransport(configuration: configuration)
        case .directory(let directory): MailDirectoryTransport(directory: directory)
        }
    }

    /// What `serve` prints about mail when it starts.
    package var startupNotice: [String] {
        guard self.interval != nil else {
            return [
                "Mail: this server composes and sends none (--mail-interval 0); a server that runs mail passes does."
            ]
        }
        switch self.route {
        case .smtp(let configuration):
            return ["Mail: delivered through \(configuration.host):\(configuration.port)."]
        case .directory(let directory):
            return [
                "Mail: no SMTP server is configured, so every message is written as an .eml file under \(directory.path)/",
                "  (open one in any mail program). To send mail, set \(Self.smtpURLName)=smtp://user:password@host:587.",
            ]
        }
    }
}

extension [String: String] {
    /// The variable `name` when it is set to something: an empty value counts as unset.
    fileprivate func setting(_ name: String) -> String? {
        self[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
