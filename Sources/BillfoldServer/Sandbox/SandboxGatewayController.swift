import BillfoldCore
import BillfoldPayments
import Foundation
import HTTPTypes
import Hummingbird

/// Billfold's payment sandbox, mounted by the caller at `/sandbox/razorpay`: Razorpay's API under `v1/`, answered
/// in Razorpay's shapes (errors too, never Billfold's), and a hosted checkout page for people.
package struct SandboxGatewayController: Sendable {
    let sandbox: SandboxRazorpay
    let templates: PageTemplates

    package init(sandbox: SandboxRazorpay, templates: PageTemplates) {
        self.sandbox = sandbox
        self.templates = templates
    }

    package func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        let api = group.group("v1").add(middleware: SandboxAPIMiddleware(sandbox: self.sandbox))
        api.post("orders", use: self.createOrder)
        api.get("orders/:id", use: self.fetchOrder)
        api.get("orders/:id/payments", use: self.fetchPayments)
        api.post("payments/create/recurring", use: self.chargeRecurring)
        api.get("payments/:id", use: self.fetchPayment)
        api.post("payments/:id/refund", use: self.refund)
        api.get("payments/:id/refunds/:refund_id", use: self.fetchRefund)
        api.post("customers", use: self.createCustomer)
        api.get("customers/:id/tokens/:token_id", use: self.fetchToken)
        group.get("checkout", use: self.showCheckout)
        group.post("checkout", use: self.completeCheckout)
    }

    static let refundIdempotencyHeader = HTTPField.Name("X-Refund-Idempotency")!

    @Sendable func createOrder(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await Self.decode(RazorpayWire.OrderRequest.self, from: request, context: context)
        return try Self.json(await self.sandbox.createOrder(body))
    }

    @Sendable func fetchOrder(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try Self.json(await self.sandbox.fetchOrder(id: context.parameters.require("id")))
    }

    @Sendable func fetchPayments(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try Self.json(await self.sandbox.fetchPayments(orderID: context.parameters.require("id")))
    }

    @Sendable func fetchPayment(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try Self.json(await self.sandbox.fetchPayment(id: context.parameters.require("id")))
    }

    /// Razorpay defaults `speed` to normal and takes an empty body as "refund what is left".
    private struct RefundBody: Decodable {
        var amount: Int64?
        var speed: String?
        var receipt: String?
        var notes: [String: String]?
    }

    @Sendable func refund(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await Self.decode(RefundBody.self, from: request, context: context, emptyAs: "{}")
        let refund = try await self.sandbox.refund(
            paymentID: context.parameters.require("id"),
            RazorpayWire.RefundRequest(
                amount: body.amount, speed: body.speed ?? "normal", receipt: body.receipt, notes: body.notes),
            idempotencyKey: request.headers[Self.refundIdempotencyHeader])
        return try Self.json(refund)
    }

    @Sendable func fetchRefund(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try Self.json(
            await self.sandbox.fetchRefund(
                paymentID: context.parameters.require("id"), refundID: context.parameters.require("refund_id")))
    }

    /// Razorpay's `fail_existing` defaults to `"1"`: an existing email is an error unless asked otherwise.
    private struct CustomerBody: Decodable {
        var name: String?
        var email: String
        var contact: String?
        var failExisting: String?
        var notes: [String: String]?
    }

    @Sendable func createCustomer(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await Self.decode(CustomerBody.self, from: request, context: context)
        return try Self.json(
            await self.sandbox.createCustomer(
                name: body.name ?? "", email: body.email, contact: body.contact,
                failExisting: body.failExisting ?? "1", notes: body.notes))
    }

    @Sendable func fetchToken(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try Self.json(
            await self.sandbox.fetchToken(
                customerID: context.parameters.require("id"), tokenID: context.parameters.require("token_id")))
    }

    @Sendable func chargeRecurring(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await Self.decode(RazorpayWire.RecurringRequest.self, from: request, context: context)
        return try Self.json(await self.sandbox.chargeRecurring(body))
    }

    // MARK: - Coding

    /// The request body as `type`; every failure a Razorpay 400 (or 413 for a body over the context's limit).
    static func decode<Body: Decodable>(
        _ type: Body.Type, from request: Request, context: BillfoldRequestContext, emptyAs empty: String? = nil
    ) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            var tooLarge = SandboxError.badRequest("The request body is larger than \(context.maxUploadSize) bytes")
            tooLarge.status = 413
            throw tooLarge
        }
        let bytes = buffer.readableBytes == 0 ? Array((empty ?? "").utf8) : Array(buffer.readableBytesView)
        return try SandboxError.decode(type, from: bytes)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try RazorpayWire.encoder().encode(value))))
    }
}

/// Rate limits (the `rateLimitNextRequests` control), checks Basic auth, and answers every failure under `v1/` in
/// Razorpay's error shape, so nothing reaches Billfold's own error middleware.
struct SandboxAPIMiddleware: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let sandbox: SandboxRazorpay

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            guard await self.sandbox.admitRequest() else { throw SandboxError.rateLimited }
            guard self.sandbox.isAuthorized(authorization: request.headers[.authorization]) else {
                throw SandboxError.unauthorized
            }
            return try await next(request, context)
        } catch let error as SandboxError {
            return try Self.response(error)
        } catch let error as HTTPError {
            return try Self.response(
                SandboxError(
                    status: Int(error.status.code),
                    body: .init(code: "BAD_REQUEST_ERROR", description: error.body ?? error.status.reasonPhrase)))
        } catch {
            context.logger.error(
                "sandbox failed on \(request.method) \(request.uri.path): \(String(reflecting: error))")
            return try Self.response(
                SandboxError(
                    status: 500,
                    body: .init(code: "SERVER_ERROR", description: "The sandbox failed; the error is logged")))
        }
    }

    static func response(_ error: SandboxError) throws -> Response {
        var response = try SandboxGatewayController.json(
            error.envelope, status: HTTPResponse.Status(code: error.status))
        if error.status == 401 { response.headers[.wwwAuthenticate] = "Basic realm=\"Razorpay sandbox\"" }
        return response
    }
}
