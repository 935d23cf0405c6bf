import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/workspaces/{id}/members` and `/portal_sessions`: the operator adds a workspace's people and signs them
/// in to the portal from the platform's own product with a short-lived link.
struct MembersController {
    let database: Database
    let access: MemberAccess
    let publicURL: String?

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("workspaces/:id/members", use: self.create)
        group.get("workspaces/:id/members", use: self.list)
        group.post("workspaces/:id/portal_sessions", use: self.createPortalSession)
    }

    struct CreateBody: Decodable {
        var email: String?
        var name: String?
        var role: String?
        var password: String?
    }

    struct PortalSessionBody: Decodable {
        var email: String?
        var memberId: String?
        var expiresIn: Int?
    }

    struct PortalSessionResponse: Encodable {
        let object = "portal_session"
        let url: String
        let token: String
        let expiresAt: String
        let memberId: String
        let workspaceId: String

        private enum CodingKeys: String, CodingKey {
            case object, url, token, expiresAt, memberId, workspaceId
        }
    }

    @Sendable func create(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let body = try await JSONCoding.decode(CreateBody.self, from: request, context: context)
        let email = try Validate.email(body.email, param: "email")
        let name = try Validate.text(body.name, param: "name")
        guard let roleName = body.role else { throw APIError.missing("role") }
        let role: MemberRole = try Validate.enumeration(roleName, param: "role")
        let password = try body.password.map { try Validate.password($0, length: 8...128) }
        let member = try await self.access.addMember(
            to: workspace.id, email: email, name: name, role: role, password: password, actor: context.actor)
        return try JSONCoding.response(MemberResponse(member), status: .created)
    }

    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let members = try await self.database.store.members.list(in: workspace.id)
        return try JSONCoding.response(ListResponse(data: members.map(MemberResponse.init), hasMore: false))
    }

    /// A link that signs one member in to the portal, once, within `expires_in` seconds (default 300).
    @Sendable func createPortalSession(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let body = try await JSONCoding.decode(PortalSessionBody.self, from: request, context: context)
        let lifetime = body.expiresIn ?? 300
        guard (60...3600).contains(lifetime) else {
            throw APIError.invalid("expires_in", "expires_in must be from 60 to 3600 seconds")
        }
        let members = self.database.store.members
        let member: Member
        if let raw = body.memberId {
            let id = try Validate.identifier(raw, as: MemberID.self, param: "member_id")
            guard let found = try await members.find(id), found.workspaceID == workspace.id else {
                throw APIError.notFound("member of \(workspace.id)", id: raw, param: "member_id")
            }
            member = found
        } else if let raw = body.email {
            let email = try Validate.email(raw, param: "email").lowercased()
            let memberships = try await members.find(email: email).map(\.member)
            guard let found = memberships.first(where: { $0.workspaceID == workspace.id }) else {
                throw APIError(
                    .notFound, .notFound, code: "resource_missing",
                    message: "\(email) is not a member of \(workspace.id)", param: "email")
            }
            member = found
        } else {
            throw APIError.invalid("member_id", "send member_id or email to say who the link signs in")
        }
        let link = try await self.access.issuePortalLink(for: member, lifetime: TimeInterval(lifetime))
        let base = self.publicURL ?? "http://" + (request.head.authority ?? "127.0.0.1")
        let url = base.trimmingSuffix("/") + "/portal/enter?token=" + link.token
        return try JSONCoding.response(
            PortalSessionResponse(
                url: url, token: link.token, expiresAt: Timestamp.string(link.expiresAt),
                memberId: member.id.rawValue, workspaceId: workspace.id.rawValue), status: .created)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self
    }
}
