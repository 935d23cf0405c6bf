import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

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
