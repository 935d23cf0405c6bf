/// A use case refused what was asked; the message says why and what to do.
public struct EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound = "not_found"
        case invalidState = "invalid_state"
        case invalidAmount = "invalid_amount"
        case missingSupplier = "missing_supplier"
        /// The request names something that cannot be done as asked: a plan in another currency, a date
        /// outside the period.
        case invalidRequest = "invalid_request"
        /// A webhook or checkout callback whose signature does not verify.
        case invalidSignature = "invalid_signature"
        /// The payment gateway refused the request; the message carries its reason.
        case gatewayRefused = "gateway_refused"
        /// The payment gateway did not answer; nothing was charged, and trying again later is safe.
        case gatewayUnavailable = "gateway_unavailable"
        /// No payment gateway is configured (online payment is off): nothing can be paid, topped up or
        /// authorised through one. The wallet and recorded bank transfers still work.
        case onlinePaymentsNotConfigured = "online_payments_not_configured"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}
