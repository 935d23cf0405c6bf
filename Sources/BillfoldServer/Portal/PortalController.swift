import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// The billing portal's pages under `/portal`: sign-in and sign-out, dashboard, billing history, invoice detail,
/// disputes, wallet and billing profile, for a workspace's owners and admins.
struct PortalController: Sendable {
    let database: Database
    let clock: BillingClock
    let access: MemberAccess
    let payments: PaymentService
    let wallet: WalletService
    let billing: BillingRun
    let documents: DocumentService
    let workspaces: WorkspaceService
    let disputes: DisputeService
    /// The address people reach Billfold at, when it differs from the Host they send (behind a proxy).
    let publicURL: String?
    let tokens: FormTokens
    let pages: PortalPages

    static let signInPath = "/portal/sign-in"
    /// Rows on one page of the billing history.
    static let pageSize = 10

    init(database: Database, engine: Engine, templates: PageTemplates, publicURL: String?) {
        self.database = database
        self.clock = engine.clock
        self.access = engine.access
        self.payments = engine.payments
        self.wallet = engine.wallet
        self.billing = engine.billing
        self.documents = engine.documents
        self.workspaces = engine.workspaces
        self.disputes = engine.disputes
        self.publicURL = publicURL
        self.tokens = FormTokens(database: database, clock: engine.clock)
        self.pages = PortalPages(
            database: database, tokens: self.tokens, templates: templates, dunning: engine.dunning)
    }

    /// The check every portal form passes, for routes mounted elsewhere (Pay Now).
    var csrf: PortalCSRF { PortalCSRF(tokens: self.tokens, pages: self.pages) }

    func addRoutes(to router: Router<BillfoldRequestContext>) {
        let portal = router.group("portal")
        portal.get("assets/portal.js", use: self.script)
        let open = portal.group().add(middleware: PortalErrorPages(pages: self.pages)).add(middleware: self.csrf)
        open.get("sign-in", use: self.signInPage)
        open.post("sign-in", use: self.signIn)
        let signedIn = portal.group().add(middleware: PortalSession(access: self.access))
            .add(middleware: PortalErrorPages(pages: self.pages)).add(middleware: self.csrf)
        signedIn.post("sign-out", use: self.signOut)
        let billing = signedIn.group().add(middleware: PortalBillingAccess(pages: self.pages))
        billing.get("", use: self.dashboard)
        billing.get("invoices", use: self.invoices)
        billing.post("invoices/download", use: self.download)
        billing.post("invoices/refresh", use: self.refresh)
        billing.get("invoices/:id", use: self.invoice)
        billing.post("invoices/:id/pay_from_wallet", use: self.payFromWallet)
        billing.get("statement.pdf", use: self.statement)
        billing.get("wallet", use: self.wallet)
        billing.post("wallet/top_ups", use: self.topUp)
        billing.get("profile", use: self.profile)
        billing.post("profile", use: self.saveProfile)
        // The same chain, its form check reading bodies large enough for a dispute's files.
        let uploads = portal.group().add(middleware: PortalSession(access: self.access))
            .add(middleware: PortalErrorPages(pages: self.pages))
            .add(
                middleware: PortalCSRF(
                    tokens: self.tokens, pages: self.pages, maximumBodySize: MultipartForm.maximumBodySize)
            )
            .add(middleware: PortalBillingAccess(pages: self.pages))
        self.addDisputeRoutes(billing: billing, uploads: uploads)
    }

