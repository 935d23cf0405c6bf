import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// The fields of a URL-encoded form, in the order they were sent.
struct PortalForm: Sendable {
    let fields: [(name: String, value: String)]

    init(_ text: String) {
        self.fields = text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? Self.decode(parts[1]) ?? "" : "")
        }
    }

    /// The first value sent as `name`.
    subscript(name: String) -> String? { self.fields.first { $0.name == name }?.value }

    /// Every value sent as `name`.
    func all(_ name: String) -> [String] { self.fields.filter { $0.name == name }.map(\.value) }

    /// The request's form body, read whole (a portal form is small).
    static func read(_ request: Request) async throws -> PortalForm {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        return PortalForm(String(buffer: body))
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
