import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import Foundation
import Hummingbird

/// Paying invoices (`/invoices/{id}/payments`, `/refresh`), voiding them (`/void`) and auto-pay mandates
/// (`/workspaces/{id}/mandates`); credit notes are the `CorrectionsController`'s.
struct PaymentsController {
    let database: Database
    let clock: BillingClock
    let payments: PaymentService
    let wallet: WalletService
    let autoPay: AutoPayService

    /// `billing` holds what a workspace's owners and admins may do for their own invoices: pay and refresh.
    func addRoutes(to group: RouterGroup<BillfoldRequestContext>, billing: RouterGroup<BillfoldRequestContext>) {
        billing.post("invoices/:id/payments", use: self.pay)
        billing.post("invoices/:id/refresh", use: self.refresh)
        group.post("invoices/:id/void", use: self.void)
        group.post("workspaces/:id/mandates", use: self.registerMandate)
        group.get("workspaces/:id/mandates", use: self.listMandates)
    }

    struct PayBody: Decodable {
        /// `gateway`, `wallet` or `bank_transfer`.
        var method: String?
        /// Minor units; the amount due when left out (`bank_transfer` must say it).
        var amount: Int64?
        /// The bank's reference, for `bank_transfer`.
        var reference: String?
    }

    struct CheckoutResponse: Encodable {
        let provider: String
        let keyId: String
        let orderId: String
        let amount: Int64
        let currency: String
        /// Where to send the payer's browser: the checkout page for this attempt.
        let url: String
    }

    struct PaymentResultResponse: Encodable {
        let object = "payment_result"
        let payment: InvoiceResponse.PaymentResponse
        let checkout: CheckoutResponse?
        let invoice: InvoiceResponse

        private enum CodingKeys: String, CodingKey {
            case object, payment, checkout, invoice
        }
    }

    /// Pays an open invoice: `gateway` starts (or returns the one in flight) a checkout, `wallet` pays from the
    /// balance at once, `bank_transfer` records money the operator received.
    @Sendable func pay(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let body = try await JSONCoding.decode(PayBody.self, from: request, context: context)
        let method = try Validate.text(body.method, param: "method", maximumLength: 20)
        let amount = try body.amount.map { value in
            guard value > 0 else { throw APIError.invalid("amount", "amount must be more than zero") }
            return Money(minorUnits: try Validate.amount(value, param: "amount"), currency: invoice.currency)
        }
        switch method {
        case "gateway":
            let checkout = try await self.payments.payThroughGateway(invoice.id, amount: amount, actor: context.actor)
            return try JSONCoding.response(
                self.result(checkout.payment, invoice: checkout.invoice, checkout: checkout),
                status: checkout.isNew ? .created : .ok)
        case "wallet":
            guard amount == nil else {
                throw APIError.invalid(
                    "amount", "a wallet pays what its balance covers of the amount due; leave amount out")
            }
            let paid = try await self.wallet.pay(invoice.id, actor: context.actor)
            return try JSONCoding.response(self.result(paid.payments.last, invoice: paid), status: .created)
        case "bank_transfer":
            guard context.memberWorkspace == nil else {
                throw APIError(
                    .forbidden, .permission, code: "operator_key_required",
                    message: "only the operator records bank transfers; pay with method gateway or wallet")
            }
            guard let amount else { throw APIError.missing("amount") }
            let reference = try Validate.text(body.reference, param: "reference", maximumLength: 100)
            let paid = try await self.payments.invoices.recordPayment(
                on: invoice.id, amount: amount, method: .bankTransfer, provider: "manual", reference: reference,
                actor: context.actor)
            return try JSONCoding.response(self.result(paid.payments.last, invoice: paid), status: .created)
        default:
            throw APIError.invalid("method", "method must be gateway, wallet or bank_transfer, not \(method)")
        }
    }

    private func result(
        _ payment: Payment?, invoice: Invoice, checkout: PaymentService.Checkout? = nil
    ) throws -> PaymentResultResponse {
        guard let payment else { throw APIError.notFound("payment", id: invoice.id.rawValue) }
        return PaymentResultResponse(
            payment: InvoiceResponse.PaymentResponse(payment),
            checkout: checkout.map(CheckoutResponse.init),
            invoice: InvoiceResponse(invoice, today: self.clock.today))
    }

    /// Asks the gateway about every attempt still processing and settles it; a missed webhook is caught here.
    @Sendable func refresh(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let refreshed = try await self.payments.refresh(invoice.id, actor: context.actor)
        return try await InvoicesController.detail(refreshed, database: self.database, today: self.clock.today)
    }

    struct VoidBody: Decodable {
        var reason: String?
    }

