import Foundation
import Testing

@testable import BillfoldPayments

/// Razorpay's answer for an order, as its API documents one.
private func orderJSON(
    id: String = "order_IluGWxBm9U8zJ8", amount: Int64 = 50000, receipt: String = "att_0001",
    notes: String = "[]", status: String = "created"
) -> String {
    """
    {"id":"\(id)","entity":"order","amount":\(amount),"amount_paid":0,"amount_due":\(amount),"currency":"INR",\
    "receipt":"\(receipt)","offer_id":null,"status":"\(status)","attempts":0,"notes":\(notes),\
    "created_at":1642662092}
    """
}

private func paymentJSON(id: String, status: String, createdAt: Int64) -> String {
    """
    {"id":"\(id)","entity":"payment","amount":50000,"currency":"INR","status":"\(status)",\
    "order_id":"order_IluGWxBm9U8zJ8","invoice_id":null,"international":false,"method":"upi",\
    "amount_refunded":0,"refund_status":null,"captured":\(status == "captured"),"description":null,\
    "card_id":null,"bank":null,"wallet":null,"vpa":"gaurav.kumar@exampleupi","email":"gaurav.kumar@example.com",\
    "contact":"+919000090000","notes":[],"fee":null,"tax":null,"error_code":null,"error_description":null,\
    "error_source":null,"error_step":null,"error_reason":null,"acquirer_data":{"rrn":"033814379298"},\
    "created_at":\(createdAt)}
    """
}

private let refundJSON = """
    {"id":"rfnd_FP8QHiV938haTz","entity":"refund","amount":20000,"receipt":"cn_0007","currency":"INR",\
    "payment_id":"pay_29QQoUBi66xm2f","notes":[],"acquirer_data":{"arn":null},"created_at":1597078866,\
    "batch_id":null,"status":"processed","speed_processed":"normal","speed_requested":"normal"}
    """

private let tokenJSON = """
    {"id":"token_4lsdksD31GaZ09","entity":"token","token":"FHfMuGbkBIrEdN","bank":"HDFC","wallet":null,\
    "method":"upi","vpa":{"username":"gaurav.kumar","handle":"upi","name":null},"recurring":true,\
    "recurring_details":{"status":"confirmed","failure_reason":null},"auth_type":null,"mrn":null,\
    "used_at":1629779657,"created_at":1629779657,"expired_at":1640975400,"dcc_enabled":false,\
    "max_amount":150000}
    """

private func isRejected(_ error: GatewayError, field: String) -> Bool {
    if case .rejected(400, "BAD_REQUEST_ERROR", _, field, _) = error { return true }
    return false
}

@Suite("Razorpay adapter over HTTP")
struct RazorpayGatewayTests {
    @Test("an order goes out with Basic auth and every field, and comes back as the domain's order")
    func createOrderRoundTrip() async throws {
        let stub = RazorpayStub { request, _ in
            guard request.method == "POST", request.path == "/v1/orders", let body = request.json else {
                return StubAnswer(status: 404, body: #"{"error":{"code":"BAD_REQUEST_ERROR","description":"?"}}"#)
            }
            let notes = try! JSONSerialization.data(withJSONObject: body["notes"] ?? [:])
            return StubAnswer(
                body: orderJSON(
                    amount: Int64(body["amount"] as? Int ?? 0), receipt: body["receipt"] as? String ?? "",
                    notes: String(decoding: notes, as: UTF8.self)))
        }
        try await stub.serve { gateway in
            let order = try await gateway.createOrder(
                OrderRequest(
                    amount: 118_000, currency: "INR", receipt: "att_0001", notes: ["invoice": "INV-2025-0042"],
                    customerID: "cust_4xbQrmEoA5WJ0G",
                    token: TokenRequest(maxAmount: 1_500_000, expireAt: 1_893_436_200, frequency: "monthly")))

            #expect(
                order
                    == GatewayOrder(
                        id: "order_IluGWxBm9U8zJ8", amount: 118_000, amountPaid: 0, amountDue: 118_000,
                        currency: "INR", receipt: "att_0001", status: .created, attempts: 0,
                        notes: ["invoice": "INV-2025-0042"], createdAt: 1_642_662_092))
            let request = try #require(stub.requests.first)
            #expect(stub.requests.count == 1)
            #expect(request.header("Authorization") == "Basic cnpwX3Rlc3RfMURQNW1tT2xGNUc1YWc6dGhpc2lzdGhla2V5c2VjcmV0")
            #expect(request.header("Content-Type") == "application/json")
            let body = try #require(request.json)
            #expect(body["amount"] as? Int == 118_000)
            #expect(body["currency"] as? String == "INR")
            #expect(body["receipt"] as? String == "att_0001")
            #expect(body["notes"] as? [String: String] == ["invoice": "INV-2025-0042"])
            #expect(body["customer_id"] as? String == "cust_4xbQrmEoA5WJ0G")
            let token = try #require(body["token"] as? [String: Any])
            #expect(token["max_amount"] as? Int == 1_500_000)
            #expect(token["expire_at"] as? Int == 1_893_436_200)
            #expect(token["frequency"] as? String == "monthly")
        }
    }

