import Foundation
import Hummingbird

/// The files in `Resources/`, read once: the OpenAPI document and the portal's stylesheet. The page templates are
/// `PageTemplates`, parsed when the server starts.
enum BundledResources {
    static let directory = Bundle.module.bundleURL.appendingPathComponent("Resources")

    static let stylesheet = Self.file("Public/billfold.css")

    static let openAPIDocument = Self.file("openapi.json")

    private static func file(_ path: String) -> ByteBuffer? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(path)) else { return nil }
        return ByteBuffer(bytes: data)
    }
}
