import BillfoldStore
import Hummingbird

/// Lets a request through only with `Authorization: Bearer <operator api key>`.
struct APIKeyAuthenticator: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let apiKeys: any APIKeyRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization] else {
            throw APIError(
                .unauthorized, .authentication, code: "missing_api_key",
                message: "send an operator API key as Authorization: Bearer <key>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError(
                .unauthorized, .authentication, code: "malformed_authorization",
                message: "the Authorization header must read: Bearer <key>")
        }
        guard let key = try await self.apiKeys.authenticate(secret: String(parts[1])) else {
            throw APIError(
                .unauthorized, .authentication, code: "invalid_api_key",
                message: "the API key is unknown or revoked; create one with `billfold api-keys create`")
        }
        var context = context
        context.apiKey = key
        return try await next(request, context)
    }
}
