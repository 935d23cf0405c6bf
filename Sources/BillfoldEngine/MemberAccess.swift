import BillfoldCore
import BillfoldStore
import Crypto
import Foundation
import HummingbirdBcrypt
import NIOCore
import NIOPosix

/// How many sign-ins are allowed before an account or an address must wait.
package struct SignInPolicy: Sendable {
    /// Failed sign-ins one account may make within `window`.
    package var failuresPerAccount: Int
    /// Sign-ins, failed or not, one address may make within `window`.
    package var attemptsPerAddress: Int
    package var window: TimeInterval
    /// How long a session lasts after sign-in.
    package var sessionLifetime: TimeInterval
    /// The bcrypt cost of new passwords.
    package var bcryptCost: UInt8

    package init(
        failuresPerAccount: Int = 5, attemptsPerAddress: Int = 30, window: TimeInterval = 15 * 60,
        sessionLifetime: TimeInterval = 12 * 3600, bcryptCost: UInt8 = 11
    ) {
        self.failuresPerAccount = failuresPerAccount
        self.attemptsPerAddress = attemptsPerAddress
        self.window = window
        self.sessionLifetime = sessionLifetime
        self.bcryptCost = bcryptCost
    }
}

/// Why a sign-in was refused.
package struct SignInError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// The email and password match no member.
        case invalidCredentials = "invalid_credentials"
        /// The portal link is forged, expired or used.
        case invalidPortalToken = "invalid_portal_token"
        /// The session token is unknown, expired or ended.
        case invalidSession = "invalid_session"
        /// The email and password match members of several workspaces: the caller must name one.
        case workspaceRequired = "workspace_required"
        /// Too many attempts: try again after `retryAfter` seconds.
        case throttled = "too_many_attempts"
    }

    package let code: Code
    package let message: String
    /// Seconds to wait, when throttled.
    package let retryAfter: Int?

    init(_ code: Code, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    package var description: String { self.message }
}

/// A member signed in: the session, its bearer token (shown once) and the member.
package struct SignedIn: Sendable {
    package let session: MemberSession
    package let token: String
    package let member: Member
}

/// A signed, short-lived, single-use link that signs a member in to the portal.
package struct PortalLink: Sendable {
    package let token: String
    package let expiresAt: Date
    package let member: Member
}

