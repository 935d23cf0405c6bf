import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// The fields of a URL-encoded form, in the order they were sent.
struct PortalForm: Sendable {
    let fields: [(name: String, value: String)]

    init(_ text: String) {
        self.fields = text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? Self.decode(parts[1]) ?? "" : "")
        }
    }

    /// The first value sent as `name`.
    subscript(name: String) -> String? { self.fields.first { $0.name == name }?.value }

    /// Every value sent as `name`.
    func all(_ name: String) -> [String] { self.fields.filter { $0.name == name }.map(\.value) }

    /// The request's form body, read whole (a portal form is small).
    static func read(_ request: Request) async throws -> PortalForm {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        return PortalForm(String(buffer: body))
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// Refuses a portal form posted without the token its page was served with. Requests with an `Authorization`
/// header are exempt: a browser never adds one on its own, so they cannot be forged cross-site.
struct PortalCSRF: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    /// The field every portal form carries its token in.
    static let field = "csrf_token"
    /// The cookie that holds the sign-in form's random value before there is a session.
    static let cookieName = "billfold_form"

    let tokens: FormTokens
    let pages: PortalPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .post, request.headers[.authorization] == nil else {
            return try await next(request, context)
        }
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let sent = PortalForm(String(buffer: body))[Self.field]
        let expected: String?
        if case .member(let session, _) = context.caller {
            expected = try await self.tokens.token(for: session.id)
        } else if let nonce = request.cookies[Self.cookieName]?.value, !nonce.isEmpty {
            expected = try await self.tokens.token(forNonce: nonce)
        } else {
            expected = nil
        }
        guard let expected, FormTokens.matches(sent, expected) else {
            return try await self.pages.csrfError(context: context)
        }
        return try await next(request, context)
    }
}

/// Signs the portal's pages in with the session cookie; without a valid one, the browser goes to sign-in.
struct PortalSession: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let access: MemberAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let token = request.cookies[sessionCookieName]?.value, !token.isEmpty else {
            return CheckoutController.redirect(to: PortalController.signInPath)
        }
        var context = context
        do {
            let (session, member) = try await self.access.authenticate(sessionToken: token)
            context.caller = .member(session, member)
        } catch is SignInError {
            return CheckoutController.redirect(to: PortalController.signInPath)
        }
        return try await next(request, context)
    }
}

/// Shows members whose role does not include billing a page that says whom to ask, instead of the billing pages.
struct PortalBillingAccess: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let pages: PortalPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if case .member(_, let member) = context.caller, !member.role.canManageBilling {
            return try await self.pages.noBillingAccess(context: context)
        }
        return try await next(request, context)
    }
}

/// Turns what the API would answer as a JSON error into a page people can read, with the same status.
struct PortalErrorPages: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let pages: PortalPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIErrorMiddleware<Context>.apiError(for: error)
            guard apiError.status.code < 500 else { throw error }
            return try await self.pages.error(apiError, context: context)
        }
    }
}
