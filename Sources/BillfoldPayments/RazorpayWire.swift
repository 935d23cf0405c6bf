import Foundation

/// Razorpay's JSON, field for field as its API documents it: what the adapter decodes and the sandbox encodes.
/// Coded with `JSONEncoder`/`JSONDecoder` using `.convertToSnakeCase` / `.convertFromSnakeCase`.
public enum RazorpayWire {
    /// The coders both sides use.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// `{"error": {...}}`.
    public struct ErrorEnvelope: Codable, Sendable {
        public var error: ErrorBody

        public init(error: ErrorBody) { self.error = error }
    }

    public struct ErrorBody: Codable, Sendable {
        /// `BAD_REQUEST_ERROR`, `GATEWAY_ERROR`, `SERVER_ERROR`.
        public var code: String
        public var description: String
        public var field: String?
        public var source: String?
        public var step: String?
        public var reason: String?
        public var metadata: [String: String]?

        public init(
            code: String, description: String, field: String? = nil, source: String? = nil, step: String? = nil,
            reason: String? = nil, metadata: [String: String]? = nil
        ) {
            self.code = code
            self.description = description
            self.field = field
            self.source = source
            self.step = step
            self.reason = reason
            self.metadata = metadata
        }
    }

    /// A collection: `{"entity": "collection", "count", "items": [...]}`.
    public struct Collection<Item: Codable & Sendable>: Codable, Sendable {
        public var entity: String
        public var count: Int
        public var items: [Item]

        public init(items: [Item]) {
            self.entity = "collection"
            self.count = items.count
            self.items = items
        }
    }

    public struct TokenRequest: Codable, Sendable {
        public var maxAmount: Int64
        public var expireAt: Int64
        public var frequency: String

        public init(maxAmount: Int64, expireAt: Int64, frequency: String) {
            self.maxAmount = maxAmount
            self.expireAt = expireAt
            self.frequency = frequency
        }
    }

    /// The body of `POST /v1/orders`.
    public struct OrderRequest: Codable, Sendable {
        public var amount: Int64
        public var currency: String
        public var receipt: String?
        public var notes: [String: String]?
        public var customerId: String?
        public var method: String?
        public var token: TokenRequest?

        public init(
            amount: Int64, currency: String, receipt: String?, notes: [String: String]?, customerId: String?,
            method: String?, token: TokenRequest?
        ) {
            self.amount = amount
            self.currency = currency
            self.receipt = receipt
            self.notes = notes
            self.customerId = customerId
            self.method = method
            self.token = token
        }
    }

    public struct Order: Codable, Sendable {
        public var id: String
        public var entity: String
        public var amount: Int64
        public var amountPaid: Int64
        public var amountDue: Int64
        public var currency: String
        public var receipt: String?
        public var status: String
        public var attempts: Int
        /// Razorpay sends `[]` for no notes and an object otherwise; see `Notes`.
        public var notes: Notes
        public var createdAt: Int64

        public init(_ order: GatewayOrder) {
            self.id = order.id
            self.entity = "order"
            self.amount = order.amount
            self.amountPaid = order.amountPaid
            self.amountDue = order.amountDue
            self.currency = order.currency
            self.receipt = order.receipt
            self.status = order.status.rawValue
            self.attempts = order.attempts
            self.notes = Notes(order.notes)
            self.createdAt = order.createdAt
        }

        public func domain() throws(GatewayError) -> GatewayOrder {
            guard let status = GatewayOrder.Status(rawValue: self.status) else {
                throw .invalidResponse("order \(self.id) has status \(self.status)")
            }
            return GatewayOrder(
                id: self.id, amount: self.amount, amountPaid: self.amountPaid, amountDue: self.amountDue,
                currency: self.currency, receipt: self.receipt, status: status, attempts: self.attempts,
                notes: self.notes.values, createdAt: self.createdAt)
        }
    }

    public struct Payment: Codable, Sendable {
        public var id: String
        public var entity: String
        public var amount: Int64
        public var currency: String
        public var status: String
        public var orderId: String?
        public var method: String?
        public var amountRefunded: Int64
        public var captured: Bool
        public var email: String?
        public var contact: String?
        public var customerId: String?
        public var tokenId: String?
        public var errorCode: String?
        public var errorDescription: String?
        public var errorReason: String?
        public var notes: Notes
        public var createdAt: Int64