    @Test("a wrong key secret is refused by the server, and the refusal reads as Razorpay's error")
    func wrongSecret() async throws {
        let stub = RazorpayStub { _, _ in StubAnswer(body: orderJSON()) }
        try await stub.serve(keySecret: "not-the-secret") { gateway in
            let error = await #expect(throws: GatewayError.self) {
                try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
            }
            #expect(
                error
                    == .rejected(
                        status: 401, code: "BAD_REQUEST_ERROR", description: "Authentication failed", field: nil,
                        reason: nil))
            #expect(stub.requests.count == 1)
        }
    }

    @Test("Razorpay's error object becomes .rejected with its code, description, field and reason")
    func errorShape() async throws {
        let answer = StubAnswer(
            status: 400,
            body: """
                {"error":{"code":"BAD_REQUEST_ERROR","description":"The id provided does not exist",\
                "field":"payment_id","source":"business","step":"payment_initiation",\
                "reason":"input_validation_failed","metadata":{}}}
                """)
        let stub = RazorpayStub { _, _ in answer }
        try await stub.serve { gateway in
            let error = await #expect(throws: GatewayError.self) {
                try await gateway.fetchPayment(id: "pay_29QQoUBi66xm2f")
            }
            #expect(
                error
                    == .rejected(
                        status: 400, code: "BAD_REQUEST_ERROR", description: "The id provided does not exist",
                        field: "payment_id", reason: "input_validation_failed"))
            #expect(error?.isPermanent == true)
            #expect(stub.requests.count == 1, "a 400 is not retried")
            #expect(stub.requests.first?.path == "/v1/payments/pay_29QQoUBi66xm2f")
        }
    }

    @Test("an order turned away with 429 twice is created on the third try, after two waits")
    func rateLimitedThenCreated() async throws {
        let stub = RazorpayStub { _, index in
            index < 2 ? .rateLimited : StubAnswer(body: orderJSON())
        }
        try await stub.serve { gateway in
            let order = try await gateway.createOrder(OrderRequest(amount: 50000, currency: "INR", receipt: "att_1"))
            #expect(order.id == "order_IluGWxBm9U8zJ8")
            #expect(stub.requests.count == 3)
            #expect(stub.requests.allSatisfy { $0.method == "POST" && $0.path == "/v1/orders" })
            #expect(stub.waits.count == 2)
        }
    }

    @Test("429 on every try ends in .rateLimited after the policy's attempts, with a wait between each two")
    func rateLimitedForever() async throws {
        let stub = RazorpayStub { _, _ in .rateLimited }
        try await stub.serve { gateway in
            let error = await #expect(throws: GatewayError.self) {
                try await gateway.createOrder(OrderRequest(amount: 50000, currency: "INR", receipt: "att_1"))
            }
            #expect(error == .rateLimited)
            #expect(stub.requests.count == RazorpayStub.quickRetry.maxAttempts)
            #expect(stub.waits.count == RazorpayStub.quickRetry.maxAttempts - 1, "no wait after the last try")
        }
    }

    @Test("Retry-After: 1 is waited for exactly: one second, not the policy's own backoff")
    func retryAfterHonoured() async throws {
        let patient = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .seconds(5))
        let asked = StubAnswer(status: 429, headers: ["Retry-After": "1"], body: StubAnswer.rateLimited.body)
        let stub = RazorpayStub { _, index in
            index == 0 ? asked : StubAnswer(body: orderJSON())
        }
        try await stub.serve(retry: patient) { gateway in
            _ = try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
            #expect(stub.waits == [.seconds(1)])
            #expect(stub.requests.count == 2)
        }
    }

    @Test("a Retry-After longer than the policy's longest wait is cut to it")
    func retryAfterCapped() async throws {
        let greedy = StubAnswer(status: 429, headers: ["Retry-After": "3600"], body: StubAnswer.rateLimited.body)
        let stub = RazorpayStub { _, index in
            index == 0 ? greedy : StubAnswer(body: orderJSON())
        }
        try await stub.serve(retry: .standard) { gateway in
            _ = try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
            #expect(stub.waits == [RetryPolicy.standard.maxDelay], "five seconds, not an hour")
            #expect(stub.requests.count == 2)
        }
    }

    @Test("a Retry-After that is not a number of seconds is ignored for the policy's own backoff")
    func retryAfterUnreadable() async throws {
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(250), maxDelay: .seconds(5))
        let dated = StubAnswer(
            status: 429, headers: ["Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"], body: StubAnswer.rateLimited.body)
        let stub = RazorpayStub { _, index in
            index == 0 ? dated : StubAnswer(body: orderJSON())
        }
        try await stub.serve(retry: policy) { gateway in
            _ = try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
            let wait = try #require(stub.waits.first)
            #expect(stub.waits.count == 1)
            #expect(wait >= .milliseconds(250) && wait < .milliseconds(500))
        }
    }

    @Test("reads that keep failing back off: each wait twice the last plus jitter, up to the longest wait")
    func backoffSequence() async throws {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(250), maxDelay: .seconds(2))
        let stub = RazorpayStub { _, _ in .serverError }
        try await stub.serve(retry: policy) { gateway in
            let error = await #expect(throws: GatewayError.self) {
                try await gateway.fetchPayment(id: "pay_29QQoUBi66xm2f")
            }
            guard case .unavailable(let detail) = error else {
                Issue.record("expected .unavailable, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("503"))
            #expect(stub.requests.count == 6)
            let waits = stub.waits
            try #require(waits.count == 5, "\(waits)")
            // Jitter adds up to as much again: from the doubled base up to (not including) twice that.
            #expect(waits[0] >= .milliseconds(250) && waits[0] < .milliseconds(500), "\(waits[0])")
            #expect(waits[1] >= .milliseconds(500) && waits[1] < .milliseconds(1000), "\(waits[1])")
            #expect(waits[2] >= .milliseconds(1000) && waits[2] < .milliseconds(2000), "\(waits[2])")
            #expect(waits[3] == .seconds(2) && waits[4] == .seconds(2), "capped: \(waits)")
        }
    }

    @Test("a wait cut short by cancellation ends the request as .unavailable, without another try")
    func cancelledWhileWaiting() async throws {
        let stub = RazorpayStub { _, _ in .rateLimited }
        let cancelled: RetrySleeper = { _ in throw CancellationError() }
        try await stub.serve(sleep: cancelled) { gateway in
            let error = await #expect(throws: GatewayError.self) {
                try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
            }
            guard case .unavailable(let detail) = error else {
                Issue.record("expected .unavailable, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("cancelled while waiting to retry"))
            #expect(stub.requests.count == 1)
        }
    }

    @Test("a 5xx on a read is retried")
    func serverErrorOnRead() async throws {
        let stub = RazorpayStub { _, index in
            index == 0 ? .serverError : StubAnswer(body: paymentJSON(id: "pay_1", status: "captured", createdAt: 1))
        }
        try await stub.serve { gateway in
            let payment = try await gateway.fetchPayment(id: "pay_1")
            #expect(payment.status == .captured)
            #expect(stub.requests.count == 2)
        }
    }

    enum Creation: String, CaseIterable, Sendable {
        case order, customer, recurringCharge
    }

    @Test(
        "a 5xx on creating an order, a customer or a debit is not retried: it may have been acted on",
        arguments: Creation.allCases)
    func serverErrorOnCreation(_ creation: Creation) async throws {
        let stub = RazorpayStub { _, _ in .serverError }
        try await stub.serve { gateway in
            let error = await #expect(throws: GatewayError.self) {
                switch creation {
                case .order:
                    _ = try await gateway.createOrder(OrderRequest(amount: 50000, currency: "INR", receipt: "att_1"))
                case .customer:
                    _ = try await gateway.createCustomer(
                        CustomerRequest(name: "Gaurav Kumar", email: "gaurav.kumar@example.com"))
                case .recurringCharge:
                    _ = try await gateway.chargeRecurring(
                        RecurringChargeRequest(
                            amount: 50000, currency: "INR", orderID: "order_1", customerID: "cust_1",
                            tokenID: "token_1", email: "gaurav.kumar@example.com"))
                }
            }
            guard case .unavailable(let detail) = error else {
                Issue.record("expected .unavailable, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("503"))
            #expect(detail.contains("SERVER_ERROR"))
            #expect(stub.requests.count == 1)
            #expect(stub.waits.isEmpty)
        }
    }

    @Test("a refund carries X-Refund-Idempotency and is retried after a 5xx under the same key")
    func refund() async throws {
        let stub = RazorpayStub { _, index in
            index == 0 ? .serverError : StubAnswer(body: refundJSON)
        }
        try await stub.serve { gateway in
            let refund = try await gateway.refund(
                RefundRequest(
                    paymentID: "pay_29QQoUBi66xm2f", amount: 20000, idempotencyKey: "refund_cn-0007_1",
                    receipt: "cn_0007"))
            #expect(
                refund
                    == GatewayRefund(
                        id: "rfnd_FP8QHiV938haTz", paymentID: "pay_29QQoUBi66xm2f", amount: 20000, currency: "INR",
                        status: .processed, receipt: "cn_0007", createdAt: 1_597_078_866))
            #expect(stub.requests.count == 2)
            #expect(stub.waits.count == 1)
            for request in stub.requests {
                #expect(request.method == "POST")
                #expect(request.path == "/v1/payments/pay_29QQoUBi66xm2f/refund")
                #expect(request.header("X-Refund-Idempotency") == "refund_cn-0007_1")
                let body = try #require(request.json)
                #expect(body["amount"] as? Int == 20000)
                #expect(body["speed"] as? String == "normal")
                #expect(body["receipt"] as? String == "cn_0007")
            }
        }
    }

    @Test(
        "a refund idempotency key Razorpay would refuse is refused before sending",
        arguments: ["", "short_key", "has space12345", "dots.are.not.ok", "ümlaut-1234567"])
    func badIdempotencyKey(_ key: String) async throws {
        let stub = RazorpayStub { _, _ in StubAnswer(body: refundJSON) }
        try await stub.serve { gateway in
            let error = await #expect(throws: GatewayError.self) {
                try await gateway.refund(RefundRequest(paymentID: "pay_1", amount: nil, idempotencyKey: key))
            }
            #expect(error.map { isRejected($0, field: "X-Refund-Idempotency") } == true)
            #expect(stub.requests.isEmpty)
        }
    }

    @Test(
        "an id that could change the path is refused before sending",
        arguments: ["", "pay_1/../../orders", "pay_1?expand[]=card", "pay%2F1", "pay 1", "pay_1#x", "pay-1", "рау_1"])
    func badID(_ id: String) async throws {
        let stub = RazorpayStub { _, _ in StubAnswer(body: "{}") }
        try await stub.serve { gateway in
            let calls: [(String, @Sendable () async throws -> Void)] = [
                ("order_id", { _ = try await gateway.fetchOrder(id: id) }),
                ("order_id", { _ = try await gateway.fetchPayments(orderID: id) }),
                ("payment_id", { _ = try await gateway.fetchPayment(id: id) }),
                ("payment_id", { _ = try await gateway.fetchRefund(paymentID: id, refundID: "rfnd_1") }),
                ("refund_id", { _ = try await gateway.fetchRefund(paymentID: "pay_1", refundID: id) }),
                ("customer_id", { _ = try await gateway.fetchToken(customerID: id, tokenID: "token_1") }),
                ("token_id", { _ = try await gateway.fetchToken(customerID: "cust_1", tokenID: id) }),
                (
                    "payment_id",
                    {
                        _ = try await gateway.refund(
                            RefundRequest(paymentID: id, amount: nil, idempotencyKey: "refund_key_1"))
                    }
                ),
            ]
            for (field, call) in calls {
                let error = await #expect(throws: GatewayError.self) { try await call() }
                #expect(error.map { isRejected($0, field: field) } == true, "\(field)")
            }
            #expect(stub.requests.isEmpty)
        }
    }

    @Test(
        "an order Razorpay would refuse is refused before sending",
        arguments: [
            (OrderRequest(amount: 99, currency: "INR", receipt: "att_1"), "amount"),
            (OrderRequest(amount: 0, currency: "INR", receipt: "att_1"), "amount"),
            (OrderRequest(amount: 50000, currency: "INR", receipt: String(repeating: "r", count: 41)), "receipt"),
            (
                OrderRequest(
                    amount: 50000, currency: "INR", receipt: "att_1",
                    notes: Dictionary(uniqueKeysWithValues: (1...16).map { ("key\($0)", "value") })),
                "notes"
            ),
        ])
    func orderValidation(_ request: OrderRequest, field: String) async throws {
        let stub = RazorpayStub { _, _ in StubAnswer(body: orderJSON()) }
        try await stub.serve { gateway in
            let error = await #expect(throws: GatewayError.self) { try await gateway.createOrder(request) }
            #expect(error.map { isRejected($0, field: field) } == true)
            #expect(stub.requests.isEmpty)
        }
    }

    @Test("an order at every limit is sent")
    func orderAtTheLimits() async throws {
        let stub = RazorpayStub { _, _ in StubAnswer(body: orderJSON(amount: 100)) }
        try await stub.serve { gateway in
            let order = try await gateway.createOrder(
                OrderRequest(
                    amount: 100, currency: "INR", receipt: String(repeating: "r", count: 40),
                    notes: Dictionary(uniqueKeysWithValues: (1...15).map { ("key\($0)", "value") })))
            #expect(order.amount == 100)
            #expect((stub.requests.first?.json?["notes"] as? [String: String])?.count == 15)
        }
    }

    @Test("notes sent as [] read as no notes, on an order and on its payments, listed oldest first")
    func emptyNotesAndPayments() async throws {
        let payments = """
            {"entity":"collection","count":2,"items":[\
            \(paymentJSON(id: "pay_new", status: "captured", createdAt: 1_642_662_200)),\
            \(paymentJSON(id: "pay_old", status: "failed", createdAt: 1_642_662_100))]}
            """
        let stub = RazorpayStub { request, _ in
            StubAnswer(body: request.path.hasSuffix("/payments") ? payments : orderJSON(notes: "[]"))
        }
        try await stub.serve { gateway in
            let order = try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
            #expect(order.notes.isEmpty)
            let listed = try await gateway.fetchPayments(orderID: "order_IluGWxBm9U8zJ8")
            #expect(listed.map(\.id) == ["pay_old", "pay_new"])
            #expect(listed.map(\.status) == [.failed, .captured])
            #expect(listed.first?.method == "upi")
            #expect(
                stub.requests.map(\.path) == [
                    "/v1/orders/order_IluGWxBm9U8zJ8", "/v1/orders/order_IluGWxBm9U8zJ8/payments",
                ])
            #expect(stub.requests.allSatisfy { $0.method == "GET" && $0.body.isEmpty })
        }
    }

    @Test("a customer is created with fail_existing \"0\", and a token read from the customer's tokens")
    func customerAndToken() async throws {
        let customer = """
            {"id":"cust_1Aa00000000004","entity":"customer","name":"Gaurav Kumar",\
            "email":"gaurav.kumar@example.com","contact":"9123456780","gstin":null,"notes":[],"created_at":1582033731}
            """
        let stub = RazorpayStub { request, _ in
            StubAnswer(body: request.path == "/v1/customers" ? customer : tokenJSON)
        }
        try await stub.serve { gateway in
            let created = try await gateway.createCustomer(
                CustomerRequest(name: "Gaurav Kumar", email: "gaurav.kumar@example.com", contact: "9123456780"))
            #expect(
                created
                    == GatewayCustomer(
                        id: "cust_1Aa00000000004", name: "Gaurav Kumar", email: "gaurav.kumar@example.com"))
            let body = try #require(stub.requests.first?.json)
            #expect(body["fail_existing"] as? String == "0")
            #expect(body["contact"] as? String == "9123456780")

            let token = try await gateway.fetchToken(customerID: "cust_1Aa00000000004", tokenID: "token_4lsdksD31GaZ09")
            #expect(
                token
                    == GatewayToken(
                        id: "token_4lsdksD31GaZ09", customerID: nil, method: "upi", status: .confirmed,
                        maxAmount: 150_000, expiredAt: 1_640_975_400))
            #expect(stub.requests.last?.path == "/v1/customers/cust_1Aa00000000004/tokens/token_4lsdksD31GaZ09")
            #expect(stub.requests.last?.method == "GET")
        }
    }

    @Test("a recurring charge sends the token with recurring true and reads the new payment's ids")
    func recurringCharge() async throws {
        let answer = """
            {"razorpay_payment_id":"pay_1Aa00000000001","razorpay_order_id":"order_1Aa00000000001",\
            "razorpay_signature":"9ef4dffbfd84f1318f6739a3ce19f9d85851857ae648f114332d8401e0949a3d"}
            """
        let stub = RazorpayStub { _, _ in StubAnswer(body: answer) }
        try await stub.serve { gateway in
            let result = try await gateway.chargeRecurring(
                RecurringChargeRequest(
                    amount: 118_000, currency: "INR", orderID: "order_1Aa00000000001",
                    customerID: "cust_1Aa00000000004",
                    tokenID: "token_4lsdksD31GaZ09", email: "gaurav.kumar@example.com", contact: "9123456780",
                    description: "Invoice INV-2025-0042"))
            #expect(
                result
                    == RecurringChargeResult(
                        paymentID: "pay_1Aa00000000001", orderID: "order_1Aa00000000001",
                        signature: "9ef4dffbfd84f1318f6739a3ce19f9d85851857ae648f114332d8401e0949a3d"))
            let request = try #require(stub.requests.first)
            #expect(request.path == "/v1/payments/create/recurring")
            let body = try #require(request.json)
            #expect(body["recurring"] as? Bool == true)
            #expect(body["token"] as? String == "token_4lsdksD31GaZ09")
            #expect(body["order_id"] as? String == "order_1Aa00000000001")
            #expect(body["customer_id"] as? String == "cust_1Aa00000000004")
            #expect(body["amount"] as? Int == 118_000)
            #expect(body["email"] as? String == "gaurav.kumar@example.com")
        }
    }

    @Test("an answer that is not Razorpay's JSON is .invalidResponse, whatever its status")
    func undecodable() async throws {
        let stub = RazorpayStub { request, _ in
            request.path.hasSuffix("_ok")
                ? StubAnswer(body: "<html>gateway</html>")
                : StubAnswer(status: 404, body: "<html>not found</html>")
        }
        try await stub.serve { gateway in
            for id in ["order_ok", "order_missing"] {
                let error = await #expect(throws: GatewayError.self) { try await gateway.fetchOrder(id: id) }
                guard case .invalidResponse(let detail) = error else {
                    Issue.record("expected .invalidResponse, got \(String(describing: error))")
                    continue
                }
                #expect(detail.contains("GET /orders/\(id)"))
            }
            let missingField = #expect(throws: GatewayError.self) {
                try RazorpayWire.decode(
                    RazorpayWire.Order.self, from: Array(#"{"id":"order_1","entity":"order"}"#.utf8), what: "order")
            }
            #expect(missingField == .invalidResponse("order: no amount"))
            #expect(stub.requests.count == 2, "neither is retried")
        }
    }

    @Test("a server that does not answer in time is .unavailable after the policy's attempts")
    func timeout() async throws {
        let stub = RazorpayStub { _, _ in
            StubAnswer(body: orderJSON(), delay: .seconds(10))
        }
        // A real request timeout: AsyncHTTPClient gives up on each try. Only the outcome and the tries the adapter
        // made are checked, never how long they took or how many reached the stub in time, both of which depend on
        // how busy the machine is.
        try await stub.serve(requestTimeout: .seconds(1)) { gateway in
            let error = await #expect(throws: GatewayError.self) {
                try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
            }
            guard case .unavailable(let detail) = error else {
                Issue.record("expected .unavailable, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("no answer within"))
            #expect(stub.waits.count == RazorpayStub.quickRetry.maxAttempts - 1, "a wait between each two tries")
            #expect(stub.requests.count <= RazorpayStub.quickRetry.maxAttempts)
            #expect(stub.requests.allSatisfy { $0.path == "/v1/orders/order_IluGWxBm9U8zJ8" })
        }
    }

    @Test("no server listening is .unavailable")
    func connectionRefused() async throws {
        var closed: RazorpayGateway?
        let stub = RazorpayStub { _, _ in StubAnswer(body: orderJSON()) }
        try await stub.serve(requestTimeout: .milliseconds(300)) { gateway in
            closed = gateway
        }
        let gateway = try #require(closed)
        let error = await #expect(throws: GatewayError.self) {
            try await gateway.fetchOrder(id: "order_IluGWxBm9U8zJ8")
        }
        guard case .unavailable = error else {
            Issue.record("expected .unavailable, got \(String(describing: error))")
            return
        }
        #expect(stub.waits.count == RazorpayStub.quickRetry.maxAttempts - 1, "a refused connection is retried")
    }
}

