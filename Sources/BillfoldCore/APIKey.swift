import Foundation

/// An operator credential: it sees every workspace.
public struct APIKey: Hashable, Sendable, Identifiable {
    public typealias ID = APIKeyID

    public let id: ID
    public var name: String
    /// The first characters of the secret, to tell keys apart in a list.
    public var prefix: String
    public let createdAt: Date
    public var revokedAt: Date?
    /// When the key stops working; `nil`: never.
    public var expiresAt: Date?

    public init(id: ID, name: String, prefix: String, createdAt: Date, revokedAt: Date?, expiresAt: Date?) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
    }

    public var isRevoked: Bool { self.revokedAt != nil }

    /// Whether the key no longer works at `time` because its time is up.
    public func isExpired(at time: Date) -> Bool {
        self.expiresAt.map { time >= $0 } ?? false
    }
}