/// Signs workspace members in and out: email and password (bcrypt), portal links signed with HMAC-SHA256, and
/// sessions stored as hashes. Rate limits count in the database, so every Billfold process shares them.
package struct MemberAccess: Sendable {
    package let database: Database
    package let clock: BillingClock
    package let policy: SignInPolicy

    package init(database: Database, clock: BillingClock, policy: SignInPolicy = SignInPolicy()) {
        self.database = database
        self.clock = clock
        self.policy = policy
    }

    /// Adds a member to a workspace, with a bcrypt hash of `password` when given (else they enter by portal link), and
    /// writes the access it grants to the audit log.
    package func addMember(
        to workspace: WorkspaceID, email: String, name: String, role: MemberRole, password: String?, actor: String
    ) async throws -> Member {
        let store = self.database.store
        guard try await store.workspaces.find(workspace) != nil else {
            throw EngineError(.notFound, "no workspace with id \(workspace)")
        }
        let member = Member(
            id: .generate(), workspaceID: workspace, email: email.lowercased(), name: name, role: role,
            createdAt: self.clock.now)
        let cost = self.policy.bcryptCost
        var hash: String?
        if let password { hash = try await Self.offloaded { Bcrypt.hash(password, cost: cost) } }
        try await self.database.inTransaction { [hash] store in
            try await store.members.create(member, passwordHash: hash)
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: member.createdAt, actor: actor, action: "member.added", subjectID: member.id.rawValue,
                    workspaceID: workspace, amount: nil,
                    details: [
                        "email": member.email, "role": member.role.rawValue,
                        "sign_in": password == nil ? "portal_link" : "password",
                    ]))
        }
        return member
    }

    /// Signs in the member with `email` and `password`, in `workspace` when the email belongs to several.
    package func signIn(email: String, password: String, workspace: WorkspaceID?, from address: String)
        async throws -> SignedIn
    {
        let store = self.database.store
        let now = self.clock.now
        let email = email.lowercased()
        let accountSubject = "account:" + email
        let addressSubject = "address:" + address
        try await store.signInAttempts.record(addressSubject, at: now, retention: self.policy.window)
        try await self.checkLimit(addressSubject, limit: self.policy.attemptsPerAddress, countsCurrent: true)
        try await self.checkLimit(accountSubject, limit: self.policy.failuresPerAccount, countsCurrent: false)
        let memberships = try await store.members.find(email: email).filter {
            workspace == nil || $0.member.workspaceID == workspace
        }
        var matches: [Member] = []
        for membership in memberships {
            guard let hash = membership.passwordHash else { continue }
            if try await Self.offloaded({ Bcrypt.verify(password, hash: hash) }) { matches.append(membership.member) }
        }
        if memberships.isEmpty {
            // The same work as a real check, so the answer's timing does not tell whether the email exists.
            _ = try await Self.offloaded { Bcrypt.verify(password, hash: Self.timingHash) }
        }
        guard let member = matches.first else {
            try await store.signInAttempts.record(accountSubject, at: now, retention: self.policy.window)
            throw SignInError(.invalidCredentials, "the email or the password is wrong")
        }
        guard matches.count == 1 else {
            throw SignInError(
                .workspaceRequired,
                "\(email) is a member of several workspaces; send workspace_id to choose one")
        }
        try await store.signInAttempts.clear(accountSubject)
        return try await self.startSession(for: member)
    }

    /// A link that signs `member` in once, until `lifetime` seconds from now.
    package func issuePortalLink(for member: Member, lifetime: TimeInterval) async throws -> PortalLink {
        let expiresAt = self.clock.now.addingTimeInterval(lifetime)
        let nonce = makeSecretToken(prefix: "n").dropFirst(2)
        let payload = [
            "v1", member.id.rawValue, member.workspaceID.rawValue, String(expiresAt.millisecondsSince1970),
            String(nonce),
        ].joined(separator: ".")
        let signature = try await self.sign(payload)
        return PortalLink(token: payload + "." + signature, expiresAt: expiresAt, member: member)
    }

    /// Signs in the member a portal link names, once, before it expires.
    package func redeemPortalLink(_ token: String) async throws -> SignedIn {
        let invalid = SignInError(.invalidPortalToken, "the portal link is not valid, has expired or was used")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "v1", let expiry = Int64(parts[3]),
            let memberID = MemberID(validating: parts[1]), WorkspaceID(validating: parts[2]) != nil
        else { throw invalid }
        let payload = parts[0..<5].joined(separator: ".")
        let expected = try await self.sign(payload)
        guard Self.constantTimeEqual(expected, parts[5]) else { throw invalid }
        let now = self.clock.now
        guard now.millisecondsSince1970 < expiry else { throw invalid }
        guard let member = try await self.database.store.members.find(memberID), member.workspaceID.rawValue == parts[2]
        else { throw invalid }
        guard try await self.database.store.portalLinks.redeem(nonce: parts[4], member: member.id, at: now) else {
            throw invalid
        }
        return try await self.startSession(for: member)
    }

    /// The active session a bearer token or cookie carries, with its member.
    package func authenticate(sessionToken: String) async throws -> (session: MemberSession, member: Member) {
        guard let found = try await self.database.store.memberSessions.find(tokenHash: storedHash(of: sessionToken)),
            found.session.isActive(at: self.clock.now)
        else {
            throw SignInError(.invalidSession, "the session is unknown, has expired or was signed out; sign in again")
        }
        return found
    }

    /// Ends a session on the server, so its token no longer signs anyone in.
    package func signOut(_ session: MemberSessionID) async throws {
        try await self.database.store.memberSessions.revoke(session, at: self.clock.now)
    }

    private func startSession(for member: Member) async throws -> SignedIn {
        let now = self.clock.now
        let token = makeSecretToken(prefix: "bfs")
        let session = MemberSession(
            id: .generate(), memberID: member.id, workspaceID: member.workspaceID, createdAt: now,
            expiresAt: now.addingTimeInterval(self.policy.sessionLifetime))
        try await self.database.store.memberSessions.create(session, tokenHash: storedHash(of: token))
        return SignedIn(session: session, token: token, member: member)
    }

    /// Refuses when `subject` has used up its attempts in the window, saying how long to wait.
    private func checkLimit(_ subject: String, limit: Int, countsCurrent: Bool) async throws {
        let now = self.clock.now
        let since = now.addingTimeInterval(-self.policy.window)
        let (count, oldest) = try await self.database.store.signInAttempts.attempts(by: subject, since: since)
        let allowed = countsCurrent ? count <= limit : count < limit
        guard !allowed else { return }
        let wait = (oldest ?? now).addingTimeInterval(self.policy.window).timeIntervalSince(now)
        throw SignInError(
            .throttled, "too many sign-in attempts; try again in \(Int(wait.rounded(.up))) seconds",
            retryAfter: max(1, Int(wait.rounded(.up))))
    }

    /// The HMAC-SHA256 of `payload` under the server's portal-link key, in base64url.
    private func sign(_ payload: String) async throws -> String {
        try await Self.sign(
            payload, underSecret: "portal_link_key", prefix: "plk", in: self.database.store, at: self.clock.now)
    }

    /// Base64url HMAC-SHA256 of `payload` under the server secret `name`, made once (as `prefix…`) and shared by
    /// every process through the database.
    static func sign(_ payload: String, underSecret name: String, prefix: String, in store: Store, at time: Date)
        async throws -> String
    {
        let secret = try await store.serverSecrets.secret(named: name, at: time) { makeSecretToken(prefix: prefix) }
        let code = HMAC<SHA256>.authenticationCode(
            for: Data(payload.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let left = Array(left.utf8)
        let right = Array(right.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// A bcrypt hash of nothing anyone knows, checked when an email has no member.
    static let timingHash = Bcrypt.hash(makeSecretToken(prefix: "t"), cost: 11)

    /// Runs bcrypt on a thread pool of its own, off Swift's cooperative threads, which must never block.
    static func offloaded<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws -> Value {
        try await Self.passwordHashing.runIfActive(work)
    }

    /// Not `NIOThreadPool.singleton`: SQLite runs every statement on that pool, which has a thread per core, so a
    /// few sign-ins at once would hold up every query while their hashes are worked out.
    private static let passwordHashing: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: System.coreCount)
        pool.start()
        return pool
    }()
}

extension Date {
    fileprivate var millisecondsSince1970: Int64 { Int64((self.timeIntervalSince1970 * 1000).rounded()) }
}
