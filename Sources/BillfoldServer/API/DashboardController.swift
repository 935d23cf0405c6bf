import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// A workspace's billing at a glance: the seeds' dashboard and the upcoming invoice.
struct DashboardController {
    let database: Database
    let clock: BillingClock
    let billing: BillingRun

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.get("workspaces/:id/dashboard", use: self.dashboard)
        group.get("workspaces/:id/upcoming_invoice", use: self.upcomingInvoice)
    }

    struct CreditsResponse: Encodable {
        let allowance: Int64
        let used: String
    }

    struct SeatsResponse: Encodable {
        let included: Int
        let subscribed: Int
    }

    struct DashboardResponse: Encodable {
        let object = "dashboard"
        let workspaceId: String
        let currency: String
        let plan: String?
        let nextIssueDate: String?
        let monthlyCredits: CreditsResponse?
        let seats: SeatsResponse?
        let invoiceTotal: Int64
        let walletBalance: Int64
        let serviceState: String

        private enum CodingKeys: String, CodingKey {
            case object, workspaceId, currency, plan, nextIssueDate, monthlyCredits, seats, invoiceTotal
            case walletBalance, serviceState
        }
    }

    struct UpcomingResponse: Encodable {
        let object = "upcoming_invoice"
        let nextIssueDate: String
        let invoice: InvoiceResponse

        private enum CodingKeys: String, CodingKey {
            case object, nextIssueDate, invoice
        }
    }

    /// Next issue date, credits and seats of the current period, the invoice total so far, and the wallet.
    @Sendable func dashboard(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let preview = try await self.billing.preview(for: workspace.id)
        let balance = try await self.database.store.wallet.balance(of: workspace.id, in: workspace.currency)
        return try JSONCoding.response(
            DashboardResponse(
                workspaceId: workspace.id.rawValue, currency: workspace.currency.code, plan: preview?.plan.name,
                nextIssueDate: preview?.subscription.currentPeriodEnd.description,
                monthlyCredits: preview.map {
                    CreditsResponse(allowance: $0.plan.monthlyCredits, used: $0.creditsUsed.description)
                },
                seats: preview.map {
                    SeatsResponse(included: $0.plan.includedSeats, subscribed: $0.subscription.seats)
                },
                invoiceTotal: preview?.invoice.total.minorUnits ?? 0, walletBalance: balance.minorUnits,
                serviceState: workspace.serviceState.rawValue))
    }

    /// The invoice the current period would produce if it ended now; nothing is stored.
    @Sendable func upcomingInvoice(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        guard let preview = try await self.billing.preview(for: workspace.id) else {
            throw APIError(
                .notFound, .notFound, code: "no_subscription",
                message: "workspace \(workspace.id) has no active subscription, so no invoice is coming")
        }
        return try JSONCoding.response(
            UpcomingResponse(
                nextIssueDate: preview.subscription.currentPeriodEnd.description,
                invoice: InvoiceResponse(preview.invoice, today: self.clock.today)))
    }
}
