import BillfoldPayments
import BillfoldServer
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The payment sandbox served on its own loopback port and driven over real HTTP, as the Razorpay adapter and a
/// payer's browser reach it, with a small server receiving its webhooks.
@Suite("The payment sandbox speaks Razorpay's protocol")
struct SandboxGatewayTests {
    @Test("Creating an order needs the sandbox's key pair in HTTP Basic auth")
    func createOrderNeedsTheKeyPair() async throws {
        try await withSandbox { sandbox in
            let created = try await sandbox.api(
                .post, "orders", json: #"{"amount":123450,"currency":"INR","receipt":"pa_1"}"#)
            #expect(created.status == .ok)
            let order = created.object
            let id = try #require(order["id"] as? String)
            #expect(id.wholeMatch(of: /order_[A-Za-z0-9]{14}/) != nil)
            #expect(order["entity"] as? String == "order")
            #expect(order["status"] as? String == "created")
            #expect(order["amount_due"] as? Int == 123450)
            #expect(order["amount_paid"] as? Int == 0)
            #expect(order["attempts"] as? Int == 0)

            let wrongSecret = "Basic " + Data("\(sandbox.credentials.keyID):not-the-secret".utf8).base64EncodedString()
            for authorization in [wrongSecret, "Bearer \(sandbox.credentials.keySecret)", nil] {
                let refused = try await sandbox.api(.get, "orders/\(id)", authorization: .some(authorization))
                #expect(refused.status == .unauthorized)
                #expect(refused.error["code"] as? String == "BAD_REQUEST_ERROR")
            }
            #expect(try await sandbox.api(.get, "orders/\(id)").object["id"] as? String == id)
        }
    }

    /// A request body the sandbox refuses, and the field its error names.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let body: String
        let field: String?
        var testDescription: String { self.field ?? "malformed" }
    }

