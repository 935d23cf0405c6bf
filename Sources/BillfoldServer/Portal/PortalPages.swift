import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// The frame every portal page shares, and the pages that only say something (errors, refusals).
struct PortalPages: Sendable {
    let database: Database
    let tokens: FormTokens
    let templates: PageTemplates
    let dunning: DunningService

    /// The parts of the portal the navigation names.
    enum Section: String, CaseIterable {
        case dashboard, invoices, disputes, wallet, profile

        var label: String {
            switch self {
            case .dashboard: "Dashboard"
            case .invoices: "Billing history"
            case .disputes: "Disputes"
            case .wallet: "Wallet"
            case .profile: "Billing profile"
            }
        }

        var path: String { self == .dashboard ? "/portal" : "/portal/" + self.rawValue }
    }

    struct NavItem {
        let label: String
        let href: String
        let testID: String
        let isCurrent: Bool
    }

    /// What the layout partials show around a page.
    struct Layout {
        let title: String
        let workspaceName: String?
        let memberName: String?
        let roleLabel: String?
        let csrfToken: String?
        let showsNav: Bool
        let nav: [NavItem]
        let serviceBanner: ServiceBanner?
    }

    /// The warning every page carries while the workspace is in grace or suspended: how much is overdue, when the
    /// service stops, and where to pay. It goes the moment nothing overdue is left, before dunning's next pass
    /// restores the state, unless an operator set the state by hand.
    struct ServiceBanner {
        let isSuspended: Bool
        let heading: String
        let message: String
        /// The earliest overdue invoice's page, where Pay now is.
        let payHref: String?
    }

    func serviceBanner(for workspace: Workspace) async throws -> ServiceBanner? {
        guard workspace.serviceState != .active else { return nil }
        let standing = try await self.dunning.standing(of: workspace)
        let overdue = standing.assessment.overdueBalance
        guard overdue.isPositive || workspace.serviceStateSetBy == .operator else { return nil }
        let owed = overdue.isPositive ? "\(overdue.formatted()) is overdue. " : ""
        let earliest = standing.unpaid.first { $0.dueDate < self.dunning.clock.today }
        let payHref = earliest.map { "/portal/invoices/\($0.id.rawValue)" }
        switch workspace.serviceState {
        case .active:
            return nil
        case .grace:
            let suspendsOn = workspace.serviceStateSetBy == .dunning ? standing.assessment.suspendsOn : nil
            let when = suspendsOn.map { "on \($0.printed)" } ?? "when the grace period ends"
            return ServiceBanner(
                isSuspended: false, heading: "Payment overdue: your workspace is in its grace period",
                message: owed + "Service will be suspended \(when) unless it is paid. Pay promptly to avoid "
                    + "interruption.", payHref: payHref)
        case .suspended:
            return ServiceBanner(
                isSuspended: true, heading: "Your workspace is suspended",
                message: owed + "The service stopped because invoices stayed unpaid. Pay what is overdue and it is "
                    + "restored immediately.", payHref: payHref)
        }
    }

    /// The layout of a page titled `title` in `section`, for whoever `context` says is signed in.
    func layout(_ title: String, section: Section?, context: BillfoldRequestContext, showsNav: Bool = true)
        async throws -> Layout
    {
        guard case .member(let session, let member) = context.caller else {
            return Layout(
                title: title, workspaceName: nil, memberName: nil, roleLabel: nil, csrfToken: nil, showsNav: false,
                nav: [], serviceBanner: nil)
        }
        let workspace = try await self.database.store.workspaces.find(member.workspaceID)
        var banner: ServiceBanner?
        if let workspace, member.role.canManageBilling { banner = try await self.serviceBanner(for: workspace) }
        return Layout(
            title: title, workspaceName: workspace?.name, memberName: member.name,
            roleLabel: member.role.rawValue.prefix(1).uppercased() + member.role.rawValue.dropFirst(),
            csrfToken: try await self.tokens.token(for: session.id),
            showsNav: showsNav && member.role.canManageBilling,
            nav: Section.allCases.map { item in
                NavItem(label: item.label, href: item.path, testID: "nav-" + item.rawValue, isCurrent: item == section)
            },
            serviceBanner: banner)
    }

    /// `view` rendered with its template as an HTML page answered with `status`; never cached, as it shows money.
    func render(_ view: some PageView, status: HTTPResponse.Status = .ok) throws -> Response {
        var response = try self.templates.page(view, status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// A page that only says something: an error, a refusal, a notice.
    struct MessageView: PageView {
        static let template = "portal-message"

        let layout: Layout
        let heading: String
        let message: String
        let testID: String
        let linkHref: String
        let linkLabel: String
    }

    func message(
        _ heading: String, _ message: String, testID: String, status: HTTPResponse.Status,
        link: (href: String, label: String), context: BillfoldRequestContext, showsNav: Bool = true
    ) async throws -> Response {
        let layout = try await self.layout(heading, section: nil, context: context, showsNav: showsNav)
        return try self.render(
            MessageView(
                layout: layout, heading: heading, message: message, testID: testID, linkHref: link.href,
                linkLabel: link.label),
            status: status)
    }

    func csrfError(context: BillfoldRequestContext) async throws -> Response {
        try await self.message(
            "This form has expired",
            "The form was sent without the security token of this session, or with an old one, so nothing was "
                + "changed. Go back, reload the page and try again.",
            testID: "csrf-error", status: .forbidden,
            link: context.caller == nil ? (PortalController.signInPath, "Back to sign-in") : ("/portal", "Dashboard"),
            context: context)
    }

    func noBillingAccess(context: BillfoldRequestContext) async throws -> Response {
        try await self.message(
            "You do not have access to billing",
            "Your role in this workspace is member. Invoices, payments, the wallet and the billing profile are open "
                + "to the workspace's owners and admins only: ask one of them to show you what you need, or to make "
                + "you an admin.",
            testID: "no-billing-access", status: .forbidden, link: (PortalController.signInPath, "Sign-in page"),
            context: context, showsNav: false)
    }

    func error(_ error: APIError, context: BillfoldRequestContext) async throws -> Response {
        switch error.status {
        case .notFound:
            return try await self.message(
                "Not found",
                "There is nothing here, or it belongs to another workspace. Check the address, or find the "
                    + "document in your billing history.",
                testID: "not-found", status: .notFound, link: ("/portal/invoices", "Billing history"),
                context: context)
        default:
            return try await self.message(
                "That did not work", error.message, testID: "error", status: error.status,
                link: ("/portal", "Dashboard"), context: context)
        }
    }
}
