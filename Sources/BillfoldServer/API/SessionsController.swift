import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// Member sign-in: `POST /api/v1/sessions` (email and password, or a portal token), the current session, sign-out,
/// and `GET /portal/enter`, where a portal link lands.
struct SessionsController {
    let access: MemberAccess
    /// The address people reach Billfold at, when it differs from the Host they send (behind a proxy).
    let publicURL: String?

    /// The routes that need no credentials: sign-in itself.
    func addPublicRoutes(to api: RouterGroup<BillfoldRequestContext>, portal: RouterGroup<BillfoldRequestContext>) {
        api.post("sessions", use: self.signIn)
        portal.get("enter", use: self.enter)
    }

    /// The routes of a signed-in member.
    func addMemberRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.get("sessions/current", use: self.current)
        group.delete("sessions/current", use: self.signOut)
    }

    struct SignInBody: Decodable {
        var email: String?
        var password: String?
        var workspaceId: String?
        var portalToken: String?
    }

    struct SessionResponse: Encodable {
        let object = "member_session"
        let id: String
        let token: String?
        let expiresAt: String
        let member: MemberResponse

        init(_ session: MemberSession, member: Member, token: String?) {
            self.id = session.id.rawValue
            self.token = token
            self.expiresAt = Timestamp.string(session.expiresAt)
            self.member = MemberResponse(member)
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, token, expiresAt, member
        }
    }

    @Sendable func signIn(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(SignInBody.self, from: request, context: context)
        let signedIn: SignedIn
        if let token = body.portalToken {
            signedIn = try await self.access.redeemPortalLink(try Validate.text(token, param: "portal_token"))
        } else {
            let email = try Validate.text(body.email, param: "email", maximumLength: 254)
            let password = try Validate.password(body.password, length: 1...1024)
            let workspace = try body.workspaceId.map {
                try Validate.identifier($0, as: WorkspaceID.self, param: "workspace_id")
            }
            signedIn = try await self.access.signIn(
                email: email, password: password, workspace: workspace, from: context.clientAddress)
        }
        var response = try JSONCoding.response(
            SessionResponse(signedIn.session, member: signedIn.member, token: signedIn.token), status: .created)
        response.headers[.setCookie] = SessionCookie.value(for: signedIn, request: request, publicURL: self.publicURL)
        return response
    }

    /// Where a portal link lands: signs the member in with a cookie and sends them on to the portal.
    @Sendable func enter(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let token = try Validate.text(request.uri.queryParameters.get("token"), param: "token")
        let next = try request.uri.queryParameters.get("next").map { path in
            guard let normalized = PortalPath.normalized(path) else {
                throw APIError.invalid(
                    "next",
                    "next must be a path under /portal/ of at most \(PortalPath.maximumLength) letters, digits, "
                        + "-, _, . and /, such as /portal/invoices/inv_…/print; it may not climb out of /portal/")
            }
            return normalized
        }
        let signedIn = try await self.access.redeemPortalLink(token)
        var response = Response(status: .seeOther, headers: [.location: next ?? "/portal"])
        response.headers[.setCookie] = SessionCookie.value(for: signedIn, request: request, publicURL: self.publicURL)
        return response
    }

    @Sendable func current(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let (session, member) = try Self.memberSession(context)
        return try JSONCoding.response(SessionResponse(session, member: member, token: nil))
    }

    @Sendable func signOut(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let (session, _) = try Self.memberSession(context)
        try await self.access.signOut(session.id)
        var response = Response(status: .noContent)
        response.headers[.setCookie] = SessionCookie.expired
        return response
    }

    static func memberSession(_ context: BillfoldRequestContext) throws -> (MemberSession, Member) {
        guard case .member(let session, let member) = context.caller else {
            throw APIError(
                .forbidden, .permission, code: "member_session_required",
                message: "an operator API key has no session; sign in as a member with POST /api/v1/sessions")
        }
        return (session, member)
    }
}

/// A member as the API shows it.
struct MemberResponse: Encodable {
    let object = "member"
    let id: String
    let workspaceId: String
    let email: String
    let name: String
    let role: String
    let createdAt: String

    init(_ member: Member) {
        self.id = member.id.rawValue
        self.workspaceId = member.workspaceID.rawValue
        self.email = member.email
        self.name = member.name
        self.role = member.role.rawValue
        self.createdAt = Timestamp.string(member.createdAt)
    }

    private enum CodingKeys: String, CodingKey {
        case object, id, workspaceId, email, name, role, createdAt
    }
}
