import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/plans`: what workspaces subscribe to.
struct PlansController {
    let database: Database
    let clock: BillingClock
    let catalog: CatalogService

    /// The most credits a plan may include each month.
    static let maximumMonthlyCredits: Int64 = 100_000_000_000

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("plans", use: self.create)
        group.get("plans", use: self.list)
        group.get("plans/:id", use: self.get)
    }

    struct CreateBody: Decodable {
        var code: String?
        var name: String?
        var interval: String?
        var currency: String?
        var platformFee: Int64?
        var includedSeats: Int?
        var seatPrice: Int64?
        var monthlyCredits: Int64?
        var creditPrice: Int64?
        var sac: String?
    }

    @Sendable func create(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(CreateBody.self, from: request, context: context)
        let code = try Validate.code(body.code, param: "code")
        let currency = try Validate.currency(body.currency ?? "INR", param: "currency")
        func money(_ value: Int64?, _ param: String) throws -> Money {
            Money(minorUnits: try Validate.amount(value ?? 0, param: param), currency: currency)
        }
        let sac = try Validate.sac(body.sac ?? Plan.defaultSAC)
        let monthlyCredits = body.monthlyCredits ?? 0
        // An annual plan's allowance is twelve months of credits, and it must fit in a quantity (below 9.2 × 10^12).
        guard (0...Self.maximumMonthlyCredits).contains(monthlyCredits) else {
            throw APIError.invalid("monthly_credits", "monthly_credits must be from 0 to 10^11")
        }
        let plan = Plan(
            id: .generate(), code: code, name: try Validate.text(body.name, param: "name"),
            interval: try Validate.enumeration(body.interval ?? "month", param: "interval"), currency: currency,
            platformFee: try money(body.platformFee, "platform_fee"),
            includedSeats: try Validate.count(body.includedSeats ?? 0, param: "included_seats"),
            seatPrice: try money(body.seatPrice, "seat_price"), monthlyCredits: monthlyCredits,
            creditPrice: try money(body.creditPrice, "credit_price"), sac: sac, createdAt: self.clock.now)
        return try JSONCoding.response(
            PlanResponse(try await self.catalog.create(plan, actor: context.actor)), status: .created)
    }

    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let plans = try await self.database.store.plans.list()
        return try JSONCoding.response(ListResponse(data: plans.map(PlanResponse.init), hasMore: false))
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        guard let id = PlanID(validating: raw), let plan = try await self.database.store.plans.find(id) else {
            throw APIError.notFound("plan", id: raw)
        }
        return try JSONCoding.response(PlanResponse(plan))
    }
}

/// A plan as the API shows it.
struct PlanResponse: Encodable {
    let object = "plan"
    let id: String
    let code: String
    let name: String
    let interval: String
    let currency: String
    let platformFee: Int64
    let includedSeats: Int
    let seatPrice: Int64
    let monthlyCredits: Int64
    let creditPrice: Int64
    let sac: String
    let createdAt: String

    init(_ plan: Plan) {
        self.id = plan.id.rawValue
        self.code = plan.code
        self.name = plan.name
        self.interval = plan.interval.rawValue
        self.currency = plan.currency.code
        self.platformFee = plan.platformFee.minorUnits
        self.includedSeats = plan.includedSeats
        self.seatPrice = plan.seatPrice.minorUnits
        self.monthlyCredits = plan.monthlyCredits
        self.creditPrice = plan.creditPrice.minorUnits
        self.sac = plan.sac
        self.createdAt = Timestamp.string(plan.createdAt)
    }

    private enum CodingKeys: String, CodingKey {
        case object, id, code, name, interval, currency, platformFee, includedSeats, seatPrice, monthlyCredits
        case creditPrice, sac, createdAt
    }
}
