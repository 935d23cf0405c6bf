import BillfoldCore
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/workspaces/{id}/credit_balance`: credit kept for a workspace's next invoices, which use it before any
/// payment.
struct CreditBalanceController {
    let database: Database

    func addRoutes(to billing: RouterGroup<BillfoldRequestContext>) {
        billing.get("workspaces/:id/credit_balance", use: self.get)
    }

    struct EntryResponse: Encodable {
        let id: String
        /// Positive adds to the balance, negative takes from it.
        let amount: Int64
        let currency: String
        /// `credit_note`, `applied` or `reversal`.
        let reason: String
        /// The credit note that filled it, or the invoice that used it.
        let documentId: String?
        let description: String
        let createdAt: String

        init(_ entry: CreditBalanceEntry) {
            self.id = entry.id.rawValue
            self.amount = entry.amount.minorUnits
            self.currency = entry.amount.currency.code
            self.reason = entry.reason.rawValue
            self.documentId = entry.documentID?.rawValue
            self.description = entry.description
            self.createdAt = Timestamp.string(entry.createdAt)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.amount, forKey: .amount)
            try container.encode(self.currency, forKey: .currency)
            try container.encode(self.reason, forKey: .reason)
            try container.encode(self.documentId, forKey: .documentId)
            try container.encode(self.description, forKey: .description)
            try container.encode(self.createdAt, forKey: .createdAt)
        }

        private enum CodingKeys: String, CodingKey {
            case id, amount, currency, reason, documentId, description, createdAt
        }
    }

    struct BalanceResponse: Encodable {
        let object = "credit_balance"
        let workspaceId: String
        let currency: String
        let balance: Int64
        /// The newest entries, newest first.
        let entries: [EntryResponse]

        private enum CodingKeys: String, CodingKey {
            case object, workspaceId, currency, balance, entries
        }
    }

    /// The balance in the workspace's currency and the newest entries: `limit` of them, 25 by default.
    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let limit = try Validate.limit(request.uri.queryParameters["limit"].map(String.init))
        let store = self.database.store
        let balance = try await store.creditBalance.balance(of: workspace.id, in: workspace.currency)
        let entries = try await store.creditBalance.entries(of: workspace.id, limit: limit)
        return try JSONCoding.response(
            BalanceResponse(
                workspaceId: workspace.id.rawValue, currency: workspace.currency.code, balance: balance.minorUnits,
                entries: entries.map(EntryResponse.init)))
    }
}
