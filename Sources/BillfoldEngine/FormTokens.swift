import BillfoldCore
import BillfoldStore
import Foundation

/// Tokens that prove a portal form was served by Billfold, against cross-site request forgery: an HMAC under a
/// server secret of the member's session, or, before anyone is signed in, of a random value kept in a cookie.
package struct FormTokens: Sendable {
    package let database: Database
    package let clock: BillingClock

    package init(database: Database, clock: BillingClock) {
        self.database = database
        self.clock = clock
    }

    /// The token every form of `session` carries.
    package func token(for session: MemberSessionID) async throws -> String {
        try await self.sign("session." + session.rawValue)
    }

    /// The token of the sign-in form shown to the browser holding `nonce` in its cookie.
    package func token(forNonce nonce: String) async throws -> String {
        try await self.sign("sign-in." + nonce)
    }

    /// A fresh value for the sign-in cookie.
    package static func makeNonce() -> String { makeSecretToken(prefix: "csn") }

    /// Whether `token` is the one `expected` names, compared in constant time.
    package static func matches(_ token: String?, _ expected: String) -> Bool {
        guard let token else { return false }
        return MemberAccess.constantTimeEqual(token, expected)
    }

    private func sign(_ payload: String) async throws -> String {
        try await MemberAccess.sign(
            payload, underSecret: "portal_form_key", prefix: "pfk", in: self.database.store, at: self.clock.now)
    }
}
