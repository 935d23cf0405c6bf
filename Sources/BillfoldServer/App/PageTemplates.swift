import BillfoldEngine
import Foundation
import Hummingbird
import Mustache

/// What one page template shows. The template is named by the view's type, so a view is only ever rendered with
/// its own template.
protocol PageView {
    /// The template's file in `Resources/Templates`, without `.mustache`.
    static var template: String { get }
}

/// The HTML pages' templates, every one parsed when the server starts: a template that does not parse, names a
/// partial that is not there, or is missing stops the start with its name, rather than answering a customer with a
/// 500.
package struct PageTemplates: Sendable {
    /// Why the templates cannot be used: the file, and what is wrong with it.
    package struct LoadError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The template's file name, such as `portal-invoice.mustache` (or the folder, when it cannot be read).
        package let file: String
        package let message: String

        package var description: String { "the page template \(self.file) \(self.message)" }
    }

    /// The template of every page the server shows; partials are checked where they are included.
    static let pages = [
        PortalController.SignInView.template, DashboardView.template, InvoicesView.template,
        InvoiceDetailView.template, WalletView.template, ProfileView.template, PortalPages.MessageView.template,
        PrintView.template, CheckoutController.CheckoutView.template, SandboxGatewayController.CheckoutPage.template,
        DisputesView.template, DisputeFormView.template, DisputeView.template,
        SandboxWebhooksController.ReceivedPage.template,
    ]

    /// `Resources/Templates` as built into the server.
    package static var bundledDirectory: URL { BundledResources.directory.appendingPathComponent("Templates") }

    private let library: MustacheLibrary

    /// Every `*.mustache` file in `directory`, parsed and registered under its name without the extension.
    package init(directory: URL) throws(LoadError) {
        let library: MustacheLibrary
        do {
            library = try TemplateFolder.load(directory)
        } catch {
            throw LoadError(file: error.file, message: error.message)
        }
        for page in Self.pages where library.getTemplate(named: page) == nil {
            throw LoadError(file: page + ".mustache", message: "is missing from \(directory.path)")
        }
        self.library = library
    }

    /// The templates built into the server.
    package static func bundled() throws(LoadError) -> PageTemplates {
        try PageTemplates(directory: Self.bundledDirectory)
    }

    /// `view` rendered with its template as an HTML page answered with `status`.
    func page<View: PageView>(_ view: View, status: HTTPResponse.Status = .ok) throws -> Response {
        guard let html = self.library.render(view, withTemplate: View.template) else {
            // Only a view left out of `pages` can get here: every template in it was found at start.
            throw APIError(
                .internalServerError, .internalError, code: "template_missing",
                message: "this build of Billfold was made without its \(View.template) template")
        }
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: .init(string: html)))
    }
}
