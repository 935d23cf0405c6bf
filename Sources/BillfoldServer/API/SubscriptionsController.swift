import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/subscriptions`: put a workspace on a plan; billing runs bill it at each period's end.
struct SubscriptionsController {
    let database: Database
    let subscriptions: SubscriptionService

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("subscriptions", use: self.create)
        group.get("subscriptions/:id", use: self.get)
        group.patch("subscriptions/:id", use: self.update)
    }

    struct CreateBody: Decodable {
        var workspaceId: String?
        var planId: String?
        var seats: Int?
        /// The first day of the first period (default: today); the anchor of every later period.
        var startDate: String?
    }

    @Sendable func create(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(CreateBody.self, from: request, context: context)
        guard let workspaceText = body.workspaceId else { throw APIError.missing("workspace_id") }
        let workspaceID = try Validate.identifier(workspaceText, as: WorkspaceID.self, param: "workspace_id")
        guard let planText = body.planId else { throw APIError.missing("plan_id") }
        let planID = try Validate.identifier(planText, as: PlanID.self, param: "plan_id")
        let seats = try Validate.count(body.seats ?? 1, param: "seats", maximum: 100_000)
        let start = try Validate.date(body.startDate, param: "start_date")
        let subscription = try await self.subscriptions.subscribe(
            workspaceID, to: planID, seats: seats, startingOn: start, actor: context.actor)
        return try JSONCoding.response(SubscriptionResponse(subscription), status: .created)
    }

    struct UpdateBody: Decodable {
        var planId: String?
        var seats: Int?
        var cancelAtPeriodEnd: Bool?
        /// The first day the new plan or seats apply (default: today); within the current period.
        var prorationDate: String?
    }

    /// Changes seats or plan, prorated by the day on the period's invoice, or schedules cancellation at the
    /// period's end.
    @Sendable func update(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        guard let id = SubscriptionID(validating: raw) else { throw APIError.notFound("subscription", id: raw) }
        let body = try await JSONCoding.decode(UpdateBody.self, from: request, context: context)
        if body.prorationDate != nil, body.planId == nil, body.seats == nil {
            throw APIError.invalid("proration_date", "proration_date applies only to a change of plan_id or seats")
        }
        guard body.planId != nil || body.seats != nil || body.cancelAtPeriodEnd != nil else {
            throw APIError.invalid(
                "seats", "name at least one of plan_id, seats or cancel_at_period_end", code: "nothing_to_change")
        }
        let change = SubscriptionService.Change(
            planID: try body.planId.map { try Validate.identifier($0, as: PlanID.self, param: "plan_id") },
            seats: try body.seats.map { try Validate.count($0, param: "seats", maximum: 100_000) },
            cancelAtPeriodEnd: body.cancelAtPeriodEnd,
            effectiveDate: try Validate.date(body.prorationDate, param: "proration_date"))
        let subscription = try await self.subscriptions.change(id, change, actor: context.actor)
        return try JSONCoding.response(SubscriptionResponse(subscription))
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        guard let id = SubscriptionID(validating: raw),
            let subscription = try await self.database.store.subscriptions.find(id)
        else { throw APIError.notFound("subscription", id: raw) }
        return try JSONCoding.response(SubscriptionResponse(subscription))
    }
}

/// A subscription as the API shows it; `current_period_end` is the workspace's next issue date.
struct SubscriptionResponse: Encodable {
    let object = "subscription"
    let id: String
    let workspaceId: String
    let planId: String
    let seats: Int
    let status: String
    let currentPeriodStart: String
    let currentPeriodEnd: String
    let cancelAtPeriodEnd: Bool
    let billingAnchor: String

    init(_ subscription: Subscription) {
        self.id = subscription.id.rawValue
        self.workspaceId = subscription.workspaceID.rawValue
        self.planId = subscription.planID.rawValue
        self.seats = subscription.seats
        self.status = subscription.status.rawValue
        self.currentPeriodStart = subscription.currentPeriodStart.description
        self.currentPeriodEnd = subscription.currentPeriodEnd.description
        self.cancelAtPeriodEnd = subscription.cancelAtPeriodEnd
        self.billingAnchor = subscription.billingAnchor.description
    }

    private enum CodingKeys: String, CodingKey {
        case object, id, workspaceId, planId, seats, status, currentPeriodStart, currentPeriodEnd, cancelAtPeriodEnd
        case billingAnchor
    }
}
