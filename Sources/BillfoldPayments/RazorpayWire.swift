import Foundation

/// Razorpay's JSON, field for field as its API documents it: what the adapter decodes and the sandbox encodes.
/// Coded with `JSONEncoder`/`JSONDecoder` using `.convertToSnakeCase` / `.convertFromSnakeCase`.
package enum RazorpayWire {
    /// The coders both sides use.
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// `{"error": {...}}`.
    package struct ErrorEnvelope: Codable, Sendable {
        package var error: ErrorBody

        package init(error: ErrorBody) { self.error = error }
    }

    package struct ErrorBody: Codable, Sendable {
        /// `BAD_REQUEST_ERROR`, `GATEWAY_ERROR`, `SERVER_ERROR`.
        package var code: String
        package var description: String
        package var field: String?
        package var source: String?
        package var step: String?
        package var reason: String?
        package var metadata: [String: String]?

        package init(
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
    package struct Collection<Item: Codable & Sendable>: Codable, Sendable {
        package var entity: String
        package var count: Int
        package var items: [Item]

        package init(items: [Item]) {
            self.entity = "collection"
            self.count = items.count
            self.items = items
        }
    }

    package struct TokenRequest: Codable, Sendable {
        package var maxAmount: Int64
        package var expireAt: Int64
        package var frequency: String

        package init(maxAmount: Int64, expireAt: Int64, frequency: String) {
            self.maxAmount = maxAmount
            self.expireAt = expireAt
            self.frequency = frequency
        }
    }

    /// The body of `POST /v1/orders`.
    package struct OrderRequest: Codable, Sendable {
        package var amount: Int64
        package var currency: String
        package var receipt: String?
        package var notes: [String: String]?
        package var customerId: String?
        package var method: String?
        package var token: TokenRequest?

        package init(
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

    package struct Order: Codable, Sendable {
        package var id: String
        package var entity: String
        package var amount: Int64
        package var amountPaid: Int64
        package var amountDue: Int64
        package var currency: String
        package var receipt: String?
        package var status: String
        package var attempts: Int
        /// Razorpay sends `[]` for no notes and an object otherwise; see `Notes`.
        package var notes: Notes
        package var createdAt: Int64

        package init(_ order: GatewayOrder) {
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

        package func domain() throws(GatewayError) -> GatewayOrder {
            guard let status = GatewayOrder.Status(rawValue: self.status) else {
                throw .invalidResponse("order \(self.id) has status \(self.status)")
            }
            return GatewayOrder(
                id: self.id, amount: self.amount, amountPaid: self.amountPaid, amountDue: self.amountDue,
                currency: self.currency, receipt: self.receipt, status: status, attempts: self.attempts,
                notes: self.notes.values, createdAt: self.createdAt)
        }
    }

    package struct Payment: Codable, Sendable {
        package var id: String
        package var entity: String
        package var amount: Int64
        package var currency: String
        package var status: String
        package var orderId: String?
        package var method: String?
        package var amountRefunded: Int64
        package var captured: Bool
        package var email: String?
        package var contact: String?
        package var customerId: String?
        package var tokenId: String?
        package var errorCode: String?
        package var errorDescription: String?
        package var errorReason: String?
        package var notes: Notes
        package var createdAt: Int64

        package init(_ payment: GatewayPayment, email: String? = nil, contact: String? = nil) {
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

        package func domain() throws(GatewayError) -> GatewayPayment {
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
    package struct RefundRequest: Codable, Sendable {
        package var amount: Int64?
        package var speed: String
        package var receipt: String?
        package var notes: [String: String]?

        package init(amount: Int64?, speed: String = "normal", receipt: String?, notes: [String: String]?) {
            self.amount = amount
            self.speed = speed
            self.receipt = receipt
            self.notes = notes
        }
    }

    package struct Refund: Codable, Sendable {
        package var id: String
        package var entity: String
        package var amount: Int64
        package var currency: String
        package var paymentId: String
        package var receipt: String?
        package var status: String
        package var speedRequested: String?
        package var notes: Notes
        package var createdAt: Int64

        package init(_ refund: GatewayRefund) {
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

        package func domain() throws(GatewayError) -> GatewayRefund {
            guard let status = GatewayRefund.Status(rawValue: self.status) else {
                throw .invalidResponse("refund \(self.id) has status \(self.status)")
            }
            return GatewayRefund(
                id: self.id, paymentID: self.paymentId, amount: self.amount, currency: self.currency, status: status,
                receipt: self.receipt, createdAt: self.createdAt)
        }
    }

    /// The body of `POST /v1/customers`.
    package struct CustomerRequest: Codable, Sendable {
        package var name: String
        package var email: String
        package var contact: String?
        /// `"0"`: answer with the existing customer instead of an error.
        package var failExisting: String
        package var notes: [String: String]?

        package init(name: String, email: String, contact: String?, notes: [String: String]?) {
            self.name = name
            self.email = email
            self.contact = contact
            self.failExisting = "0"
            self.notes = notes
        }
    }

    package struct Customer: Codable, Sendable {
        package var id: String
        package var entity: String
        package var name: String
        package var email: String
        package var contact: String?
        package var createdAt: Int64

        package init(id: String, name: String, email: String, contact: String?, createdAt: Int64) {
            self.id = id
            self.entity = "customer"
            self.name = name
            self.email = email
            self.contact = contact
            self.createdAt = createdAt
        }

        package func domain() -> GatewayCustomer {
            GatewayCustomer(id: self.id, name: self.name, email: self.email)
        }
    }

    package struct RecurringDetails: Codable, Sendable {
        package var status: String
        package var failureReason: String?

        package init(status: String, failureReason: String?) {
            self.status = status
            self.failureReason = failureReason
        }
    }

    package struct Token: Codable, Sendable {
        package var id: String
        package var entity: String
        package var customerId: String?
        package var method: String?
        package var recurring: Bool
        package var recurringDetails: RecurringDetails
        package var maxAmount: Int64?
        package var expiredAt: Int64?
        package var createdAt: Int64

        package init(_ token: GatewayToken, createdAt: Int64) {
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

        package func domain() throws(GatewayError) -> GatewayToken {
            guard let status = GatewayToken.Status(rawValue: self.recurringDetails.status) else {
                throw .invalidResponse("token \(self.id) has status \(self.recurringDetails.status)")
            }
            return GatewayToken(
                id: self.id, customerID: self.customerId, method: self.method, status: status,
                maxAmount: self.maxAmount, expiredAt: self.expiredAt)
        }
    }

    /// The body of `POST /v1/payments/create/recurring`.
    package struct RecurringRequest: Codable, Sendable {
        package var email: String
        package var contact: String?
        package var amount: Int64
        package var currency: String
        package var orderId: String
        package var customerId: String
        package var token: String
        package var recurring: Bool
        package var description: String?
        package var notes: [String: String]?

        package init(_ request: RecurringChargeRequest) {
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
    package struct CheckoutResult: Codable, Sendable {
        package var razorpayPaymentId: String
        package var razorpayOrderId: String
        package var razorpaySignature: String?

        package init(razorpayPaymentId: String, razorpayOrderId: String, razorpaySignature: String?) {
            self.razorpayPaymentId = razorpayPaymentId
            self.razorpayOrderId = razorpayOrderId
            self.razorpaySignature = razorpaySignature
        }
    }

    /// A webhook: `{entity: "event", account_id, event, contains, payload: {payment: {entity}, …}, created_at}`.
    package struct Event: Codable, Sendable {
        package var entity: String
        package var accountId: String?
        package var event: String
        package var contains: [String]
        package var payload: Payload
        package var createdAt: Int64

        package init(accountId: String?, event: String, payload: Payload, createdAt: Int64) {
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
        package func domain(eventID: String) throws(GatewayError) -> GatewayEvent {
            GatewayEvent(
                id: eventID, name: self.event, accountID: self.accountId,
                payment: try self.payload.payment?.entity.domain(), order: try self.payload.order?.entity.domain(),
                refund: try self.payload.refund?.entity.domain(), token: try self.payload.token?.entity.domain(),
                createdAt: self.createdAt)
        }
    }

    package struct Payload: Codable, Sendable {
        package var payment: Wrapped<Payment>?
        package var order: Wrapped<Order>?
        package var refund: Wrapped<Refund>?
        package var token: Wrapped<Token>?

        package init(
            payment: Payment? = nil, order: Order? = nil, refund: Refund? = nil, token: Token? = nil
        ) {
            self.payment = payment.map(Wrapped.init)
            self.order = order.map(Wrapped.init)
            self.refund = refund.map(Wrapped.init)
            self.token = token.map(Wrapped.init)
        }
    }

    /// `{"entity": {...}}`, as each payload member is wrapped.
    package struct Wrapped<Entity: Codable & Sendable>: Codable, Sendable {
        package var entity: Entity

        package init(_ entity: Entity) { self.entity = entity }
    }

    /// Razorpay's `notes`: an object of strings, or `[]` when there are none.
    package struct Notes: Codable, Sendable {
        package var values: [String: String]

        package init(_ values: [String: String]) { self.values = values }

        package init(from decoder: any Decoder) throws {
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

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(self.values)
        }
    }
}
