/// A use case refused what was asked; the message says why and what to do.
package struct EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case notFound = "not_found"
        case invalidState = "invalid_state"
        case invalidAmount = "invalid_amount"
        case missingSupplier = "missing_supplier"
        /// The request names something that cannot be done as asked: a plan in another currency, a date
        /// outside the period.
        case invalidRequest = "invalid_request"
        /// One value breaks a rule; `param` names it: a start date more than a year away, a plan in another
        /// currency than the workspace's.
        case invalidField = "invalid_field"
        /// A plan or meter with that code exists already; codes are unique.
        case duplicateCode = "duplicate_code"
        /// The workspace has an active subscription; change it rather than subscribe again.
        case alreadySubscribed = "already_subscribed"
        /// Items of a batch break rules, each named in `problems`; nothing of the batch was stored.
        case invalidRecords = "invalid_records"
        /// A webhook or checkout callback whose signature does not verify.
        case invalidSignature = "invalid_signature"
        /// The payment gateway refused the request; the message carries its reason.
        case gatewayRefused = "gateway_refused"
        /// The payment gateway did not answer; nothing was charged, and trying again later is safe.
        case gatewayUnavailable = "gateway_unavailable"
        /// No payment gateway is configured (online payment is off): nothing can be paid, topped up or
        /// authorised through one. The wallet and recorded bank transfers still work.
        case onlinePaymentsNotConfigured = "online_payments_not_configured"
        /// A GST credit note past section 34(2)'s deadline; a commercial credit note is still possible.
        case deadlinePassed = "credit_note_deadline_passed"
        /// Secrets cannot be stored: the server was started without `BILLFOLD_MASTER_KEY`.
        case masterKeyNotConfigured = "master_key_not_configured"
    }

    /// One refused item of a batch: its position in the batch, the field at fault, and what is wrong.
    package struct Problem: Hashable, Sendable {
        package let index: Int
        /// The item's field, as the batch's items name it: `started_at`, `meter`.
        package let field: String
        package let message: String

        package init(index: Int, field: String, message: String) {
            self.index = index
            self.field = field
            self.message = message
        }
    }

    package let code: Code
    package let message: String
    /// The field of the request the refusal is about, when it is about one: `plan_id`, `code`.
    package let param: String?
    /// Every refused item, for a batch refused as a whole, in the batch's order.
    package let problems: [Problem]

    package init(_ code: Code, _ message: String, param: String? = nil, problems: [Problem] = []) {
        self.code = code
        self.message = message
        self.param = param
        self.problems = problems
    }

    package var description: String { self.message }
}
