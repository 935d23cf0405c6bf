import BillfoldCore
import Crypto
import Foundation
import SQLKit

/// Member sessions, stored only as SHA-256 hashes of their tokens.
package protocol MemberSessionRepository: Sendable {
    /// Stores a new session under the hash of its token.
    func create(_ session: MemberSession, tokenHash: String) async throws
    /// The session whose token hashes to `tokenHash`, with its member, whether or not it is still active.
    func find(tokenHash: String) async throws -> (session: MemberSession, member: Member)?
    /// Ends a session; a session already ended keeps its first end.
    func revoke(_ id: MemberSessionID, at time: Date) async throws
}

/// Sign-in attempts by subject (`account:…`, `address:…`), for rate limits.
package protocol SignInAttemptRepository: Sendable {
    /// Records one attempt by `subject`, and forgets its attempts older than `retention`.
    func record(_ subject: String, at time: Date, retention: TimeInterval) async throws
    /// How many attempts `subject` made since `time`, and when the oldest of them was.
    func attempts(by subject: String, since time: Date) async throws -> (count: Int, oldest: Date?)
    /// Forgets every attempt by `subject` (after a successful sign-in).
    func clear(_ subject: String) async throws
}

/// The nonces of portal links already used.
package protocol PortalLinkRepository: Sendable {
    /// Records that the link with `nonce` was used; `false` when it was used before.
    func redeem(nonce: String, member: MemberID, at time: Date) async throws -> Bool
}

/// Secrets the server makes for itself and shares between its processes through the database.
package protocol ServerSecretRepository: Sendable {
    /// The secret called `name`, stored from `make()` the first time any process asks for it.
    func secret(named name: String, at time: Date, make: @Sendable () -> String) async throws -> String
}

/// A new secret: `prefix`, an underscore and 40 base-32 characters (200 random bits).
package func makeSecretToken(prefix: String) -> String {
    let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
    var generator = SystemRandomNumberGenerator()
    return prefix + "_" + String((0..<40).map { _ in alphabet[Int(generator.next() % 32)] })
}

/// The hex SHA-256 of a secret, as secrets are stored.
package func storedHash(of secret: String) -> String { hexSHA256(Data(secret.utf8)) }

/// The SHA-256 of `data` in lower-case hex.
func hexSHA256(_ data: Data) -> String {
    // Every call with a key or a session token hashes it: `String(format:)` per byte was most of the cost.
    let digest = SHA256.hash(data: data)
    let digits = Array("0123456789abcdef".utf8)
    return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { text in
        for (index, byte) in digest.enumerated() {
            text[index * 2] = digits[Int(byte >> 4)]
            text[index * 2 + 1] = digits[Int(byte & 0x0F)]
        }
        return SHA256.byteCount * 2
    }
}

struct SQLMemberSessionRepository: MemberSessionRepository {
    let sql: any SQLDatabase

    func create(_ session: MemberSession, tokenHash: String) async throws {
        try await self.sql.raw(
            """
            INSERT INTO member_sessions (id, token_hash, member_id, workspace_id, created_at, expires_at)
            VALUES (\(bind: session.id.rawValue), \(bind: tokenHash), \(bind: session.memberID.rawValue),
                \(bind: session.workspaceID.rawValue), \(bind: session.createdAt.storedMilliseconds),
                \(bind: session.expiresAt.storedMilliseconds))
            """
        ).run()
    }

    func find(tokenHash: String) async throws -> (session: MemberSession, member: Member)? {
        guard
            let row = try await self.sql.raw(
                """
                SELECT s.id AS session_id, s.created_at AS session_created_at, s.expires_at, s.revoked_at, m.*
                FROM member_sessions s JOIN members m ON m.id = s.member_id
                WHERE s.token_hash = \(bind: tokenHash)
                """
            ).first()
        else { return nil }
        let member = try SQLMemberRepository.member(from: row)
        let session = MemberSession(
            id: MemberSessionID(rawValue: try row.string("session_id")), memberID: member.id,
            workspaceID: member.workspaceID, createdAt: try row.date("session_created_at"),
            expiresAt: try row.date("expires_at"), revokedAt: try row.optionalDate("revoked_at"))
        return (session, member)
    }

    func revoke(_ id: MemberSessionID, at time: Date) async throws {
        try await self.sql.raw(
            """
            UPDATE member_sessions SET revoked_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: id.rawValue) AND revoked_at IS NULL
            """
        ).run()
    }
}

struct SQLSignInAttemptRepository: SignInAttemptRepository {
    let sql: any SQLDatabase

    func record(_ subject: String, at time: Date, retention: TimeInterval) async throws {
        try await self.sql.raw(
            """
            DELETE FROM sign_in_attempts WHERE subject = \(bind: subject)
                AND attempted_at < \(bind: time.addingTimeInterval(-retention).storedMilliseconds)
            """
        ).run()
        try await self.sql.raw(
            """
            INSERT INTO sign_in_attempts (subject, attempted_at)
            VALUES (\(bind: subject), \(bind: time.storedMilliseconds))
            """
        ).run()
    }

    func attempts(by subject: String, since time: Date) async throws -> (count: Int, oldest: Date?) {
        let row = try await self.sql.raw(
            """
            SELECT COUNT(*) AS attempts, MIN(attempted_at) AS oldest FROM sign_in_attempts
            WHERE subject = \(bind: subject) AND attempted_at >= \(bind: time.storedMilliseconds)
            """
        ).first()
        guard let row else { return (0, nil) }
        return (try row.int("attempts"), try row.optionalDate("oldest"))
    }

    func clear(_ subject: String) async throws {
        try await self.sql.raw("DELETE FROM sign_in_attempts WHERE subject = \(bind: subject)").run()
    }
}

struct SQLPortalLinkRepository: PortalLinkRepository {
    let sql: any SQLDatabase

    func redeem(nonce: String, member: MemberID, at time: Date) async throws -> Bool {
        let inserted = try await self.sql.raw(
            """
            INSERT INTO portal_link_redemptions (nonce, member_id, redeemed_at)
            VALUES (\(bind: nonce), \(bind: member.rawValue), \(bind: time.storedMilliseconds))
            ON CONFLICT (nonce) DO NOTHING
            RETURNING nonce
            """
        ).first()
        return inserted != nil
    }
}

struct SQLServerSecretRepository: ServerSecretRepository {
    let sql: any SQLDatabase

    func secret(named name: String, at time: Date, make: @Sendable () -> String) async throws -> String {
        if let stored = try await self.find(name) { return stored }
        // Several processes may start at once: the first insert wins and every process reads that one.
        try await self.sql.raw(
            """
            INSERT INTO server_secrets (name, secret, created_at)
            VALUES (\(bind: name), \(bind: make()), \(bind: time.storedMilliseconds))
            ON CONFLICT (name) DO NOTHING
            """
        ).run()
        guard let stored = try await self.find(name) else {
            throw StoreError.corrupt("the server secret \(name) was neither stored nor found")
        }
        return stored
    }

    private func find(_ name: String) async throws -> String? {
        try await self.sql.raw("SELECT secret FROM server_secrets WHERE name = \(bind: name)").first()
            .map { try $0.string("secret") }
    }
}