        public init(_ payment: GatewayPayment, email: String? = nil, contact: String? = nil) {
            self.id = payment.id
            self.entity = "payment"
            self.amount = payment.amount
            self.currency = payment.currency
            self.status = payment.status.rawValue
            self.orderId = payment.orderID
            self.method = payment.method
            self.amountRefunded = payment.amountRefunded
            self.captured = payment.status == .captured || payment.status == .refunded
            self.email = email
            self.contact = contact
            self.customerId = payment.customerID
            self.tokenId = payment.tokenID
            self.errorCode = payment.errorCode
            self.errorDescription = payment.errorDescription
            self.errorReason = nil
            self.notes = Notes([:])
            self.createdAt = payment.createdAt
        }

        public func domain() throws(GatewayError) -> GatewayPayment {
            guard let status = GatewayPayment.Status(rawValue: self.status) else {
                throw .invalidResponse("payment \(self.id) has status \(self.status)")
            }
            return GatewayPayment(
                id: self.id, orderID: self.orderId, amount: self.amount, currency: self.currency, status: status,
                method: self.method, amountRefunded: self.amountRefunded, errorCode: self.errorCode,
                errorDescription: self.errorDescription, customerID: self.customerId, tokenID: self.tokenId,
                createdAt: self.createdAt)
        }
    }

    /// The body of `POST /v1/payments/{id}/refund`.
    public struct RefundRequest: Codable, Sendable {
        public var amount: Int64?
        public var speed: String
        public var receipt: String?
        public var notes: [String: String]?

        public init(amount: Int64?, speed: String = "normal", receipt: String?, notes: [String: String]?) {
            self.amount = amount
            self.speed = speed
            self.receipt = receipt
            self.notes = notes
        }
    }

    public struct Refund: Codable, Sendable {
        public var id: String
        public var entity: String
        public var amount: Int64
        public var currency: String
        public var paymentId: String
        public var receipt: String?
        public var status: String
        public var speedRequested: String?
        public var notes: Notes
        public var createdAt: Int64

        public init(_ refund: GatewayRefund) {
            self.id = refund.id
            self.entity = "refund"
            self.amount = refund.amount
            self.currency = refund.currency
            self.paymentId = refund.paymentID
            self.receipt = refund.receipt
            self.status = refund.status.rawValue
            self.speedRequested = "normal"
            self.notes = Notes([:])
            self.createdAt = refund.createdAt
        }

        public func domain() throws(GatewayError) -> GatewayRefund {
            guard let status = GatewayRefund.Status(rawValue: self.status) else {
                throw .invalidResponse("refund \(self.id) has status \(self.status)")
            }
            return GatewayRefund(
                id: self.id, paymentID: self.paymentId, amount: self.amount, currency: self.currency, status: status,
                receipt: self.receipt, createdAt: self.createdAt)
        }
    }

    /// The body of `POST /v1/customers`.
    public struct CustomerRequest: Codable, Sendable {
        public var name: String
        public var email: String
        public var contact: String?
        /// `"0"`: answer with the existing customer instead of an error.
        public var failExisting: String
        public var notes: [String: String]?

        public init(name: String, email: String, contact: String?, notes: [String: String]?) {
            self.name = name
            self.email = email
            self.contact = contact
            self.failExisting = "0"
            self.notes = notes
        }
    }

    public struct Customer: Codable, Sendable {
        public var id: String
        public var entity: String
        public var name: String
        public var email: String
        public var contact: String?
        public var createdAt: Int64

        public init(id: String, name: String, email: String, contact: String?, createdAt: Int64) {
            self.id = id
            self.entity = "customer"
            self.name = name
            self.email = email
            self.contact = contact
            self.createdAt = createdAt
        }

        public func domain() -> GatewayCustomer {
            GatewayCustomer(id: self.id, name: self.name, email: self.email)
        }
    }

    public struct RecurringDetails: Codable, Sendable {
        public var status: String
        public var failureReason: String?

        public init(status: String, failureReason: String?) {
            self.status = status
            self.failureReason = failureReason
        }
    }

    public struct Token: Codable, Sendable {
        public var id: String
        public var entity: String
        public var customerId: String?
        public var method: String?
        public var recurring: Bool
        public var recurringDetails: RecurringDetails
        public var maxAmount: Int64?
        public var expiredAt: Int64?
        public var createdAt: Int64

