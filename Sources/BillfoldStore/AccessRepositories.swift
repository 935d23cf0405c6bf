import BillfoldCore
import Foundation
import SQLKit

/// The people of each workspace and their sign-in secrets.
package protocol MemberRepository: Sendable {
    /// Adds a member; `passwordHash` is a bcrypt hash, or `nil` for link-only sign-in.
    func create(_ member: Member, passwordHash: String?) async throws
    /// The members of `workspace`, oldest first.
    func list(in workspace: WorkspaceID) async throws -> [Member]
    /// Every membership held by `email`, with its password hash.
    func find(email: String) async throws -> [(member: Member, passwordHash: String?)]
    /// The member with this id, or `nil`.
    func find(_ id: MemberID) async throws -> Member?
}

/// Operator API keys, stored only as SHA-256 hashes of their secrets.
package protocol APIKeyRepository: Sendable {
    /// Creates a key with a new random secret and returns both; the secret is never stored. A key with
    /// `expiresAt` stops working then, which must be after `time`.
    func create(name: String, expiresAt: Date?, at time: Date) async throws -> (key: APIKey, secret: String)
    /// Stores a key whose secret the operator chose (the bootstrap key); nothing happens if it exists.
    func ensure(secret: String, name: String, at time: Date) async throws -> APIKey
    /// The unrevoked key whose secret this is, expired or not (`isExpired(at:)` says), or `nil`.
    func authenticate(secret: String) async throws -> APIKey?
    /// Every key, newest first.
    func list() async throws -> [APIKey]
    /// Revokes a key; returns `false` when there is no such key.
    func revoke(_ id: APIKeyID, at time: Date) async throws -> Bool
}

extension APIKeyRepository {
    /// Creates a key that never expires.
    package func create(name: String, at time: Date) async throws -> (key: APIKey, secret: String) {
        try await self.create(name: name, expiresAt: nil, at: time)
    }
}

struct SQLMemberRepository: MemberRepository {
    let sql: any SQLDatabase

    func create(_ member: Member, passwordHash: String?) async throws {
        do {
            try await self.sql.raw(
                """
                INSERT INTO members (id, workspace_id, email, name, role, password_hash, created_at)
                VALUES (\(bind: member.id.rawValue), \(bind: member.workspaceID.rawValue),
                    \(bind: member.email.lowercased()), \(bind: member.name), \(bind: member.role.rawValue),
                    \(bind: passwordHash), \(bind: member.createdAt.storedMilliseconds))
                """
            ).run()
        } catch  where error.isUniqueViolation {
            throw StoreError.duplicate("\(member.email) is already a member of \(member.workspaceID)")
        }
    }

    func list(in workspace: WorkspaceID) async throws -> [Member] {
        try await self.sql.raw(
            "SELECT * FROM members WHERE workspace_id = \(bind: workspace.rawValue) ORDER BY created_at, id"
        ).all().map(Self.member)
    }

    func find(email: String) async throws -> [(member: Member, passwordHash: String?)] {
        try await self.sql.raw(
            "SELECT * FROM members WHERE email = \(bind: email.lowercased()) ORDER BY created_at, id"
        ).all().map { (try Self.member(from: $0), try $0.optionalString("password_hash")) }
    }

    func find(_ id: MemberID) async throws -> Member? {
        try await self.sql.raw("SELECT * FROM members WHERE id = \(bind: id.rawValue)").first().map(Self.member)
    }

    static func member(from row: any SQLRow) throws -> Member {
        Member(
            id: MemberID(rawValue: try row.string("id")),
            workspaceID: WorkspaceID(rawValue: try row.string("workspace_id")),
            email: try row.string("email"), name: try row.string("name"),
            role: try row.enumeration("role", as: MemberRole.self), createdAt: try row.date("created_at"))
    }
}

struct SQLAPIKeyRepository: APIKeyRepository {
    let sql: any SQLDatabase

    /// Secrets look like `bf_` and 40 base-32 characters: 200 random bits.
    static func makeSecret() -> String { makeSecretToken(prefix: "bf") }

    static func hash(_ secret: String) -> String { storedHash(of: secret) }

    func create(name: String, expiresAt: Date?, at time: Date) async throws -> (key: APIKey, secret: String) {
        if let expiresAt, expiresAt <= time {
            throw StoreError.invalid("an API key must expire after it is created, not at \(expiresAt)")
        }
        let secret = Self.makeSecret()
        return (try await self.insert(secret: secret, name: name, expiresAt: expiresAt, at: time), secret)
    }

    func ensure(secret: String, name: String, at time: Date) async throws -> APIKey {
        // Several instances may start at once with the same bootstrap key: the unique hash decides.
        try await self.insert(secret: secret, name: name, at: time, ignoringDuplicate: true)
        guard let key = try await self.find(hash: Self.hash(secret)) else {
            throw StoreError.corrupt("the bootstrap API key was neither stored nor found")
        }
        return key
    }

