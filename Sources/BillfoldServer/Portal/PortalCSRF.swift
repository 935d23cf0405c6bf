import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

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
