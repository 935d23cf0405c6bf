import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import Foundation
import Hummingbird

/// Where payers' browsers go: the checkout page of an attempt or a mandate, and the callback Checkout posts back
/// to. Neither takes a session or a key: the checkout page shows only what the payer pays, and what comes back is
/// trusted only when its signature verifies.
struct CheckoutController {
    let database: Database
    let clock: BillingClock
    let payments: PaymentService
    let templates: PageTemplates
    let publicURL: String?

    func addRoutes(to router: Router<BillfoldRequestContext>) {
        router.get("portal/checkout/:id", use: self.page)
        router.post("portal/checkout/callback", use: self.callback)
    }

    /// Pay Now from a signed-in page: starts (or resumes) the attempt and sends the browser to checkout.
    func addPortalRoutes(to billing: RouterGroup<BillfoldRequestContext>) {
        billing.post("invoices/:id/pay", use: self.payNow)
    }

    @Sendable func payNow(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        guard self.payments.takesOnlinePayments else {
            // A page from before online payment was turned off: back to the invoice, which says how else to pay.
            return Redirect.to("/portal/invoices/\(invoice.id.rawValue)?payment=offline")
        }
        let checkout = try await self.payments.payThroughGateway(invoice.id, amount: nil, actor: context.actor)
        return Redirect.to(Self.pagePath(for: checkout.payment.id))
    }

    /// The page that opens checkout for an attempt (`pay_…`) or a mandate (`mdt_…`).
    static func pagePath(for id: some PrefixedIdentifier) -> String { "/portal/checkout/\(id.rawValue)" }

    /// What the checkout template shows and Razorpay Checkout is opened with.
    struct CheckoutView: PageView {
        static let template = "checkout"

        let keyID: String
        let orderID: String
        let amount: Int64
        let amountText: String
        let currency: String
        let merchant: String
        let description: String
        let callbackURL: String
        let customerID: String?
        let email: String
        let isRecurring: Bool
    }

    @Sendable func page(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        guard let gateway = self.payments.gateway else { throw APIError.onlinePaymentsNotConfigured("a checkout page") }
        let store = self.database.store
        let supplier = try await store.supplier.find()
        let view: CheckoutView
        if let id = PaymentID(validating: raw), let attempt = try await store.payments.find(id),
            let invoice = try await store.invoices.find(attempt.invoiceID)
        {
            guard attempt.status == .processing, let orderID = attempt.gatewayOrderID else {
                return Redirect.to(
                    "/portal/invoices/\(invoice.id.rawValue)?payment=\(attempt.status.rawValue)")
            }
            view = CheckoutView(
                keyID: gateway.checkout.keyID, orderID: orderID, amount: attempt.amount.minorUnits,
                amountText: attempt.amount.formatted(), currency: attempt.amount.currency.code,
                merchant: supplier?.legalName ?? "Billfold",
                description: invoice.number.map { "Invoice \($0)" } ?? invoice.description,
                callbackURL: self.callbackURL(request), customerID: nil, email: invoice.customer.email,
                isRecurring: false)
        } else if let id = MandateID(validating: raw), let mandate = try await store.mandates.find(id),
            let workspace = try await store.workspaces.find(mandate.workspaceID)
        {
            guard mandate.status == .pending else {
                throw APIError(
                    .conflict, .conflict, code: "invalid_state",
                    message: "mandate \(id) is already \(mandate.status.rawValue)")
            }
            let amount = Money(minorUnits: AutoPayService.authorisationAmount, currency: mandate.maxAmount.currency)
            view = CheckoutView(
                keyID: gateway.checkout.keyID, orderID: mandate.authorisationOrderID,
                amount: amount.minorUnits, amountText: amount.formatted(), currency: amount.currency.code,
                merchant: supplier?.legalName ?? "Billfold",
                description: "Auto-pay mandate up to \(mandate.maxAmount.formatted()) a debit (₹1 now, refunded)",
                callbackURL: self.callbackURL(request), customerID: mandate.customerID, email: workspace.email,
                isRecurring: true)
        } else {
            throw APIError.notFound("payment attempt or mandate", id: raw)
        }
        if let hosted = gateway.checkout.hostedCheckoutURL {
            return Redirect.to(
                hosted + "?" + Redirect.query(["order_id": view.orderID, "callback_url": view.callbackURL]))
        }
        return try self.templates.page(view)
    }

    struct CallbackForm: Decodable {
        var razorpayPaymentId: String?
        var razorpayOrderId: String?
        var razorpaySignature: String?
        var error: CallbackError?

        private enum CodingKeys: String, CodingKey {
            case razorpayPaymentId = "razorpay_payment_id"
            case razorpayOrderId = "razorpay_order_id"
            case razorpaySignature = "razorpay_signature"
            case error
        }
    }

    struct CallbackError: Decodable {
        var code: String?
        var description: String?
        var reason: String?
        var metadata: String?
    }

    /// Checkout posts its result here: on success the three signed fields, on failure `error[…]`.
    @Sendable func callback(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.collect(request, upTo: 64 * 1024)
        let text = String(buffer: body)
        let form: CallbackForm
        do {
            form = try Self.formDecoder.decode(CallbackForm.self, from: text)
        } catch {
            throw APIError.malformedJSON("the callback is not a form Checkout posts: \(error)")
        }
        let actor = "payer"
        if let paymentID = form.razorpayPaymentId, let orderID = form.razorpayOrderId,
            let signature = form.razorpaySignature
        {
            let completion = try await self.payments.completeCheckout(
                orderID: orderID, paymentID: paymentID, signature: signature, actor: actor)
            switch completion {
            case .invoice(let invoice):
                return Redirect.to(
                    "/portal/invoices/\(invoice.id.rawValue)?payment=\(invoice.state == .open ? "processing" : "succeeded")"
                )
            case .mandate(let mandate):
                return try JSONCoding.response(PaymentsController.MandateResponse(mandate))
            }
        }
        guard let error = form.error else { throw APIError.missing("razorpay_payment_id") }
        let orderID = error.metadata.flatMap(Self.orderID(fromMetadata:))
        if let orderID,
            let invoice = try await self.payments.failCheckout(
                orderID: orderID, reason: error.description ?? error.code ?? "payment failed", actor: actor)
        {
            // The browser's word is not the outcome: say what the gateway reported for this order.
            let status = invoice.payments.first { $0.gatewayOrderID == orderID }?.status ?? .failed
            return Redirect.to("/portal/invoices/\(invoice.id.rawValue)?payment=\(status.rawValue)")
        }
        throw APIError.invalid("error", error.description ?? "the payment failed", code: "payment_failed")
    }

    private func callbackURL(_ request: Request) -> String {
        let base = self.publicURL ?? "http://" + (request.head.authority ?? "127.0.0.1")
        return base + "/portal/checkout/callback"
    }

    private static let formDecoder = URLEncodedFormDecoder()

    private static func orderID(fromMetadata metadata: String) -> String? {
        guard let data = metadata.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["order_id"] as? String
    }
}