    @Sendable func script(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        guard let script = BundledResources.portalScript else { throw HTTPError(.notFound) }
        return Response(
            status: .ok,
            headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: script))
    }

    // MARK: Signing in and out

    struct SignInView: PageView {
        static let template = "portal-sign-in"

        let layout: PortalPages.Layout
        let csrfToken: String
        let email: String
        /// Whether the email is filled in already, so the password field takes the focus.
        let hasEmail: Bool
        let error: String?
        /// Where to go once signed in, a path under `/portal/`.
        let next: String?
    }

    @Sendable func signInPage(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let existing = request.cookies[PortalCSRF.cookieName]?.value
        let nonce = existing.flatMap { $0.isEmpty ? nil : $0 } ?? FormTokens.makeNonce()
        let next = request.uri.queryParameters.get("next").flatMap { PortalPath.normalized(String($0)) }
        var response = try await self.signInForm(
            nonce: nonce, email: "", error: nil, next: next, status: .ok, context: context)
        if existing != nonce {
            var cookie = "\(PortalCSRF.cookieName)=\(nonce); Path=/portal; HttpOnly; SameSite=Lax"
            if SessionCookie.isSecure(request, publicURL: self.publicURL) { cookie += "; Secure" }
            response.headers[.setCookie] = cookie
        }
        return response
    }

    private func signInForm(
        nonce: String, email: String, error: String?, next: String?, status: HTTPResponse.Status,
        context: BillfoldRequestContext
    ) async throws -> Response {
        let layout = try await self.pages.layout("Sign in", section: nil, context: context)
        let view = SignInView(
            layout: layout, csrfToken: try await self.tokens.token(forNonce: nonce), email: email,
            hasEmail: !email.isEmpty, error: error, next: next)
        return try self.pages.render(view, status: status)
    }

    @Sendable func signIn(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let form = try await PortalForm.read(request)
        // The CSRF check has passed, so the cookie is there.
        let nonce = request.cookies[PortalCSRF.cookieName]?.value ?? FormTokens.makeNonce()
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let password = form["password"] ?? ""
        let next = form["next"].flatMap(PortalPath.normalized)
        guard !email.isEmpty, !password.isEmpty, email.utf8.count <= 254, password.utf8.count <= 1024 else {
            return try await self.signInForm(
                nonce: nonce, email: String(email.prefix(254)),
                error: "Enter the email and the password of your account.", next: next,
                status: .unprocessableContent, context: context)
        }
        let signedIn: SignedIn
        do {
            signedIn = try await self.access.signIn(
                email: email, password: password, workspace: nil, from: context.clientAddress)
        } catch let error as SignInError {
            let (message, status): (String, HTTPResponse.Status) =
                switch error.code {
                case .throttled:
                    (error.message.prefix(1).uppercased() + error.message.dropFirst() + ".", .tooManyRequests)
                case .workspaceRequired:
                    (
                        "This email belongs to several workspaces; open the portal link your operator sent for the one you want.",
                        .conflict
                    )
                default: ("The email or the password is wrong. Check both and try again.", .unauthorized)
                }
            var response = try await self.signInForm(
                nonce: nonce, email: email, error: message, next: next, status: status, context: context)
            if let wait = error.retryAfter { response.headers[.retryAfter] = String(wait) }
            return response
        }
        var response = Redirect.to(next ?? "/portal")
        response.headers[.setCookie] = SessionCookie.value(
            for: signedIn, request: request, publicURL: self.publicURL)
        return response
    }

    @Sendable func signOut(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let (session, _) = try SessionsController.memberSession(context)
        try await self.access.signOut(session.id)
        var response = Redirect.to(Self.signInPath)
        response.headers[.setCookie] = SessionCookie.expired
        return response
    }

    // MARK: Helpers

    /// How `workspace` can pay: Pay Now when a gateway takes payments, its wallet, a bank transfer to the supplier.
    func paymentOptions(for workspace: Workspace) async throws -> PaymentOptions {
        let store = self.database.store
        let supplier = try await store.supplier.find()
        return PaymentOptions(
            takesOnlinePayments: self.payments.takesOnlinePayments,
            walletBalance: try await store.wallet.balance(of: workspace.id, in: workspace.currency),
            isPrepaid: workspace.billingMode == .prepaid, supplierName: supplier?.legalName,
            supplierEmail: supplier?.email)
    }

    /// The signed-in member's workspace.
    func workspace(_ context: BillfoldRequestContext) async throws -> Workspace {
        let (_, member) = try SessionsController.memberSession(context)
        guard let workspace = try await self.database.store.workspaces.find(member.workspaceID) else {
            throw APIError.notFound("workspace", id: member.workspaceID.rawValue)
        }
        return workspace
    }
}

extension BundledResources {
    /// The portal's progressive enhancement, `Public/portal.js`.
    static let portalScript: ByteBuffer? = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("Public/portal.js")) else { return nil }
        return ByteBuffer(bytes: data)
    }()
}
