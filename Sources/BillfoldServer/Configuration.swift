import BillfoldEngine
import BillfoldStore
import Foundation
import Logging

/// Everything `billfold serve` needs to start, from flags and `BILLFOLD_*` variables.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseLocation
    /// An operator API key created at start when absent, so a fresh install can call the API.
    public var bootstrapAPIKey: String?
    public var logLevel: Logger.Level
    public var clock: BillingClock
    /// How often the server bills the periods that have ended by itself; `nil` leaves billing to
    /// `POST /billing_runs` and `billfold bill`.
    public var billingInterval: Duration?
    /// The address people reach Billfold at (`https://billing.example.com`), for portal links and Secure cookies;
    /// `nil` builds links from the request's Host.
    public var publicURL: String?
    public var signInPolicy: SignInPolicy
    /// Which payment gateway takes Pay Now: Billfold's own sandbox unless Razorpay keys are given.
    public var gateway: GatewaySettings
    /// How often the server settles attempts no webhook reported, resends refunds and runs auto-pay; `nil` never.
    public var paymentJobsInterval: Duration?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: DatabaseLocation = .sqlite(path: "billfold.sqlite"),
        bootstrapAPIKey: String? = nil, logLevel: Logger.Level = .info, clock: BillingClock = .system,
        billingInterval: Duration? = nil, publicURL: String? = nil, signInPolicy: SignInPolicy = SignInPolicy(),
        gateway: GatewaySettings = .sandbox, paymentJobsInterval: Duration? = nil
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.bootstrapAPIKey = bootstrapAPIKey
        self.logLevel = logLevel
        self.clock = clock
        self.billingInterval = billingInterval
        self.publicURL = publicURL
        self.signInPolicy = signInPolicy
        self.gateway = gateway
        self.paymentJobsInterval = paymentJobsInterval
    }
}

/// The payment gateway a server uses.
public enum GatewaySettings: Sendable {
    /// Billfold's own sandbox, served by this server under `/sandbox/razorpay`: Razorpay's protocol, no real money.
    case sandbox
    /// Razorpay, with the account's API key pair and the secret its webhooks are signed with.
    case razorpay(keyID: String, keySecret: String, webhookSecret: String, baseURL: String)
}
