import Foundation

/// What a member may do in the billing portal: owners and admins see and pay invoices, members do not.
package enum MemberRole: String, Sendable, Codable, CaseIterable {
    case owner
    case admin
    case member

    /// Whether this role may see invoices and pay them.
    package var canManageBilling: Bool { self != .member }
}

/// A person who belongs to a workspace.
package struct Member: Hashable, Sendable, Identifiable {
    package typealias ID = MemberID

    package let id: ID
    package var workspaceID: WorkspaceID
    package var email: String
    package var name: String
    package var role: MemberRole
    package let createdAt: Date

    package init(id: ID, workspaceID: WorkspaceID, email: String, name: String, role: MemberRole, createdAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.email = email
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// A member signed in to the billing portal, by password or by a portal link, until it expires or they sign out.
package struct MemberSession: Hashable, Sendable, Identifiable {
    package typealias ID = MemberSessionID

    package let id: ID
    package let memberID: MemberID
    package let workspaceID: WorkspaceID
    package let createdAt: Date
    package let expiresAt: Date
    package var revokedAt: Date?

    package init(
        id: ID, memberID: MemberID, workspaceID: WorkspaceID, createdAt: Date, expiresAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.memberID = memberID
        self.workspaceID = workspaceID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Whether the session still signs its member in at `time`.
    package func isActive(at time: Date) -> Bool { self.revokedAt == nil && time < self.expiresAt }
}
