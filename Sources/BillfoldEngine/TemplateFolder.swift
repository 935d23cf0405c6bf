import Foundation
import Mustache

/// A folder of Mustache templates, read and parsed once: the pages' and the mails'.
package enum TemplateFolder {
    /// A file that cannot be used, and what is wrong with it.
    package struct Problem: Error, Hashable, Sendable {
        /// The file's name, such as `portal-invoice.mustache` (or the folder, when it cannot be read).
        package let file: String
        package let message: String

        package init(file: String, message: String) {
            self.file = file
            self.message = message
        }
    }

    /// Every `*.mustache` file in `directory`, parsed and registered under its name without the extension.
    /// `prepare` sees each file's name and text before it is parsed, and may refuse it or add to it. Fails on a
    /// folder or file that cannot be read, a template that does not parse, and a partial included but not there.
    package static func load(
        _ directory: URL,
        prepare: (_ name: String, _ file: String, _ text: String) throws(Problem) -> String = { _, _, text in text }
    ) throws(Problem) -> MustacheLibrary {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw Problem(file: "folder \(directory.path)", message: "cannot be read: \(error.localizedDescription)")
        }
        var library = MustacheLibrary()
        var partials: [(file: String, partial: String)] = []
        for file in names.sorted() where file.hasSuffix(".mustache") {
            let name = String(file.dropLast(".mustache".count))
            let text: String
            do {
                text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            } catch {
                throw Problem(file: file, message: "cannot be read: \(error.localizedDescription)")
            }
            let source = try prepare(name, file, text)
            do {
                library.register(try MustacheTemplate(string: source), named: name)
            } catch let error as MustacheTemplate.ParserError {
                let context = error.context
                let line = context.line.trimmingCharacters(in: .whitespaces)
                throw Problem(
                    file: file,
                    message: "does not parse: \(error.error) at line \(context.lineNumber), column "
                        + "\(context.columnNumber)" + (line.isEmpty ? "" : ": \(line)"))
            } catch {
                throw Problem(file: file, message: "does not parse: \(error)")
            }
            partials += Self.partials(in: text).map { (file, $0) }
        }
        for (file, partial) in partials where library.getTemplate(named: partial) == nil {
            throw Problem(file: file, message: "includes the partial \(partial), and there is no \(partial).mustache")
        }
        return library
    }

    /// The names `{{> name}}` includes in `text`.
    static func partials(in text: String) -> [String] {
        text.components(separatedBy: "{{>").dropFirst().compactMap { rest in
            rest.components(separatedBy: "}}").first?.trimmingCharacters(in: .whitespaces)
        }
    }
}