    struct CorrectionResponse: Encodable {
        let object = "invoice_correction"
        let invoice: InvoiceResponse
        let creditNote: InvoiceResponse?
        let refunds: [InvoiceResponse.RefundResponse]

        private enum CodingKeys: String, CodingKey {
            case object, invoice, creditNote, refunds
        }
    }

    /// Cancels a draft, or an open invoice with nothing paid (a credit note for its full value is issued with it).
    @Sendable func void(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let body = try await JSONCoding.decode(VoidBody.self, from: request, context: context)
        let reason = try Validate.text(body.reason, param: "reason", maximumLength: 200)
        let (cancelled, creditNote) = try await self.payments.invoices.cancel(
            invoice.id, reason: reason, actor: context.actor)
        let today = self.clock.today
        return try JSONCoding.response(
            CorrectionResponse(
                invoice: InvoiceResponse(cancelled, today: today),
                creditNote: creditNote.map { InvoiceResponse($0, today: today) }, refunds: []))
    }

    struct MandateBody: Decodable {
        /// The most one debit may take, in minor units.
        var maxAmount: Int64?
    }

    struct MandateResponse: Encodable {
        let object = "mandate"
        let id: String
        let workspaceId: String
        let provider: String
        let status: String
        let maxAmount: Int64
        let currency: String
        let tokenId: String?
        let authorisationOrderId: String
        let expiresAt: String
        let createdAt: String
        /// Where the payer authorises it, while it is pending.
        let checkoutUrl: String?

        init(_ mandate: Mandate) {
            self.id = mandate.id.rawValue
            self.workspaceId = mandate.workspaceID.rawValue
            self.provider = mandate.provider
            self.status = mandate.status.rawValue
            self.maxAmount = mandate.maxAmount.minorUnits
            self.currency = mandate.maxAmount.currency.code
            self.tokenId = mandate.tokenID
            self.authorisationOrderId = mandate.authorisationOrderID
            self.expiresAt = Timestamp.string(mandate.expiresAt)
            self.createdAt = Timestamp.string(mandate.createdAt)
            self.checkoutUrl = mandate.status == .pending ? CheckoutController.pagePath(for: mandate.id) : nil
        }

        private enum CodingKeys: String, CodingKey {
            case object, id, workspaceId, provider, status, maxAmount, currency, tokenId, authorisationOrderId
            case expiresAt, createdAt, checkoutUrl
        }
    }

    struct MandateListResponse: Encodable {
        let object = "list"
        let data: [MandateResponse]

        private enum CodingKeys: String, CodingKey {
            case object, data
        }
    }

    /// Starts an auto-pay mandate: the payer authorises ₹1 (refunded) at the returned checkout URL.
    @Sendable func registerMandate(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let body = try await JSONCoding.decode(MandateBody.self, from: request, context: context)
        let maxAmount = try Validate.amount(
            body.maxAmount ?? AutoPayService.additionalAuthenticationAbove, param: "max_amount")
        guard maxAmount >= AutoPayService.authorisationAmount else {
            throw APIError.invalid("max_amount", "max_amount must be at least 100 (₹1)")
        }
        let setup = try await self.autoPay.registerMandate(
            for: workspace.id, maxAmount: Money(minorUnits: maxAmount, currency: workspace.currency),
            actor: context.actor)
        return try JSONCoding.response(MandateResponse(setup.mandate), status: .created)
    }

    @Sendable func listMandates(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await WorkspacesController.workspace(in: context, from: self.database)
        let mandates = try await self.database.store.mandates.list(for: workspace.id)
        return try JSONCoding.response(MandateListResponse(data: mandates.map(MandateResponse.init)))
    }
}

extension PaymentsController.CheckoutResponse {
    init(_ checkout: PaymentService.Checkout) {
        self.init(
            provider: checkout.payment.provider, keyId: checkout.keyID, orderId: checkout.orderID,
            amount: checkout.payment.amount.minorUnits, currency: checkout.payment.amount.currency.code,
            url: CheckoutController.pagePath(for: checkout.payment.id))
    }
}

extension InvoiceResponse.PaymentResponse {
    init(_ payment: Payment) {
        self.init(
            id: payment.id.rawValue, invoiceId: payment.invoiceID.rawValue, method: payment.method.rawValue,
            provider: payment.provider, status: payment.status.rawValue, amount: payment.amount.minorUnits,
            currency: payment.amount.currency.code, reference: payment.reference,
            failureReason: payment.failureReason, gatewayOrderId: payment.gatewayOrderID,
            createdAt: Timestamp.string(payment.createdAt), paidAt: payment.paidAt.map(Timestamp.string))
    }
}
