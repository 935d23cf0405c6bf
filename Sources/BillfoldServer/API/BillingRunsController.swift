import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// `POST /api/v1/billing_runs`: bill every subscription period that ended by `as_of`.
struct BillingRunsController {
    let clock: BillingClock
    let billing: BillingRun

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("billing_runs", use: self.run)
    }

    struct RunBody: Decodable {
        var asOf: String?
    }

    struct FailureResponse: Encodable {
        let subscriptionId: String
        let message: String
    }

    struct RunResponse: Encodable {
        let object = "billing_run"
        let asOf: String
        let periodsClosed: Int
        let invoices: [String]
        let failures: [FailureResponse]

        private enum CodingKeys: String, CodingKey {
            case object, asOf, periodsClosed, invoices, failures
        }
    }

    @Sendable func run(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(RunBody.self, from: request, context: context)
        let now = self.clock.now
        let asOf = try body.asOf.map { try Validate.timestamp($0, param: "as_of") } ?? now
        guard asOf <= now else {
            throw APIError.invalid("as_of", "as_of is in the future; periods are billed only once they have ended")
        }
        let actor = context.actor
        let report = try await self.billing.run(asOf: asOf, actor: actor)
        return try JSONCoding.response(
            RunResponse(
                asOf: Timestamp.string(asOf), periodsClosed: report.periodsClosed,
                invoices: report.invoices.map(\.rawValue),
                failures: report.failures.map { FailureResponse(subscriptionId: $0.0.rawValue, message: $0.1) }))
    }
}
