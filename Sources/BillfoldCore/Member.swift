import Foundation

/// What a member may do in the billing portal: owners and admins see and pay invoices, members do not.
public enum MemberRole: String, Sendable, Codable, CaseIterable {
    case owner
    case admin
    case member

    /// Whether this role may see invoices and pay them.
    public var canManageBilling: Bool { self != .member }
}

/// A person who belongs to a workspace.
public struct Member: Hashable, Sendable, Identifiable {
    public typealias ID = MemberID

    public let id: ID
    public var workspaceID: WorkspaceID
    public var email: String
    public var name: String
    public var role: MemberRole
    public let createdAt: Date

    public init(id: ID, workspaceID: WorkspaceID, email: String, name: String, role: MemberRole, createdAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.email = email
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// A member signed in to the billing portal, by password or by a portal link, until it expires or they sign out.
public struct MemberSession: Hashable, Sendable, Identifiable {
    public typealias ID = MemberSessionID

    public let id: ID
    public let memberID: MemberID
    public let workspaceID: WorkspaceID
    public let createdAt: Date
    public let expiresAt: Date
    public var revokedAt: Date?

    public init(
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
    public func isActive(at time: Date) -> Bool { self.revokedAt == nil && time < self.expiresAt }
}
