import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// Signs the portal's pages in with the session cookie; without a valid one, the browser goes to sign-in, which
/// brings it back to the page it asked for.
struct PortalSession: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let access: MemberAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let token = request.cookies[SessionCookie.name]?.value, !token.isEmpty else {
            return Self.toSignIn(from: request)
        }
        var context = context
        do {
            let (session, member) = try await self.access.authenticate(sessionToken: token)
            context.caller = .member(session, member)
        } catch is SignInError {
            return Self.toSignIn(from: request)
        }
        return try await next(request, context)
    }

    /// To sign-in, and after it back to the page asked for: a link in a mail to an invoice leads to that invoice.
    static func toSignIn(from request: Request) -> Response {
        guard request.method == .get, let path = PortalPath.normalized(request.uri.path), path != "/portal/" else {
            return Redirect.to(PortalController.signInPath)
        }
        return Redirect.to(PortalController.signInPath + "?" + Redirect.query(["next": path]))
    }
}