    static let orderRefusals: [Refusal] = [
        Refusal(body: #"{"amount":99,"currency":"INR"}"#, field: "amount"),
        Refusal(body: #"{"currency":"INR"}"#, field: "amount"),
        Refusal(body: #"{"amount":"100","currency":"INR"}"#, field: "amount"),
        Refusal(body: #"{"amount":100,"currency":"USD"}"#, field: "currency"),
        Refusal(
            body: #"{"amount":100,"currency":"INR","receipt":"\#(String(repeating: "r", count: 41))"}"#,
            field: "receipt"),
        Refusal(
            body:
                #"{"amount":100,"currency":"INR","notes":{\#((1...16).map { #""n\#($0)":"v""# }.joined(separator: ","))}}"#,
            field: "notes"),
        Refusal(
            body:
                #"{"amount":100,"currency":"INR","token":{"max_amount":500,"expire_at":4102444800,"frequency":"monthly"}}"#,
            field: "customer_id"),
        Refusal(body: #"{"amount": 100, "currency": "#, field: nil),
        Refusal(body: "", field: nil),
    ]

    @Test("Orders Razorpay would refuse get a 400 BAD_REQUEST_ERROR naming the field", arguments: Self.orderRefusals)
    func orderValidation(_ refusal: Refusal) async throws {
        try await withSandbox { sandbox in
            let response = try await sandbox.api(.post, "orders", json: refusal.body)
            #expect(response.status == .badRequest)
            #expect(response.error["code"] as? String == "BAD_REQUEST_ERROR")
            #expect(response.error["field"] as? String == refusal.field)
            #expect((response.error["description"] as? String)?.isEmpty == false)
            #expect(await sandbox.sandbox.events.isEmpty)
        }
    }

    @Test("Unknown ids are 404 in Razorpay's error shape")
    func unknownIDs() async throws {
        try await withSandbox { sandbox in
            for path in [
                "orders/order_00000000000000", "orders/order_00000000000000/payments", "payments/pay_00000000000000",
                "payments/pay_00000000000000/refunds/rfnd_00000000000000",
                "customers/cust_00000000000000/tokens/token_00000000000000",
            ] {
                let response = try await sandbox.api(.get, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.error["code"] as? String == "BAD_REQUEST_ERROR", "\(path)")
            }
        }
    }

    @Test("The checkout page says it is a sandbox, shows the amount in rupees, and escapes what it shows")
    func checkoutPage() async throws {
        try await withSandbox { sandbox in
            let orderID = try await sandbox.createOrder(amount: 123450, receipt: "<b>pa_1</b>")
            let page = try await sandbox.client.execute(
                uri: "/sandbox/razorpay/checkout?order_id=\(orderID)&callback_url=https%3A%2F%2Fshop.example%2Fdone",
                method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = String(buffer: page.body)
            #expect(html.contains("SANDBOX — no real money moves"))
            #expect(html.contains("₹1,234.50"))
            for method in ["upi", "card", "netbanking", "wallet"] {
                #expect(html.contains(#"type="radio" name="method" value="\#(method)""#), "\(method)")
            }
            #expect(html.contains(#"value="pay">Pay"#) && html.contains(#"value="decline">Decline"#))
            #expect(html.contains("&lt;b&gt;pa_1&lt;/b&gt;") && !html.contains("<b>pa_1"))
            #expect(!html.contains("https://cdn") && !html.contains("<link"))

            let unknown = try await sandbox.client.execute(
                uri: "/sandbox/razorpay/checkout?order_id=order_00000000000000", method: .get)
            #expect(unknown.status == .notFound)
            #expect(String(buffer: unknown.body).contains("No such order"))
            let script = try await sandbox.client.execute(
                uri: "/sandbox/razorpay/checkout?order_id=\(orderID)&callback_url=javascript%3Aalert(1)", method: .get)
            #expect(script.status == .badRequest)
            #expect(String(buffer: script.body).contains("http or https"))
        }
    }

    @Test("Paying at checkout captures the payment and posts Razorpay's signed fields back to the callback URL")
    func payingAtCheckout() async throws {
        try await withSandbox { sandbox in
            let orderID = try await sandbox.createOrder(amount: 123450)
            let page = try await sandbox.submitCheckout(
                orderID: orderID, method: "card", outcome: "pay", callbackURL: "https://shop.example/done?a=1&b=2")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains(#"action="https://shop.example/done?a=1&amp;b=2""#))
            #expect(html.contains(#"document.getElementById("callback").submit()"#))
            #expect(html.contains(">Continue</button>"))
            let fields = Self.hiddenFields(html)
            #expect(Set(fields.keys) == ["razorpay_payment_id", "razorpay_order_id", "razorpay_signature"])
            #expect(fields["razorpay_order_id"] == orderID)
            let paymentID = try #require(fields["razorpay_payment_id"])
            #expect(paymentID.wholeMatch(of: /pay_[A-Za-z0-9]{14}/) != nil)
            let expected = Self.hexHMAC("\(orderID)|\(paymentID)", key: sandbox.credentials.keySecret)
            #expect(fields["razorpay_signature"] == expected)

            let order = try await sandbox.api(.get, "orders/\(orderID)").object
            #expect(order["status"] as? String == "paid")
            #expect(order["amount_paid"] as? Int == 123450)
            #expect(order["amount_due"] as? Int == 0)
            #expect(order["attempts"] as? Int == 1)
            let payment = try await sandbox.api(.get, "payments/\(paymentID)").object
            #expect(payment["status"] as? String == "captured")
            #expect(payment["captured"] as? Bool == true)
            #expect(payment["method"] as? String == "card")
            let payments = try await sandbox.api(.get, "orders/\(orderID)/payments").object
            #expect(payments["entity"] as? String == "collection")
            #expect(payments["count"] as? Int == 1)

            let again = try await sandbox.client.execute(
                uri: "/sandbox/razorpay/checkout?order_id=\(orderID)", method: .get)
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains("Already paid"))
            let payAgain = try await sandbox.submitCheckout(orderID: orderID, method: "upi", outcome: "pay")
            #expect(payAgain.status == .conflict)
        }
    }

    @Test("A declined payment posts Razorpay's error fields, and the order can be paid on a second attempt")
    func declineThenRetry() async throws {
        try await withSandbox { sandbox in
            let orderID = try await sandbox.createOrder(amount: 50000)
            let declined = try await sandbox.submitCheckout(
                orderID: orderID, method: "upi", outcome: "decline", callbackURL: "http://127.0.0.1:9/back")
            let fields = Self.hiddenFields(String(buffer: declined.body))
            #expect(
                Set(fields.keys) == [
                    "error[code]", "error[description]", "error[reason]", "error[source]", "error[step]",
                    "error[metadata]",
                ])
            #expect(fields["error[code]"] == "BAD_REQUEST_ERROR")
            #expect(fields["error[reason]"] == "payment_cancelled")
            let metadata = try #require(
                try JSONSerialization.jsonObject(with: Data((fields["error[metadata]"] ?? "").utf8))
                    as? [String: String])
            #expect(metadata["order_id"] == orderID)
            let failedID = try #require(metadata["payment_id"])
            let failed = try await sandbox.api(.get, "payments/\(failedID)").object
            #expect(failed["status"] as? String == "failed")
            #expect(failed["error_reason"] as? String == "payment_cancelled")
            #expect(try await sandbox.api(.get, "orders/\(orderID)").object["status"] as? String == "attempted")

            let paid = try await sandbox.submitCheckout(orderID: orderID, method: "wallet", outcome: "pay")
            #expect(paid.status == .ok)
            let order = try await sandbox.api(.get, "orders/\(orderID)").object
            #expect(order["status"] as? String == "paid")
            #expect(order["attempts"] as? Int == 2)
            let items = try await sandbox.api(.get, "orders/\(orderID)/payments").object["items"] as? [[String: Any]]
            #expect(items?.compactMap { $0["status"] as? String } == ["failed", "captured"])
        }
    }

    @Test("Webhooks arrive in order, signed with the webhook secret over the exact body, with their event ids")
    func webhooksAreSigned() async throws {
        try await withSandbox { sandbox in
            let orderID = try await sandbox.createOrder(amount: 20000)
            let result = try await sandbox.sandbox.capture(orderID: orderID, method: "upi")
            let received = try await sandbox.inbox.wait(for: 3)
            #expect(received.map(\.name) == ["payment.authorized", "payment.captured", "order.paid"])
            #expect(received.map(\.eventID) == (await sandbox.sandbox.events).map(\.id))
            for delivery in received {
                #expect(delivery.signature == Self.hexHMAC(delivery.body, key: sandbox.credentials.webhookSecret))
                #expect(delivery.eventID?.wholeMatch(of: /evt_[A-Za-z0-9]{14}/) != nil)
                let event = try RazorpayWire.decoder().decode(RazorpayWire.Event.self, from: Data(delivery.body))
                #expect(event.accountId == "acc_sandbox")
                #expect(event.payload.payment?.entity.id == result.payment.id)
            }
            let paid = try RazorpayWire.decoder().decode(RazorpayWire.Event.self, from: Data(received[2].body))
            #expect(paid.payload.order?.entity.status == "paid")
        }
    }

    @Test("A webhook the receiver refuses is retried until it is taken, before the next one is sent")
    func webhooksAreRetried() async throws {
        try await withSandbox { sandbox in
            await sandbox.inbox.answer(with: [500, 503])
            let orderID = try await sandbox.createOrder(amount: 20000)
            _ = try await sandbox.sandbox.fail(orderID: orderID, method: "card")
            _ = try await sandbox.sandbox.capture(orderID: orderID, method: "card")
            let received = try await sandbox.inbox.wait(for: 6)
            #expect(
                received.map(\.name) == [
                    "payment.failed", "payment.failed", "payment.failed", "payment.authorized", "payment.captured",
                    "order.paid",
                ])
            let first = try #require(await sandbox.sandbox.webhookDeliveries.first)
            #expect(first.attempts == 3 && first.isDelivered && first.lastStatus == 200)
        }
    }

    @Test("Held events are kept until released; the reversed mode sends each batch twice, last first")
    func holdAndReverse() async throws {
        try await withSandbox { sandbox in
            await sandbox.sandbox.setWebhookMode(.hold)
            let orderID = try await sandbox.createOrder(amount: 20000)
            _ = try await sandbox.sandbox.capture(orderID: orderID, method: "upi")
            try await Task.sleep(for: .milliseconds(300))
            #expect(await sandbox.inbox.received.isEmpty)
            let held = await sandbox.sandbox.heldEvents
            #expect(held.map(\.name) == ["payment.authorized", "payment.captured", "order.paid"])

            await sandbox.sandbox.setWebhookMode(.deliverTwiceReversed)
            #expect(await sandbox.sandbox.releaseHeldEvents().count == 3)
            #expect(try await sandbox.inbox.wait(for: 3).map(\.eventID) == held.map(\.id))
            #expect(await sandbox.sandbox.heldEvents.isEmpty)

            let second = try await sandbox.createOrder(amount: 30000)
            _ = try await sandbox.sandbox.fail(orderID: second, method: "upi")
            _ = try await sandbox.sandbox.capture(orderID: second, method: "upi")
            let names = try await sandbox.inbox.wait(for: 3 + 2 + 6).dropFirst(3).map(\.name)
            #expect(
                names == [
                    "payment.failed", "payment.failed", "order.paid", "payment.captured", "payment.authorized",
                    "order.paid", "payment.captured", "payment.authorized",
                ])
        }
    }

    @Test("Refunds go pending then processed, are bounded by what is left, and X-Refund-Idempotency dedupes them")
    func refunds() async throws {
        try await withSandbox { sandbox in
            await sandbox.sandbox.setRefundSettlementDelay(nil)
            let orderID = try await sandbox.createOrder(amount: 123450)
            let paymentID = try await sandbox.sandbox.capture(orderID: orderID).payment.id
            let key = ["X-Refund-Idempotency": "refund_attempt_0001"]
            let first = try await sandbox.api(
                .post, "payments/\(paymentID)/refund", json: #"{"amount":50000}"#, headers: key)
            #expect(first.status == .ok)
            let refundID = try #require(first.object["id"] as? String)
            #expect(refundID.wholeMatch(of: /rfnd_[A-Za-z0-9]{14}/) != nil)
            #expect(first.object["status"] as? String == "pending")
            let replay = try await sandbox.api(
                .post, "payments/\(paymentID)/refund", json: #"{"amount":50000}"#, headers: key)
            #expect(replay.object["id"] as? String == refundID)
            #expect(try await sandbox.api(.get, "payments/\(paymentID)").object["amount_refunded"] as? Int == 50000)

            let tooMuch = try await sandbox.api(
                .post, "payments/\(paymentID)/refund", json: #"{"amount":73451}"#,
                headers: ["X-Refund-Idempotency": "refund_attempt_0002"])
            #expect(tooMuch.status == .badRequest && tooMuch.error["field"] as? String == "amount")
            let shortKey = try await sandbox.api(
                .post, "payments/\(paymentID)/refund", json: "{}", headers: ["X-Refund-Idempotency": "short"])
            #expect(shortKey.status == .badRequest)

            #expect(await sandbox.sandbox.settleRefunds() == 1)
            let fetched = try await sandbox.api(.get, "payments/\(paymentID)/refunds/\(refundID)").object
            #expect(fetched["status"] as? String == "processed")
            let rest = try await sandbox.api(.post, "payments/\(paymentID)/refund", json: "")
            #expect(rest.object["amount"] as? Int == 73450)
            #expect(try await sandbox.api(.get, "payments/\(paymentID)").object["status"] as? String == "refunded")
            let names = await sandbox.sandbox.events.map(\.name).filter { $0.hasPrefix("refund.") }
            #expect(names == ["refund.created", "refund.processed", "refund.created"])
        }
    }

    @Test("A mandate's authorisation confirms a token, which recurring charges then debit within its limit")
    func mandateAndRecurringCharges() async throws {
        try await withSandbox { sandbox in
            let customer = #"{"name":"Asha","email":"asha@example.in","fail_existing":"0"}"#
            let customerID = try #require(
                try await sandbox.api(.post, "customers", json: customer).object["id"] as? String)
            #expect(customerID.hasPrefix("cust_"))
            #expect(try await sandbox.api(.post, "customers", json: customer).object["id"] as? String == customerID)
            let duplicate = try await sandbox.api(
                .post, "customers", json: #"{"name":"Asha","email":"asha@example.in"}"#)
            #expect(duplicate.status == .badRequest)

            let authorisation = try await sandbox.createOrder(
                amount: 100,
                extra:
                    #","customer_id":"\#(customerID)","token":{"max_amount":500000,"expire_at":4102444800,"frequency":"monthly"}"#
            )
            let fields = Self.hiddenFields(
                String(
                    buffer: try await sandbox.submitCheckout(
                        orderID: authorisation, method: "card", outcome: "pay", callbackURL: "https://shop.example/m"
                    ).body))
            let payment = try await sandbox.api(.get, "payments/\(fields["razorpay_payment_id"] ?? "")").object
            let tokenID = try #require(payment["token_id"] as? String)
            #expect(tokenID.wholeMatch(of: /token_[A-Za-z0-9]{14}/) != nil)
            #expect(await sandbox.sandbox.events.map(\.name).last == "token.confirmed")
            let token = try await sandbox.api(.get, "customers/\(customerID)/tokens/\(tokenID)").object
            #expect((token["recurring_details"] as? [String: Any])?["status"] as? String == "confirmed")
            #expect(token["max_amount"] as? Int == 500000)

            func charge(_ amount: Int) async throws -> ServerTestResponse {
                let orderID = try await sandbox.createOrder(amount: Int64(amount))
                return try await sandbox.api(
                    .post, "payments/create/recurring",
                    json:
                        #"{"email":"asha@example.in","amount":\#(amount),"currency":"INR","order_id":"\#(orderID)","customer_id":"\#(customerID)","token":"\#(tokenID)","recurring":true}"#
                )
            }
            let debit = try await charge(250000).object
            let debitID = try #require(debit["razorpay_payment_id"] as? String)
            let debitOrder = try #require(debit["razorpay_order_id"] as? String)
            #expect(
                debit["razorpay_signature"] as? String
                    == Self.hexHMAC("\(debitOrder)|\(debitID)", key: sandbox.credentials.keySecret))
            let debited = try await sandbox.api(.get, "payments/\(debitID)").object
            #expect(debited["status"] as? String == "captured" && debited["token_id"] as? String == tokenID)

            let overLimit = try await charge(500001)
            #expect(overLimit.status == .badRequest && overLimit.error["field"] as? String == "amount")

            await sandbox.sandbox.failNextRecurringCharges(1)
            let failing = try await charge(1000).object
            let failedID = try #require(failing["razorpay_payment_id"] as? String)
            #expect(try await sandbox.api(.get, "payments/\(failedID)").object["status"] as? String == "failed")
            #expect(await sandbox.sandbox.events.map(\.name).last == "payment.failed")
            #expect(
                try await sandbox.api(
                    .get, "payments/\((try await charge(1000)).object["razorpay_payment_id"] as? String ?? "")"
                ).object["status"] as? String == "captured")

            try await sandbox.sandbox.cancelToken(tokenID)
            let cancelled = try await charge(1000)
            #expect(cancelled.status == .badRequest && cancelled.error["field"] as? String == "token")
        }
    }

    @Test("The rate-limit control answers the next requests with 429 in Razorpay's error shape")
    func rateLimit() async throws {
        try await withSandbox { sandbox in
            let orderID = try await sandbox.createOrder(amount: 100)
            await sandbox.sandbox.rateLimitNextRequests(2)
            for _ in 0..<2 {
                let limited = try await sandbox.api(.get, "orders/\(orderID)")
                #expect(limited.status == .tooManyRequests)
                #expect(limited.error["code"] as? String == "BAD_REQUEST_ERROR")
            }
            #expect(try await sandbox.api(.get, "orders/\(orderID)").status == .ok)
        }
    }

    // MARK: - Helpers

    /// The hidden inputs of a page, unescaped.
    static func hiddenFields(_ html: String) -> [String: String] {
        var fields: [String: String] = [:]
        for match in html.matches(of: /<input type="hidden" name="([^"]*)" value="([^"]*)">/) {
            fields[Self.unescape(String(match.1))] = Self.unescape(String(match.2))
        }
        return fields
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func hexHMAC(_ message: String, key: String) -> String { self.hexHMAC(Array(message.utf8), key: key) }

    static func hexHMAC(_ message: [UInt8], key: String) -> String {
        HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(key.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }
}

/// Receives the sandbox's webhooks: answers the queued statuses first, then 200.
actor WebhookInbox {
    struct Received: Sendable {
        let body: [UInt8]
        let signature: String?
        let eventID: String?
        let name: String
    }

    private(set) var received: [Received] = []
    private var statuses: [Int] = []

    func answer(with statuses: [Int]) { self.statuses = statuses }

    func receive(body: [UInt8], signature: String?, eventID: String?) -> Int {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        self.received.append(
            Received(body: body, signature: signature, eventID: eventID, name: object?["event"] as? String ?? "?"))
        return self.statuses.isEmpty ? 200 : self.statuses.removeFirst()
    }

    /// The first `count` deliveries, once they have arrived. The minute is only a safety net for deliveries that
    /// never come; the test does not care how long they take, which depends on how busy the machine is.
    func wait(for count: Int) async throws -> [Received] {
        let deadline = ContinuousClock.now + .seconds(60)
        while self.received.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(self.received.count >= count, "\(self.received.count) webhooks arrived, not \(count)")
        return Array(self.received.prefix(count))
    }
}

/// A running sandbox, its HTTP client, its credentials and its webhook receiver.
struct SandboxHarness: Sendable {
    let client: any ServerTestClient
    let sandbox: SandboxRazorpay
    let credentials: SandboxCredentials
    let inbox: WebhookInbox

    /// A request to `/sandbox/razorpay/v1/<path>`, by default with the sandbox's key pair.
    func api(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, authorization: String?? = nil,
        headers extra: [String: String] = [:]
    ) async throws -> ServerTestResponse {
        var headers: HTTPFields = [:]
        let basic =
            "Basic " + Data("\(self.credentials.keyID):\(self.credentials.keySecret)".utf8).base64EncodedString()
        if let authorization = authorization ?? basic { headers[.authorization] = authorization }
        if json != nil { headers[.contentType] = "application/json" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await self.client.execute(
            uri: "/sandbox/razorpay/v1/\(path)", method: method, headers: headers,
            body: json.map { ByteBuffer(string: $0) })
    }

    static func formEscaped(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A new order's id; `extra` is more JSON members, starting with a comma.
    func createOrder(amount: Int64, receipt: String = "pa_test", extra: String = "") async throws -> String {
        let response = try await self.api(
            .post, "orders", json: #"{"amount":\#(amount),"currency":"INR","receipt":"\#(receipt)"\#(extra)}"#)
        return try #require(response.object["id"] as? String, "\(String(buffer: response.body))")
    }

    /// The payer's choice at the hosted checkout, posted as the page's form posts it.
    func submitCheckout(
        orderID: String, method: String, outcome: String, callbackURL: String? = nil
    ) async throws -> ServerTestResponse {
        let fields = [
            ("order_id", orderID), ("callback_url", callbackURL ?? ""), ("method", method), ("outcome", outcome),
        ]
        let body = fields.map { "\(Self.formEscaped($0))=\(Self.formEscaped($1))" }.joined(separator: "&")
        return try await self.client.execute(
            uri: "/sandbox/razorpay/checkout", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
    }
}

/// Serves a fresh sandbox at `/sandbox/razorpay` on a loopback port, its webhooks going to a receiver on another.
func withSandbox(_ body: @escaping @Sendable (SandboxHarness) async throws -> Void) async throws {
    let credentials = SandboxRazorpay.generatedCredentials()
    let sandbox = SandboxRazorpay(credentials: credentials, logger: Logger(label: "sandbox-test"))
    await sandbox.setWebhookRetryDelays([.milliseconds(20), .milliseconds(40), .milliseconds(80)])
    let inbox = WebhookInbox()
    let receiverRouter = Router()
    receiverRouter.post("hooks") { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let status = await inbox.receive(
            body: Array(bytes.readableBytesView), signature: request.headers[HTTPField.Name("X-Razorpay-Signature")!],
            eventID: request.headers[HTTPField.Name("x-razorpay-event-id")!])
        return Response(status: HTTPResponse.Status(code: status))
    }
    let receiver = Application(router: receiverRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await receiver.withTestClient(.live) { receiverClient in
        let port = try #require(receiverClient.port)
        await sandbox.setWebhookURL("http://127.0.0.1:\(port)/hooks")
        let router = Router(context: BillfoldRequestContext.self)
        SandboxGatewayController(sandbox: sandbox, templates: try .bundled())
            .addRoutes(to: router.group("sandbox/razorpay"))
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.withTestClient(.live) { client in
            try await body(SandboxHarness(client: client, sandbox: sandbox, credentials: credentials, inbox: inbox))
        }
    }
}
