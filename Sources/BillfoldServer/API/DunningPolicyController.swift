import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Hummingbird

/// The supplier's dunning policy: `GET /dunning_policy` and `PUT /dunning_policy`. A workspace overrides it or is
/// excluded from it with `dunning` on `PATCH /workspaces/{id}`.
struct DunningPolicyController {
    let dunning: DunningService
    let database: Database

    func addRoutes(to api: RouterGroup<BillfoldRequestContext>) {
        api.get("dunning_policy", use: self.get)
        api.put("dunning_policy", use: self.put)
    }

    /// A policy as the API shows it.
    struct PolicyResponse: Encodable {
        let object = "dunning_policy"
        let reminderOffsets: [Int]
        let graceDays: Int
        let minimumOverdue: Int64
        let currency: String

        init(_ policy: DunningPolicy) {
            self.reminderOffsets = policy.reminderOffsets
            self.graceDays = policy.graceDays
            self.minimumOverdue = policy.minimumOverdue.minorUnits
            self.currency = policy.minimumOverdue.currency.code
        }
    }

    /// A policy as the API takes it: every field is required.
    struct PolicyBody: Decodable {
        let reminderOffsets: [Int]?
        let graceDays: Int?
        let minimumOverdue: Int64?

        /// The policy these fields make, or a 422 naming the field that is missing or wrong.
        func policy() throws -> DunningPolicy {
            guard let offsets = self.reminderOffsets else { throw APIError.missing("reminder_offsets") }
            guard let graceDays = self.graceDays else { throw APIError.missing("grace_days") }
            guard let minimum = self.minimumOverdue else { throw APIError.missing("minimum_overdue") }
            do {
                return try DunningPolicy(
                    reminderOffsets: offsets, graceDays: graceDays,
                    minimumOverdue: Money(minorUnits: minimum, currency: .inr))
            } catch {
                throw APIError.invalid(error.field, error.message)
            }
        }
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try JSONCoding.response(PolicyResponse(try await self.database.store.dunning.policy() ?? .standard))
    }

    @Sendable func put(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(PolicyBody.self, from: request, context: context)
        let policy = try await self.dunning.setPolicy(try body.policy(), actor: context.actor)
        return try JSONCoding.response(PolicyResponse(policy))
    }
}
