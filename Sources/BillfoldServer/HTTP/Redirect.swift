import Foundation
import Hummingbird

/// Where a browser is sent next, and the query strings of the links and redirects that take it there.
enum Redirect {
    /// A 303 to `location`: after a form is posted, the browser loads the next page with a GET.
    static func to(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// `items` as a query string, sorted by name, each value percent-encoded but for the unreserved characters.
    static func query(_ items: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return items.sorted { $0.key < $1.key }.map { key, value in
            key + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }
}
