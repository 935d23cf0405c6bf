import Foundation

/// An operator credential: it sees every workspace.
package struct APIKey: Hashable, Sendable, Identifiable {
    package typealias ID = APIKeyID

    package let id: ID
    package var name: String
    /// The first characters of the secret, to tell keys apart in a list.
    package var prefix: String
    package let createdAt: Date
    package var revokedAt: Date?
    /// When the key stops working; `nil`: never.
    package var expiresAt: Date?

    package init(id: ID, name: String, prefix: String, createdAt: Date, revokedAt: Date?, expiresAt: Date?) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
    }

    package var isRevoked: Bool { self.revokedAt != nil }

    /// Whether the key no longer works at `time` because its time is up.
    package func isExpired(at time: Date) -> Bool {
        self.expiresAt.map { time >= $0 } ?? false
    }
}
