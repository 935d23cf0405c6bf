import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/workspaces/{id}/wallet`: a prepaid wallet's balance and ledger, and top-ups the operator records.
struct WalletController {
    let database: Database
    let clock: BillingClock
    let payments: PaymentService
    let wallet: WalletService

    /// `billing` holds the routes a workspace's owners and admins may call too, for their own workspace.
    func addRoutes(to group: RouterGroup<BillfoldRequestContext>, billing: RouterGroup<BillfoldRequestContext>) {
        billing.get("workspaces/:id/wallet", use: self.get)
        group.post("workspaces/:id/wallet/top_ups", use: self.topUp)
    }

    struct EntryResponse: Encodable {
        let id: String
        let amount: Int64
        let currency: String
        let reason: String
        let invoiceId: String?
        let description: String
        let createdAt: String

        init(_ entry: WalletEntry) {
            self.id = entry.id.rawValue
            self.amount = entry.amount.minorUnits
            self.currency = entry.amount.currency.code
            self.reason = entry.reason.rawValue
            self.invoiceId = entry.invoiceID?.rawValue
            self.description = entry.description
            self.createdAt = Timestamp.string(entry.createdAt)
        }
    }

    struct WalletResponse: Encodable {
        let object = "wallet"
        let workspaceId: String
        let currency: String
        let balance: Int64
        /// The newest entries, newest first.
        let entries: [EntryResponse]

        private enum CodingKeys: String, CodingKey {
            case object, workspaceId, currency, balance, entries
        }
    }

    /// The balance (the sum of the ledger) and the newest entries: `limit` of them, 25 by default.
    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let limit = try Validate.limit(request.uri.queryParameters["limit"].map(String.init))
        let store = self.database.store
        let balance = try await store.wallet.balance(of: workspace.id, in: workspace.currency)
        let entries = try await store.wallet.entries(of: workspace.id, limit: limit)
        return try JSONCoding.response(
            WalletResponse(
                workspaceId: workspace.id.rawValue, currency: workspace.currency.code, balance: balance.minorUnits,
                entries: entries.map(EntryResponse.init)))
    }

    struct TopUpBody: Decodable {
        var amount: Int64?
        var currency: String?
        /// How the money arrived: `bank_transfer` (the default), `upi`, `card` or `netbanking`; or `gateway`, to
        /// take it through the payment gateway: the receipt is issued when the payment is captured.
        var method: String?
        /// The bank's or the gateway's reference, printed on the receipt.
        var reference: String?
    }

    struct TopUpResponse: Encodable {
        let object = "wallet_top_up"
        let workspaceId: String
        let balance: Int64
        /// `succeeded` when recorded, `processing` while the gateway's checkout waits for the payer.
        let status: String
        let receipt: InvoiceResponse
        let checkout: PaymentsController.CheckoutResponse?

        private enum CodingKeys: String, CodingKey {
            case object, workspaceId, balance, status, receipt, checkout
        }
    }

    /// Records money received into the wallet: a paid receipt is issued and the balance grows, in one transaction.
    @Sendable func topUp(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let body = try await JSONCoding.decode(TopUpBody.self, from: request, context: context)
        let amount = try Validate.amount(body.amount, param: "amount")
        guard amount > 0 else { throw APIError.invalid("amount", "amount must be more than zero") }
        let currency = try body.currency.map { try Validate.currency($0, param: "currency") } ?? workspace.currency
        guard currency == workspace.currency else {
            throw APIError.invalid(
                "currency", "the wallet of \(workspace.id) holds \(workspace.currency.code), not \(currency.code)")
        }
        let method: PaymentMethod =
            try body.method.map { try Validate.enumeration($0, param: "method") }
            ?? .bankTransfer
        guard method != .wallet else {
            throw APIError.invalid("method", "a wallet cannot be topped up from itself")
        }
        let reference = try body.reference.map { try Validate.text($0, param: "reference", maximumLength: 100) }
        if method == .gateway {
            let checkout = try await self.payments.topUpThroughGateway(
                workspace.id, amount: Money(minorUnits: amount, currency: currency), actor: context.actor)
            let balance = try await self.database.store.wallet.balance(of: workspace.id, in: currency)
            return try JSONCoding.response(
                TopUpResponse(
                    workspaceId: workspace.id.rawValue, balance: balance.minorUnits, status: "processing",
                    receipt: InvoiceResponse(checkout.invoice, today: self.clock.today),
                    checkout: PaymentsController.CheckoutResponse(checkout)),
                status: .created)
        }
        let receipt = try await self.wallet.topUp(
            workspace.id, amount: Money(minorUnits: amount, currency: currency), method: method,
            reference: reference, actor: context.actor)
        let balance = try await self.database.store.wallet.balance(of: workspace.id, in: currency)
        return try JSONCoding.response(
            TopUpResponse(
                workspaceId: workspace.id.rawValue, balance: balance.minorUnits, status: "succeeded",
                receipt: InvoiceResponse(receipt, today: self.clock.today), checkout: nil),
            status: .created)
    }
}
