import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// Signs the portal's pages in with the session cookie; without a valid one, the browser goes to sign-in.
struct PortalSession: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let access: MemberAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let token = request.cookies[SessionCookie.name]?.value, !token.isEmpty else {
            return Redirect.to(PortalController.signInPath)
        }
        var context = context
        do {
            let (session, member) = try await self.access.authenticate(sessionToken: token)
            context.caller = .member(session, member)
        } catch is SignInError {
            return Redirect.to(PortalController.signInPath)
        }
        return try await next(request, context)
    }
}
