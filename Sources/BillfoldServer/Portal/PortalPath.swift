import BillfoldCore
import Foundation

/// A path a caller asks to be sent to after signing in, such as a portal link's `next`, made safe to redirect to.
enum PortalPath {
    /// The longest path, normalised, that a redirect goes to.
    static let maximumLength = 200

    /// `path` with its percent-escapes decoded and its `.` and `..` segments resolved, when the result is a path
    /// under `/portal/` on this server; `nil` for anything else.
    ///
    /// Browsers resolve `..` and `%2e%2e` in a `Location` themselves, read `\` as `/` and `//host` as another
    /// server, so a path is judged by where it ends up, not by how it begins. Escapes are decoded until none is
    /// left (`%252e` is `%2e` is `.`), and what remains may hold only letters, digits, `-`, `_`, `.` and `/`:
    /// no backslash, colon, query, fragment, space or control character. An empty segment (`//`) and a `..`
    /// that climbs above the root are refused rather than repaired.
    static func normalized(_ path: String) -> String? {
        guard path.utf8.count <= 4 * Self.maximumLength else { return nil }
        var decoded = path
        for _ in 0..<4 {
            // Malformed escapes, or bytes that are not UTF-8 (`%c0%ae`), give nil.
            guard let once = decoded.removingPercentEncoding else { return nil }
            if once == decoded { break }
            decoded = once
        }
        // An escape still left after four rounds fails here too: `%` is not among the characters allowed.
        guard decoded.utf8.first == UInt8(ascii: "/"),
            decoded.utf8.allSatisfy({ PlainText.allows($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ".") })
        else { return nil }

        let parts = decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var segments: [Substring] = []
        var endsInSlash = false
        for (index, part) in parts.enumerated() {
            endsInSlash = false
            switch part {
            case "":
                // Only the end may be empty: `/portal/invoices/`.
                guard index == parts.count - 1 else { return nil }
                endsInSlash = true
            case ".":
                endsInSlash = true
            case "..":
                guard !segments.isEmpty else { return nil }
                segments.removeLast()
                endsInSlash = true
            default:
                segments.append(part)
            }
        }
        let body = segments.joined(separator: "/")
        let normalized = "/" + body + (endsInSlash && !body.isEmpty ? "/" : "")
        guard normalized.hasPrefix("/portal/"), normalized.utf8.count <= Self.maximumLength else { return nil }
        return normalized
    }
}