        public init(_ token: GatewayToken, createdAt: Int64) {
            self.id = token.id
            self.entity = "token"
            self.customerId = token.customerID
            self.method = token.method
            self.recurring = true
            self.recurringDetails = RecurringDetails(status: token.status.rawValue, failureReason: nil)
            self.maxAmount = token.maxAmount
            self.expiredAt = token.expiredAt
            self.createdAt = createdAt
        }

        public func domain() throws(GatewayError) -> GatewayToken {
            guard let status = GatewayToken.Status(rawValue: self.recurringDetails.status) else {
                throw .invalidResponse("token \(self.id) has status \(self.recurringDetails.status)")
            }
            return GatewayToken(
                id: self.id, customerID: self.customerId, method: self.method, status: status,
                maxAmount: self.maxAmount, expiredAt: self.expiredAt)
        }
    }

    /// The body of `POST /v1/payments/create/recurring`.
    public struct RecurringRequest: Codable, Sendable {
        public var email: String
        public var contact: String?
        public var amount: Int64
        public var currency: String
        public var orderId: String
        public var customerId: String
        public var token: String
        public var recurring: Bool
        public var description: String?
        public var notes: [String: String]?

        public init(_ request: RecurringChargeRequest) {
            self.email = request.email
            self.contact = request.contact
            self.amount = request.amount
            self.currency = request.currency
            self.orderId = request.orderID
            self.customerId = request.customerID
            self.token = request.tokenID
            self.recurring = true
            self.description = request.description
            self.notes = request.notes.isEmpty ? nil : request.notes
        }
    }

    /// What `POST /v1/payments/create/recurring` answers, and what Checkout hands the callback.
    public struct CheckoutResult: Codable, Sendable {
        public var razorpayPaymentId: String
        public var razorpayOrderId: String
        public var razorpaySignature: String?

        public init(razorpayPaymentId: String, razorpayOrderId: String, razorpaySignature: String?) {
            self.razorpayPaymentId = razorpayPaymentId
            self.razorpayOrderId = razorpayOrderId
            self.razorpaySignature = razorpaySignature
        }
    }

    /// A webhook: `{entity: "event", account_id, event, contains, payload: {payment: {entity}, …}, created_at}`.
    public struct Event: Codable, Sendable {
        public var entity: String
        public var accountId: String?
        public var event: String
        public var contains: [String]
        public var payload: Payload
        public var createdAt: Int64

        public init(accountId: String?, event: String, payload: Payload, createdAt: Int64) {
            self.entity = "event"
            self.accountId = accountId
            self.event = event
            var contains: [String] = []
            if payload.payment != nil { contains.append("payment") }
            if payload.order != nil { contains.append("order") }
            if payload.refund != nil { contains.append("refund") }
            if payload.token != nil { contains.append("token") }
            self.contains = contains
            self.payload = payload
            self.createdAt = createdAt
        }

        /// The event in domain terms; `eventID` is the `x-razorpay-event-id` header.
        public func domain(eventID: String) throws(GatewayError) -> GatewayEvent {
            GatewayEvent(
                id: eventID, name: self.event, accountID: self.accountId,
                payment: try self.payload.payment?.entity.domain(), order: try self.payload.order?.entity.domain(),
                refund: try self.payload.refund?.entity.domain(), token: try self.payload.token?.entity.domain(),
                createdAt: self.createdAt)
        }
    }

    public struct Payload: Codable, Sendable {
        public var payment: Wrapped<Payment>?
        public var order: Wrapped<Order>?
        public var refund: Wrapped<Refund>?
        public var token: Wrapped<Token>?

        public init(
            payment: Payment? = nil, order: Order? = nil, refund: Refund? = nil, token: Token? = nil
        ) {
            self.payment = payment.map(Wrapped.init)
            self.order = order.map(Wrapped.init)
            self.refund = refund.map(Wrapped.init)
            self.token = token.map(Wrapped.init)
        }
    }

    /// `{"entity": {...}}`, as each payload member is wrapped.
    public struct Wrapped<Entity: Codable & Sendable>: Codable, Sendable {
        public var entity: Entity

        public init(_ entity: Entity) { self.entity = entity }
    }

    /// Razorpay's `notes`: an object of strings, or `[]` when there are none.
    public struct Notes: Codable, Sendable {
        public var values: [String: String]

        public init(_ values: [String: String]) { self.values = values }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let values = try? container.decode([String: String].self) {
                self.values = values
            } else if (try? container.decode([String].self)) != nil {
                self.values = [:]
            } else if container.decodeNil() {
                self.values = [:]
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "notes must be an object")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(self.values)
        }
    }
}
