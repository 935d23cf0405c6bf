import BillfoldEngine
import BillfoldPayments
import Foundation
import Hummingbird

/// `POST /api/v1/webhooks/razorpay`: the gateway's events, with no key or session; an event is trusted only when
/// its signature verifies on the raw body, and applied once per `x-razorpay-event-id`.
struct RazorpayWebhookController {
    let payments: PaymentService

    func addRoutes(to router: Router<BillfoldRequestContext>) {
        router.post("api/v1/webhooks/razorpay", use: self.receive)
    }

    @Sendable func receive(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        guard self.payments.takesOnlinePayments else {
            throw APIError.onlinePaymentsNotConfigured("a Razorpay webhook")
        }
        let body = try await JSONCoding.collect(request, upTo: 1 << 20)
        let result = try await self.payments.receiveWebhook(
            body: Array(buffer: body), signature: request.headers[.init(RazorpayWebhook.signatureHeader)!],
            eventID: request.headers[.init(RazorpayWebhook.eventIDHeader)!])
        return try JSONCoding.response(["status": result.rawValue])
    }
}
