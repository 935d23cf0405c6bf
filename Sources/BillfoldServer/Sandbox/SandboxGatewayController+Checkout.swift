import BillfoldCore
import BillfoldPayments
import Foundation
import HTTPTypes
import Hummingbird

/// The sandbox's hosted checkout: the page a payer sees instead of Razorpay Checkout, and the form post back to the
/// merchant's `callback_url` with exactly the fields Razorpay Checkout posts.
extension SandboxGatewayController {
    /// What `sandbox-checkout.mustache` shows: one of the three parts.
    struct CheckoutPage: PageView {
        static let template = "sandbox-checkout"

        var checkout: CheckoutView?
        var problem: ProblemView?
        var result: ResultView?
    }

    struct CheckoutView {
        struct Method {
            let value: String
            let label: String
            let checked: Bool
        }

        struct Mandate {
            let maxAmount: String
            let frequency: String
            let expires: String
        }

        let orderID: String
        let amount: String
        let receipt: String?
        let merchant: String
        let keyID: String
        let callbackURL: String
        let isRetry: Bool
        let mandate: Mandate?
        let methods: [Method]
    }

    struct ProblemView {
        let heading: String
        let message: String
    }

    struct ResultView {
        let succeeded: Bool
        let heading: String
        let message: String
        let paymentID: String
        let orderID: String
        /// The merchant's page the fields are posted to; `nil` when checkout was opened without one.
        let callbackURL: String?
        let fields: [SandboxFormField]
    }

    /// The form `POST checkout` takes; every field is checked by hand so a bad one gets a page, not a 500.
    private struct CheckoutForm: Decodable {
        var orderID: String?
        var callbackURL: String?
        var method: String?
        var outcome: String?

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
            case callbackURL = "callback_url"
            case method
            case outcome
        }
    }

    static let methodLabels = ["upi": "UPI", "card": "Card", "netbanking": "Net banking", "wallet": "Wallet"]

    /// `GET checkout?order_id=…&callback_url=…`.
    @Sendable func showCheckout(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let callbackURL = query.get("callback_url") ?? ""
        if let refusal = self.refusal(orderID: query.get("order_id"), callbackURL: callbackURL) { return refusal }
        let orderID = query.get("order_id") ?? ""
        guard let order = await self.sandbox.order(orderID) else {
            return try self.problem(.notFound, "No such order", "The sandbox has no order \(orderID).")
        }
        guard order.order.status != .paid else {
            return try self.problem(.conflict, "Already paid", "Order \(orderID) has been paid; nothing is due.")
        }
        let view = CheckoutView(
            orderID: orderID, amount: Self.rupees(order.order.amount, currency: order.order.currency),
            receipt: order.order.receipt, merchant: self.sandbox.accountID, keyID: self.sandbox.keyID,
            callbackURL: callbackURL, isRetry: order.order.attempts > 0,
            mandate: order.mandate.map { mandate in
                CheckoutView.Mandate(
                    maxAmount: Self.rupees(mandate.maxAmount, currency: order.order.currency),
                    frequency: mandate.frequency.replacingOccurrences(of: "_", with: " "),
                    expires: CalendarDate(
                        Date(timeIntervalSince1970: TimeInterval(mandate.expireAt)), in: Self.indiaTimeZone
                    ).printed)
            },
            methods: SandboxRazorpay.checkoutMethods.enumerated().map { index, method in
                CheckoutView.Method(value: method, label: Self.methodLabels[method] ?? method, checked: index == 0)
            })
        return try self.page(.ok, CheckoutPage(checkout: view))
    }

    /// `POST checkout` (form: `order_id`, `callback_url`, `method`, `outcome` = `pay` | `decline`).
    @Sendable func completeCheckout(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let buffer = try? await request.body.collect(upTo: 1 << 16)
        guard let buffer,
            let form = try? URLEncodedFormDecoder().decode(CheckoutForm.self, from: String(buffer: buffer))
        else { return try self.problem(.badRequest, "Checkout failed", "The checkout form could not be read.") }
        let callbackURL = form.callbackURL ?? ""
        if let refusal = self.refusal(orderID: form.orderID, callbackURL: callbackURL) { return refusal }
        let orderID = form.orderID ?? ""
        guard let method = form.method, Self.methodLabels[method] != nil else {
            return try self.problem(.badRequest, "Choose a payment method", "Pick UPI, card, net banking or wallet.")
        }
        guard form.outcome == "pay" || form.outcome == "decline" else {
            return try self.problem(.badRequest, "Checkout failed", "Choose Pay or Decline.")
        }
        let result: SandboxCheckoutResult
        do throws(SandboxError) {
            result =
                form.outcome == "pay"
                ? try await self.sandbox.capture(orderID: orderID, method: method)
                : try await self.sandbox.fail(orderID: orderID, method: method)
        } catch {
            return try self.problem(
                HTTPResponse.Status(code: error.status == 404 ? 404 : 409), "Checkout failed", error.body.description)
        }
        let amount = Self.rupees(result.payment.amount, currency: result.payment.currency)
        let label = Self.methodLabels[method] ?? method
        let succeeded = result.payment.status == .captured
        let view = ResultView(
            succeeded: succeeded, heading: succeeded ? "Payment successful" : "Payment declined",
            message: succeeded
                ? "\(amount) paid by \(label) (sandbox: no real money moved)."
                : "The \(label) payment of \(amount) was declined; the order can be paid again.",
            paymentID: result.payment.id, orderID: orderID, callbackURL: callbackURL.isEmpty ? nil : callbackURL,
            fields: result.callbackFields)
        return try self.page(.ok, CheckoutPage(result: view))
    }

    // MARK: - Pages

    /// A page for a missing order id or a `callback_url` that is not an http(s) URL; `nil` when both are fine.
    private func refusal(orderID: String?, callbackURL: String) -> Response? {
        guard let orderID, !orderID.isEmpty else {
            return try? self.problem(.badRequest, "No order", "The checkout link names no order (order_id).")
        }
        guard callbackURL.isEmpty || Self.isAllowedCallback(callbackURL) else {
            return try? self.problem(
                .badRequest, "Bad callback URL",
                "callback_url must be an http or https URL; it was \(callbackURL).")
        }
        return nil
    }

    /// Only an absolute http(s) URL with a host and nothing a browser would read differently.
    static func isAllowedCallback(_ value: String) -> Bool {
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return !value.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" }
    }

    private func problem(_ status: HTTPResponse.Status, _ heading: String, _ message: String) throws -> Response {
        try self.page(status, CheckoutPage(problem: ProblemView(heading: heading, message: message)))
    }

    private func page(_ status: HTTPResponse.Status, _ page: CheckoutPage) throws -> Response {
        var response = try self.templates.page(page, status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static let indiaTimeZone = TimeZone(identifier: "Asia/Kolkata") ?? .gmt

    /// `₹1,234.50` for 123450 paise.
    static func rupees(_ minorUnits: Int64, currency: String) -> String {
        Money(minorUnits: minorUnits, currency: Currency.named(currency) ?? .inr).formatted()
    }
}
