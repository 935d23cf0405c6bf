import BillfoldEngine
import Hummingbird

/// The one rule for the cookie that carries a member's session, set at sign-in (API or portal) and cleared at
/// sign-out: HttpOnly, SameSite=Lax, and Secure when people reach Billfold over TLS.
enum SessionCookie {
    static let name = "billfold_session"

    /// The cookie that ends a browser's session.
    static let expired = "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"

    /// The cookie that signs the browser in for as long as the session lasts.
    static func value(for signedIn: SignedIn, request: Request, publicURL: String?) -> String {
        let lifetime = Int(signedIn.session.expiresAt.timeIntervalSince(signedIn.session.createdAt))
        var cookie = "\(name)=\(signedIn.token); Path=/; Max-Age=\(lifetime); HttpOnly; SameSite=Lax"
        if Self.isSecure(request, publicURL: publicURL) { cookie += "; Secure" }
        return cookie
    }

    /// Whether people reach Billfold over TLS: the public URL says so, or else the proxy's `X-Forwarded-Proto`.
    static func isSecure(_ request: Request, publicURL: String?) -> Bool {
        if let publicURL { return publicURL.lowercased().hasPrefix("https://") }
        return request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}
