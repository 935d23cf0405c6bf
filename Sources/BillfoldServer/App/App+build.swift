import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import BillfoldWebhooks
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Parses the page templates, opens the database, runs migrations, and builds the HTTP application around it.
///
/// A page template that does not parse, or is missing, stops the start before the database is opened: the error
/// names the file and what is wrong with it. `onServerRunning` is called with the port once the server listens
/// (useful with port 0).
package func buildApplication(
    _ configuration: ServerConfiguration, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "billfold")
    logger.logLevel = configuration.logLevel
    let templates = try configuration.templatesDirectory.map(PageTemplates.init(directory:)) ?? .bundled()
    let mailTemplates = try MailTemplates()
    let database = try await Database.open(
        configuration.database, logger: logger, sqliteReaders: configuration.sqliteReaders)
    do {
        try await Migrations.run(on: database, now: configuration.clock.now)
        if let secret = configuration.bootstrapAPIKey, !secret.isEmpty {
            _ = try await database.store.apiKeys.ensure(secret: secret, name: "bootstrap", at: configuration.clock.now)
        }
    } catch {
        try? await database.close()
        throw error
    }
    let gateway = PaymentGatewaySetup(configuration.gateway, logger: logger)
    if case .sandbox = configuration.gateway {
        logger.warning(
            """
            the payment sandbox is served under /sandbox/razorpay: no real money moves, and anyone who can reach \
            this server can mark invoices paid; never run it in production
            """)
    }
    let address = PublicAddress(configuration.publicURL ?? "http://\(configuration.host):\(configuration.port)")
    let mail = configuration.mail
    let engine = Engine(
        database: database, clock: configuration.clock, gateway: gateway.gateway,
        signInPolicy: configuration.signInPolicy,
        mail: MailComposer(
            templates: mailTemplates, address: address, messageIDDomain: mail.sender?.domain ?? "billfold.local"),
        masterKey: configuration.masterKey, webhookPolicy: configuration.webhookPolicy, logger: logger)
    let webhookTransport = HTTPWebhookTransport(
        policy: configuration.webhookPolicy, timeout: configuration.webhookTimeout)
    let work = BackgroundWork(
        engine: engine,
        delivery: MailDelivery(
            database: database, documents: engine.documents, transport: mail.transport(), sender: mail.sender,
            clock: configuration.clock, logger: logger),
        webhooks: WebhookSender(
            webhooks: engine.webhooks, transport: webhookTransport, mail: engine.mail, logger: logger),
        logger: logger)
    let testClock = configuration.testClock.map { TestClock(clock: $0, work: work) }
    if testClock != nil {
        logger.warning(
            "the test clock is on: POST /api/v1/test_clock/advance moves this server's time; never run it in production"
        )
    }
    let router = buildRouter(
        engine, templates: templates, publicURL: configuration.publicURL, sandbox: gateway.sandbox,
        testClock: testClock, webhookSandbox: configuration.webhookSandbox ? SandboxWebhookReceiver() : nil)
    var services: [any Service] = [
        DatabaseCloser(database: database), WebhookTransportCloser(transport: webhookTransport),
    ]
    if let interval = configuration.billingInterval {
        services.append(BillingScheduler(run: engine.billing, interval: interval, logger: logger))
    }
    // With online payment off there is nothing to settle, refund or debit through a gateway.
    if let interval = configuration.paymentJobsInterval, engine.payments.takesOnlinePayments {
        services.append(PaymentJobs(payments: engine.payments, interval: interval, logger: logger))
    }
    if let interval = configuration.dunningInterval {
        services.append(PeriodicJob("dunning", every: interval, logger: logger) { try await work.dun() })
    }
    if let interval = mail.interval {
        services.append(PeriodicJob("mail", every: interval, logger: logger) { try await work.sendMail() })
    }
    if let interval = configuration.webhookInterval {
        services.append(PeriodicJob("webhooks", every: interval, logger: logger) { try await work.sendWebhooks() })
    }
    let host = configuration.host
    let hasPublicURL = configuration.publicURL != nil
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "billfold"),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            if !hasPublicURL {
                let reachable = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
                address.set("http://\(reachable.contains(":") ? "[\(reachable)]" : reachable):\(port)")
            }
            await gateway.serverIsRunning(host: host, port: port)
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// Builds the application and serves until SIGTERM or SIGINT, then shuts down gracefully.
package func runServer(
    _ configuration: ServerConfiguration, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws {
    let app = try await buildApplication(configuration, onServerRunning: onServerRunning)
    try await app.runService()
}

/// The routes: `/health`, `/openapi.json` and sign-in in the open; the rest of `/api/v1` behind an operator API
/// key, except a workspace's own billing, which its owners and admins reach with a member session too.
///
/// Every controller is handed the services of `engine` it needs, built once, and the HTML pages the parsed
/// `templates`. Without a gateway in `engine`, online payment is off (gateway payments, top-ups and mandates answer
/// 409 `online_payments_not_configured`, and the portal offers no Pay Now). `sandbox`, when given, is served under
/// `/sandbox/razorpay`. `testClock`, when given, is served under `/api/v1/test_clock`, and
/// `webhookSandbox`, when given, under `/sandbox/webhooks`.
package func buildRouter(
    _ engine: Engine, templates: PageTemplates, publicURL: String? = nil, sandbox: SandboxRazorpay? = nil,
    testClock: TestClock? = nil, webhookSandbox: SandboxWebhookReceiver? = nil
) -> Router<BillfoldRequestContext> {
    let database = engine.database
    let clock = engine.clock
    let payments = engine.payments
    let router = Router(context: BillfoldRequestContext.self)
    router.add(middleware: APIErrorMiddleware())
    HealthController(database: database).addRoutes(to: router)
    OpenAPIController().addRoutes(to: router)
    let authenticator = Authenticator(apiKeys: database.store.apiKeys, access: engine.access, clock: clock)
    let sessions = SessionsController(access: engine.access, publicURL: publicURL)
    let printView = PrintViewController(database: database, clock: clock, payments: payments, templates: templates)
    let checkout = CheckoutController(
        database: database, clock: clock, payments: payments, templates: templates, publicURL: publicURL)
    if let sandbox {
        SandboxGatewayController(sandbox: sandbox, templates: templates).addRoutes(to: router.group("sandbox/razorpay"))
    }
    if let webhookSandbox {
        SandboxWebhooksController(receiver: webhookSandbox, webhooks: engine.webhooks, templates: templates)
            .addRoutes(to: router.group("sandbox/webhooks"))
    }
    checkout.addRoutes(to: router)
    RazorpayWebhookController(payments: payments).addRoutes(to: router)
    sessions.addPublicRoutes(to: router.group("api/v1"), portal: router.group("portal"))
    printView.addPublicRoutes(to: router.group("portal"))
    let portal = PortalController(database: database, engine: engine, templates: templates, publicURL: publicURL)
    portal.addRoutes(to: router)
    let portalBilling = router.group("portal").add(middleware: authenticator).add(middleware: BillingAccess())
        .add(middleware: portal.csrf)
    printView.addRoutes(to: portalBilling)
    checkout.addPortalRoutes(to: portalBilling)
    let signedIn = router.group("api/v1").add(middleware: authenticator)
    // Downloads change nothing and answer with bytes, which the idempotency store (text) does not keep.
    DocumentsController(database: database, documents: engine.documents, clock: clock)
        .addRoutes(to: signedIn.group().add(middleware: BillingAccess()))
    let authenticated = signedIn.group()
        .add(middleware: IdempotencyMiddleware(repository: database.store.idempotency, clock: clock))
    sessions.addMemberRoutes(to: authenticated)
    let billing = authenticated.group().add(middleware: BillingAccess())
    let api = authenticated.group().add(middleware: OperatorOnly())
    SupplierController(database: database, supplier: engine.supplier).addRoutes(to: api)
    WorkspacesController(database: database, clock: clock, workspaces: engine.workspaces, dunning: engine.dunning)
        .addRoutes(to: api, billing: billing)
    MembersController(database: database, access: engine.access, publicURL: publicURL).addRoutes(to: api)
    PlansController(database: database, clock: clock, catalog: engine.catalog).addRoutes(to: api)
    MetersController(database: database, clock: clock, catalog: engine.catalog).addRoutes(to: api)
    UsageController(usage: engine.usage).addRoutes(to: api)
    SubscriptionsController(database: database, subscriptions: engine.subscriptions).addRoutes(to: api)
    DashboardController(database: database, clock: clock, billing: engine.billing).addRoutes(to: billing)
    WalletController(database: database, clock: clock, payments: payments, wallet: engine.wallet)
        .addRoutes(to: api, billing: billing)
    BillingRunsController(clock: clock, billing: engine.billing).addRoutes(to: api)
    EventsController(database: database).addRoutes(to: api)
    WebhookEndpointsController(database: database, webhooks: engine.webhooks).addRoutes(to: api)
    InvoicesController(database: database, clock: clock).addRoutes(to: billing)
    PaymentsController(
        database: database, clock: clock, payments: payments, wallet: engine.wallet, autoPay: engine.autoPay
    ).addRoutes(to: api, billing: billing)
    CorrectionsController(database: database, clock: clock, payments: payments, corrections: engine.corrections)
        .addRoutes(to: api)
    DisputesController(database: database, clock: clock, disputes: engine.disputes).addRoutes(to: api)
    CreditBalanceController(database: database).addRoutes(to: billing)
    MessagesController(database: database).addRoutes(to: api)
    DunningPolicyController(dunning: engine.dunning, database: database).addRoutes(to: api)
    if let testClock {
        TestClockController(clock: testClock, timeZone: clock.timeZone).addRoutes(to: api)
    }
    return router
}

/// The gateway a server takes payments through, if any. The sandbox is served by the server itself, so its adapter
/// is pointed at the server's own port once it is bound.
struct PaymentGatewaySetup: Sendable {
    /// `nil` when online payment is off.
    let gateway: (any PaymentGateway)?
    let sandbox: SandboxRazorpay?
    private let deferred: DeferredGateway?
    private let credentials: SandboxCredentials?
    private let logger: Logger

    init(_ settings: GatewaySettings, logger: Logger) {
        self.logger = logger
        switch settings {
        case .disabled:
            self.credentials = nil
            self.deferred = nil
            self.sandbox = nil
            self.gateway = nil
        case .sandbox:
            let credentials = SandboxRazorpay.generatedCredentials()
            let deferred = DeferredGateway(provider: "sandbox")
            self.credentials = credentials
            self.deferred = deferred
            self.gateway = deferred
            self.sandbox = SandboxRazorpay(credentials: credentials, logger: logger)
        case .razorpay(let keyID, let keySecret, let webhookSecret, let baseURL):
            self.credentials = nil
            self.deferred = nil
            self.sandbox = nil
            self.gateway = RazorpayGateway(
                baseURL: baseURL, keyID: keyID, keySecret: keySecret, webhookSecret: webhookSecret, logger: logger)
        }
    }

    func serverIsRunning(host: String, port: Int) async {
        guard let deferred, let sandbox, let credentials else { return }
        let reachable = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        let base = "http://\(reachable.contains(":") ? "[\(reachable)]" : reachable):\(port)"
        deferred.resolve(
            RazorpayGateway(
                baseURL: base + "/sandbox/razorpay/v1", keyID: credentials.keyID, keySecret: credentials.keySecret,
                webhookSecret: credentials.webhookSecret, provider: "sandbox",
                hostedCheckoutURL: "/sandbox/razorpay/checkout", logger: self.logger))
        await sandbox.setWebhookURL(base + "/api/v1/webhooks/razorpay")
    }
}

/// Closes the database once the server has shut down gracefully.
/// Shuts the webhook transport's HTTP client down when the server stops.
struct WebhookTransportCloser: Service {
    let transport: HTTPWebhookTransport

    func run() async throws {
        try? await gracefulShutdown()
        let transport = self.transport
        try await Task { try await transport.shutdown() }.value
    }
}

struct DatabaseCloser: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        // Cancelled rather than shut down gracefully (a test that threw), the close must still finish.
        let database = self.database
        try await Task { try await database.close() }.value
    }
}
