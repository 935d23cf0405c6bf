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

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: DatabaseLocation = .sqlite(path: "billfold.sqlite"),
        bootstrapAPIKey: String? = nil, logLevel: Logger.Level = .info, clock: BillingClock = .system,
        billingInterval: Duration? = nil, publicURL: String? = nil, signInPolicy: SignInPolicy = SignInPolicy()
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
    }
}
