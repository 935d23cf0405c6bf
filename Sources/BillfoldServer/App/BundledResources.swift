import Foundation
import Hummingbird
import Mustache

/// The files in `Resources/`, read once: the OpenAPI document, the portal's templates and its stylesheet.
enum BundledResources {
    static let directory = Bundle.module.bundleURL.appendingPathComponent("Resources")

    /// Every `Templates/*.mustache`, by name without the extension.
    static let templates: MustacheLibrary = {
        var library = MustacheLibrary()
        let folder = directory.appendingPathComponent("Templates")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return library }
        for name in names.sorted() where name.hasSuffix(".mustache") {
            guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8),
                let template = try? MustacheTemplate(string: text)
            else { continue }
            library.register(template, named: String(name.dropLast(".mustache".count)))
        }
        return library
    }()

    static let stylesheet = Self.file("Public/billfold.css")

    static let openAPIDocument = Self.file("openapi.json")

    private static func file(_ path: String) -> ByteBuffer? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(path)) else { return nil }
        return ByteBuffer(bytes: data)
    }

    /// `template` rendered with `object` as an HTML page.
    static func page(_ template: String, _ object: Any) throws -> Response {
        guard let html = self.templates.render(object, withTemplate: template) else {
            throw APIError(
                .internalServerError, .internalError, code: "template_missing",
                message: "this build of Billfold was made without its \(template) template")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: .init(string: html)))
    }
}
