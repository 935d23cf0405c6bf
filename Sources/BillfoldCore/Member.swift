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
