import BillfoldCore
import Foundation
import Mustache

/// A mail Billfold sends a workspace. The raw value names its templates, `<raw value>.text.mustache` and
/// `<raw value>.html.mustache` in `Resources/MailTemplates`.
package enum MailTemplate: String, Sendable, CaseIterable, Codable {
    case invoiceIssued = "invoice_issued"
    case paymentReceived = "payment_received"
    case paymentFailed = "payment_failed"
    case preDebitNotice = "pre_debit_notice"
    case reminderBeforeDue = "reminder_before_due"
    case reminderOnDue = "reminder_on_due"
    case reminderOverdue = "reminder_overdue"
    case finalWarning = "final_warning"
    case serviceSuspended = "service_suspended"
    case serviceRestored = "service_restored"
    case creditNoteIssued = "credit_note_issued"
    case walletLow = "wallet_low"
    case debitNoteIssued = "debit_note_issued"
    case disputeOpened = "dispute_opened"
    case disputeUpdated = "dispute_updated"
    case disputeResolved = "dispute_resolved"
    case disputeRejected = "dispute_rejected"

    /// The plain-text part's template, without `.mustache`.
    var textTemplate: String { self.rawValue + ".text" }
    /// The HTML part's template, without `.mustache`.
    var htmlTemplate: String { self.rawValue + ".html" }
}

/// A mail ready for the outbox: its subject on one line, its plain-text part with the links written out, and its
/// HTML part. Attachments (the invoice's or receipt's PDF) are the sender's.
package struct RenderedMail: Hashable, Sendable {
    package let subject: String
    package let text: String
    package let html: String

    package init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// The mails' templates, every one parsed once, when Billfold starts: a template that is missing, does not parse,
/// includes a partial that is not there, or prints a value unescaped into HTML stops the start with its name, rather
/// than a mail going out broken.
package struct MailTemplates: Sendable {
    /// Why the templates cannot be used: the file, and what is wrong with it.
    package struct LoadError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The template's file name, such as `final_warning.html.mustache` (or the folder, when it cannot be read).
        package let file: String
        package let message: String

        package init(file: String, message: String) {
            self.file = file
            self.message = message
        }

        package var description: String { "the mail template \(self.file) \(self.message)" }
    }

    /// Why a mail cannot be rendered from a context: the field at fault, and what is wrong with it.
    package struct RenderError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The `MailContext` field, such as `portalURL` or `invoices[1].link`.
        package let field: String
        package let message: String

        package init(field: String, message: String) {
            self.field = field
            self.message = message
        }

        package var description: String { "the mail's \(self.field) \(self.message)" }
    }

    /// `Resources/MailTemplates` as built into Billfold.
    package static var bundledDirectory: URL {
        Bundle.module.bundleURL.appendingPathComponent("Resources").appendingPathComponent("MailTemplates")
    }

    /// The files `template` is rendered from.
    package static func files(for template: MailTemplate) -> [String] {
        [template.textTemplate + ".mustache", template.htmlTemplate + ".mustache"]
    }

    /// Put before every plain-text template, so its values are printed as they are rather than HTML-escaped. On a
    /// line of its own, which the pragma's line takes away, so the file's own first line (a partial's leading blank
    /// line) stays.
    private static let textPragma = "{{% CONTENT_TYPE: TEXT}}\n"

    private let library: MustacheLibrary

    /// The templates built into Billfold.
    package init() throws(LoadError) {
        try self.init(directory: Self.bundledDirectory)
    }

    /// Every `*.mustache` file in `directory`, parsed and registered under its name without the extension; files
    /// whose name starts with `_` are partials.
    package init(directory: URL) throws(LoadError) {
        let library: MustacheLibrary
        do {
            library = try TemplateFolder.load(directory) { name, file, text throws(TemplateFolder.Problem) in
                if name.hasSuffix(".html"), text.contains("{{{") || text.contains("{{&") {
                    throw TemplateFolder.Problem(
                        file: file, message: "prints a value unescaped ({{{ or {{&); every value in HTML is escaped")
                }
                return name.hasSuffix(".text") ? Self.textPragma + text : text
            }
        } catch {
            throw LoadError(file: error.file, message: error.message)
        }
        for template in MailTemplate.allCases {
            for name in [template.textTemplate, template.htmlTemplate] where library.getTemplate(named: name) == nil {
                throw LoadError(file: name + ".mustache", message: "is missing from \(directory.path)")
            }
        }
        self.library = library
    }

    /// `template` rendered with what `context` holds: money the Indian way (`₹1,18,000.00`), dates as Billfold
    /// prints them (`15 Dec 2026`). Throws when a link in `context` is not an `http` or `https` URL.
    package func render(_ template: MailTemplate, _ context: MailContext) throws(RenderError) -> RenderedMail {
        let view = try MailView(template, context)
        let fields = view.mustacheFields
        guard let text = self.library.render(fields, withTemplate: template.textTemplate),
            let html = self.library.render(fields, withTemplate: template.htmlTemplate)
        else {
            // Every template was found when the library was loaded.
            throw RenderError(field: "template", message: "\(template.rawValue) has no templates")
        }
        return RenderedMail(subject: view.subject, text: Self.tidied(text), html: html)
    }

    /// Plain text as the sections left it, tidied: no spaces at line ends, at most one blank line in a row, no
    /// blank lines before or after, one line break at the end.
    static func tidied(_ text: String) -> String {
        var lines: [Substring] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = rawLine
            while let last = line.last, last == " " || last == "\t" || last == "\r" { line = line.dropLast() }
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}
