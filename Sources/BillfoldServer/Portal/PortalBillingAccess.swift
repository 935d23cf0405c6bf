import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

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