    @discardableResult
    private func insert(
        secret: String, name: String, expiresAt: Date? = nil, at time: Date, ignoringDuplicate: Bool = false
    ) async throws -> APIKey {
        let key = APIKey(
            id: .generate(), name: name, prefix: String(secret.prefix(8)), createdAt: time, revokedAt: nil,
            expiresAt: expiresAt)
        var statement: SQLQueryString = """
            INSERT INTO api_keys (id, name, key_hash, key_prefix, created_at, expires_at)
            VALUES (\(bind: key.id.rawValue), \(bind: name), \(bind: Self.hash(secret)), \(bind: key.prefix),
                \(bind: time.storedMilliseconds), \(bind: expiresAt?.storedMilliseconds))
            """
        if ignoringDuplicate { statement += " ON CONFLICT (key_hash) DO NOTHING" }
        try await self.sql.raw(statement).run()
        return key
    }

    func authenticate(secret: String) async throws -> APIKey? {
        guard let key = try await self.find(hash: Self.hash(secret)), !key.isRevoked else { return nil }
        return key
    }

    private func find(hash: String) async throws -> APIKey? {
        try await self.sql.raw("SELECT * FROM api_keys WHERE key_hash = \(bind: hash)").first().map(Self.apiKey)
    }

    func list() async throws -> [APIKey] {
        try await self.sql.raw("SELECT * FROM api_keys ORDER BY created_at DESC, id DESC").all().map(Self.apiKey)
    }

    func revoke(_ id: APIKeyID, at time: Date) async throws -> Bool {
        let exists = try await self.sql.raw("SELECT id FROM api_keys WHERE id = \(bind: id.rawValue)").first() != nil
        guard exists else { return false }
        try await self.sql.raw(
            """
            UPDATE api_keys SET revoked_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: id.rawValue) AND revoked_at IS NULL
            """
        ).run()
        return true
    }

    static func apiKey(from row: any SQLRow) throws -> APIKey {
        APIKey(
            id: APIKeyID(rawValue: try row.string("id")), name: try row.string("name"),
            prefix: try row.string("key_prefix"),
            createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"),
            expiresAt: try row.optionalDate("expires_at"))
    }
}

/// What became of a request sent with an `Idempotency-Key`.
package enum IdempotencyClaim: Hashable, Sendable {
    /// The key is new: carry the request out, then `complete` or `release` the key.
    case claimed
    /// The same request finished before: answer with what it answered.
    case replay(status: Int, contentType: String?, body: String)
    /// The same request is being carried out now.
    case inProgress
    /// The key was used for a different request.
    case mismatch
}

/// Stored answers to POST requests, by caller and `Idempotency-Key`, kept for at least `retention`.
package protocol IdempotencyRepository: Sendable {
    /// Claims `key` for a request whose method, path and body are `request`, unless it is claimed already.
    func claim(owner: String, key: String, request: Data, now: Date) async throws -> IdempotencyClaim
    /// Stores the answer to a claimed key, for replays.
    func complete(owner: String, key: String, status: Int, contentType: String?, body: String) async throws
    /// Gives a claimed key up, so that a retry carries the request out anew (after a failure that changed nothing).
    func release(owner: String, key: String) async throws
}

/// How long an answer is kept for replays.
package let idempotencyRetention: TimeInterval = 24 * 3600

struct SQLIdempotencyRepository: IdempotencyRepository {
    let sql: any SQLDatabase

    func claim(owner: String, key: String, request: Data, now: Date) async throws -> IdempotencyClaim {
        let hash = hexSHA256(request)
        let expired = now.addingTimeInterval(-idempotencyRetention).storedMilliseconds
        try await self.sql.raw(
            """
            DELETE FROM idempotency_keys
            WHERE owner = \(bind: owner) AND idempotency_key = \(bind: key) AND created_at < \(bind: expired)
            """
        ).run()
        let inserted = try await self.sql.raw(
            """
            INSERT INTO idempotency_keys (owner, idempotency_key, request_hash, created_at)
            VALUES (\(bind: owner), \(bind: key), \(bind: hash), \(bind: now.storedMilliseconds))
            ON CONFLICT (owner, idempotency_key) DO NOTHING
            RETURNING owner
            """
        ).first()
        if inserted != nil { return .claimed }
        guard
            let row = try await self.sql.raw(
                """
                SELECT * FROM idempotency_keys WHERE owner = \(bind: owner) AND idempotency_key = \(bind: key)
                """
            ).first()
        else { return .inProgress }
        guard try row.string("request_hash") == hash else { return .mismatch }
        guard let status = try row.optionalInt64("response_status") else { return .inProgress }
        return .replay(
            status: Int(status), contentType: try row.optionalString("response_content_type"),
            body: try row.optionalString("response_body") ?? "")
    }

    func complete(owner: String, key: String, status: Int, contentType: String?, body: String) async throws {
        try await self.sql.raw(
            """
            UPDATE idempotency_keys SET response_status = \(bind: status),
                response_content_type = \(bind: contentType), response_body = \(bind: body)
            WHERE owner = \(bind: owner) AND idempotency_key = \(bind: key)
            """
        ).run()
    }

    func release(owner: String, key: String) async throws {
        try await self.sql.raw(
            "DELETE FROM idempotency_keys WHERE owner = \(bind: owner) AND idempotency_key = \(bind: key)"
        ).run()
    }
}
