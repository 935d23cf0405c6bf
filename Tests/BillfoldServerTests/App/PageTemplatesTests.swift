import BillfoldServer
import BillfoldStore
import Foundation
import Testing

@Suite("Page templates are parsed when the server starts")
struct PageTemplatesTests {
    /// A copy of the server's templates in a fresh folder, changed by `change`, and a database path beside them.
    struct Copy {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billfold-templates-\(UUID())")
        var templates: URL { self.folder.appendingPathComponent("Templates") }
        var databasePath: String { self.folder.appendingPathComponent("billfold.sqlite").path }

        init(changedBy change: (URL) throws -> Void) throws {
            try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: PageTemplates.bundledDirectory, to: self.templates)
            try change(self.templates)
        }

        func remove() { try? FileManager.default.removeItem(at: self.folder) }

        /// Starts a server on these templates, and returns what stopped it.
        func startError() async -> PageTemplates.LoadError? {
            var configuration = ServerConfiguration(
                port: 0, database: .sqlite(path: self.databasePath), logLevel: .error)
            configuration.templatesDirectory = self.templates
            return await #expect(throws: PageTemplates.LoadError.self) {
                _ = try await buildApplication(configuration)
            }
        }
    }

    @Test("a template that does not parse stops the start, named with the parser's complaint, before the database")
    func brokenTemplate() async throws {
        let copy = try Copy { folder in
            let file = folder.appendingPathComponent("portal-invoice.mustache")
            let text = try String(contentsOf: file, encoding: .utf8)
            try (text + "\n{{#attempts}}<p>never closed</p>\n").write(to: file, atomically: true, encoding: .utf8)
        }
        defer { copy.remove() }
        let error = try #require(await copy.startError())
        #expect(error.file == "portal-invoice.mustache")
        #expect(error.message.hasPrefix("does not parse: expectedSectionEnd"), "\(error)")
        #expect("\(error)".hasPrefix("the page template portal-invoice.mustache does not parse"))
        #expect(!FileManager.default.fileExists(atPath: copy.databasePath), "the start stopped before the database")
    }

    @Test("a page's template that is missing stops the start")
    func missingTemplate() async throws {
        let copy = try Copy { folder in
            try FileManager.default.removeItem(at: folder.appendingPathComponent("portal-wallet.mustache"))
        }
        defer { copy.remove() }
        let error = try #require(await copy.startError())
        #expect(error.file == "portal-wallet.mustache")
        #expect(error.message.hasPrefix("is missing"), "\(error)")
    }

    @Test("a partial a template includes that is missing stops the start, named with the template that includes it")
    func missingPartial() async throws {
        let copy = try Copy { folder in
            try FileManager.default.removeItem(at: folder.appendingPathComponent("portal-other-ways-to-pay.mustache"))
        }
        defer { copy.remove() }
        let error = try #require(await copy.startError())
        #expect(error.file == "portal-invoice.mustache")
        #expect(error.message.contains("portal-other-ways-to-pay"), "\(error)")
    }

    @Test("the templates built into the server all parse")
    func bundledTemplates() throws {
        _ = try PageTemplates.bundled()
    }
}