@Suite("Razorpay adapter without the network")
struct RazorpayGatewayConfigurationTests {
    @Test("checkout opens with the key id, and the sandbox's hosted page when there is one")
    func checkout() {
        let razorpay = RazorpayGateway(keyID: "rzp_live_abc", keySecret: "s", webhookSecret: "w")
        #expect(razorpay.provider == "razorpay")
        #expect(razorpay.checkout == CheckoutConfiguration(keyID: "rzp_live_abc", hostedCheckoutURL: nil))

        let sandbox = RazorpayGateway(
            baseURL: "http://127.0.0.1:8080/sandbox/razorpay/v1", keyID: "rzp_sandbox_abc", keySecret: "s",
            webhookSecret: "w", provider: "sandbox", hostedCheckoutURL: "http://127.0.0.1:8080/sandbox/checkout")
        #expect(sandbox.provider == "sandbox")
        #expect(sandbox.checkout.hostedCheckoutURL == "http://127.0.0.1:8080/sandbox/checkout")
    }

    @Test("checkout signatures are checked with the key secret, webhooks with the webhook secret")
    func secrets() {
        let gateway = RazorpayGateway(keyID: "rzp_test_abc", keySecret: "key-secret", webhookSecret: "webhook-secret")
        let body = Array(#"{"entity":"event"}"#.utf8)

        let checkout = RazorpaySignature.checkout(orderID: "order_1", paymentID: "pay_1", secret: "key-secret")
        #expect(gateway.isValidCheckoutSignature(orderID: "order_1", paymentID: "pay_1", signature: checkout))
        #expect(!gateway.isValidCheckoutSignature(orderID: "order_2", paymentID: "pay_1", signature: checkout))
        #expect(
            !gateway.isValidCheckoutSignature(
                orderID: "order_1", paymentID: "pay_1",
                signature: RazorpaySignature.checkout(orderID: "order_1", paymentID: "pay_1", secret: "webhook-secret"))
        )

        #expect(
            gateway.isValidWebhookSignature(
                body: body, signature: RazorpaySignature.sign(message: body, secret: "webhook-secret")))
        #expect(
            !gateway.isValidWebhookSignature(
                body: body, signature: RazorpaySignature.sign(message: body, secret: "key-secret")))
    }

    @Test(
        "retry waits double from the base, add jitter, and stop at the longest wait",
        arguments: [
            (1, nil, 0.0, Duration.milliseconds(100)),
            (2, nil, 0.0, .milliseconds(200)),
            (3, nil, 0.5, .milliseconds(600)),
            (4, nil, 0.99, .milliseconds(1000)),
            (9, nil, 0.0, .milliseconds(1000)),
            (1, .milliseconds(300), 0.9, .milliseconds(300)),
            (1, .seconds(120), 0.0, .milliseconds(1000)),
        ] as [(Int, Duration?, Double, Duration)])
    func retryDelay(attempt: Int, retryAfter: Duration?, jitter: Double, expected: Duration) {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.delay(afterAttempt: attempt, retryAfter: retryAfter, jitter: jitter) == expected)
    }
}
