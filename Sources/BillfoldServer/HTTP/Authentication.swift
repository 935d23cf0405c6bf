import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Hummingbird

/// Lets a request through with `Authorization: Bearer <operator api key>`, `Bearer <member session token>`, or the
/// member session cookie, and records who called.
struct Authenticator: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let apiKeys: any APIKeyRepository
    let access: MemberAccess
    /// Says when a key with an expiry has stopped working.
    let clock: BillingClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        context.caller = try await self.caller(of: request)
        return try await next(request, context)
    }

    private func caller(of request: Request) async throws -> Caller {
        guard let header = request.headers[.authorization] else {
            if let cookie = request.cookies[SessionCookie.name]?.value, !cookie.isEmpty {
                return try await self.member(token: cookie)
            }
            throw APIError(
                .unauthorized, .authentication, code: "missing_api_key",
                message: "send an operator API key or a member session token as Authorization: Bearer <key>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError(
                .unauthorized, .authentication, code: "malformed_authorization",
                message: "the Authorization header must read: Bearer <key>")
        }
        let secret = String(parts[1])
        if secret.hasPrefix("bfs_") { return try await self.member(token: secret) }
        guard let key = try await self.apiKeys.authenticate(secret: secret) else {
            throw APIError(
                .unauthorized, .authentication, code: "invalid_api_key",
                message: "the API key is unknown or revoked; create one with `billfold api-keys create`")
        }
        if let expiresAt = key.expiresAt, key.isExpired(at: self.clock.now) {
            throw APIError(
                .unauthorized, .authentication, code: "api_key_expired",
                message:
                    "the API key \(key.id) expired at \(Timestamp.string(expiresAt)); create another with "
                    + "`billfold api-keys create`")
        }
        return .operator(key)
    }

    private func member(token: String) async throws -> Caller {
        let (session, member) = try await self.access.authenticate(sessionToken: token)
        return .member(session, member)
    }
}

/// Lets only operator keys through: everything that is not a workspace's own billing.
struct OperatorOnly: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard case .operator = context.caller else {
            throw APIError(
                .forbidden, .permission, code: "operator_key_required",
                message: "this route needs an operator API key; a member session reaches only its workspace's billing")
        }
        return try await next(request, context)
    }
}

/// Lets operators through, and members whose role may see and pay invoices (owners and admins).
struct BillingAccess: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if case .member(_, let member) = context.caller, !member.role.canManageBilling {
            throw APIError(
                .forbidden, .permission, code: "billing_role_required",
                message: "only a workspace's owners and admins see its invoices and pay them; ask an owner for access")
        }
        return try await next(request, context)
    }
}
