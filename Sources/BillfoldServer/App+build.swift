import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Opens the database, runs migrations, and builds the HTTP application around it.
///
/// `onServerRunning` is called with the port once the server listens (useful with port 0).
public func buildApplication(
    _ configuration: ServerConfiguration, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "billfold")
    logger.logLevel = configuration.logLevel
    let database = try await Database.open(configuration.database, logger: logger)
    do {
        try await Migrations.run(on: database, now: configuration.clock.now)
        if let secret = configuration.bootstrapAPIKey, !secret.isEmpty {
            _ = try await database.store.apiKeys.ensure(secret: secret, name: "bootstrap", at: configuration.clock.now)
        }
    } catch {
        try? await database.close()
        throw error
    }
    let router = buildRouter(
        database: database, clock: configuration.clock, signInPolicy: configuration.signInPolicy,
        publicURL: configuration.publicURL)
    var services: [any Service] = [DatabaseCloser(database: database)]
    if let interval = configuration.billingInterval {
        let run = BillingRun(invoices: InvoiceService(database: database, clock: configuration.clock))
        services.append(BillingScheduler(run: run, interval: interval, logger: logger))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "billfold"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Builds the application and serves until SIGTERM or SIGINT, then shuts down gracefully.
public func runServer(
    _ configuration: ServerConfiguration, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws {
    let app = try await buildApplication(configuration, onServerRunning: onServerRunning)
    try await app.runService()
}

/// The routes: `/health`, `/openapi.json` and sign-in in the open; the rest of `/api/v1` behind an operator API
/// key, except a workspace's own billing, which its owners and admins reach with a member session too.
public func buildRouter(
    database: Database, clock: BillingClock, signInPolicy: SignInPolicy = SignInPolicy(), publicURL: String? = nil
) -> Router<BillfoldRequestContext> {
    let router = Router(context: BillfoldRequestContext.self)
    router.add(middleware: APIErrorMiddleware())
    HealthController(database: database).addRoutes(to: router)
    OpenAPIController().addRoutes(to: router)
    let access = MemberAccess(database: database, clock: clock, policy: signInPolicy)
    let authenticator = Authenticator(apiKeys: database.store.apiKeys, access: access)
    let sessions = SessionsController(access: access, publicURL: publicURL)
    let printView = PrintViewController(database: database, clock: clock)
    sessions.addPublicRoutes(to: router.group("api/v1"), portal: router.group("portal"))
    printView.addPublicRoutes(to: router.group("portal"))
    printView.addRoutes(to: router.group("portal").add(middleware: authenticator).add(middleware: BillingAccess()))
    let signedIn = router.group("api/v1").add(middleware: authenticator)
    // Downloads change nothing and answer with bytes, which the idempotency store (text) does not keep.
    DocumentsController(database: database, documents: DocumentService(database: database, clock: clock), clock: clock)
        .addRoutes(to: signedIn.group().add(middleware: BillingAccess()))
    let authenticated = signedIn.group()
        .add(middleware: IdempotencyMiddleware(repository: database.store.idempotency, clock: clock))
    sessions.addMemberRoutes(to: authenticated)
    let billing = authenticated.group().add(middleware: BillingAccess())
    let api = authenticated.group().add(middleware: OperatorOnly())
    SupplierController(database: database).addRoutes(to: api)
    WorkspacesController(database: database, clock: clock).addRoutes(to: api, billing: billing)
    MembersController(database: database, access: access, publicURL: publicURL).addRoutes(to: api)
    PlansController(database: database, clock: clock).addRoutes(to: api)
    MetersController(database: database, clock: clock).addRoutes(to: api)
    UsageController(database: database, clock: clock).addRoutes(to: api)
    SubscriptionsController(database: database, clock: clock).addRoutes(to: api)
    DashboardController(database: database, clock: clock).addRoutes(to: billing)
    WalletController(database: database, clock: clock).addRoutes(to: api, billing: billing)
    BillingRunsController(database: database, clock: clock).addRoutes(to: api)
    InvoicesController(database: database, clock: clock).addRoutes(to: billing)
    return router
}

/// Closes the database once the server has shut down gracefully.
struct DatabaseCloser: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        try await self.database.close()
    }
}
