import AsyncHTTPClient
import BillfoldCore
import BillfoldEngine
import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import BillfoldPayments

/// A demo Billfold configured exactly as with real Razorpay keys, against a fake Razorpay: the sandbox, served by
/// the test on its own loopback port, speaking Razorpay's API and posting signed webhooks back to Billfold.
struct PaymentHarness: Sendable {
    let client: any ServerTestClient
    let sandbox: SandboxRazorpay
    let clock: ManualClock
    let location: DatabaseLocation
    let webhookURL: String
    /// A postpaid workspace in Karnataka with four open invoices of ₹1,215.40 each.
    let workspaceID: String

    /// Polls until `condition` holds. The minute of real time is only a safety net for something that never
    /// happens: how soon it happens depends on how busy the machine is, and no test asserts it.
    func eventually(
        _ what: String, _ condition: @Sendable () async throws -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        if try await condition() { return }
        Issue.record("never, in a minute: \(what)", sourceLocation: sourceLocation)
    }

    func invoice(_ id: String) async throws -> [String: Any] {
        try await self.client.call(.get, "/api/v1/invoices/\(id)").object
    }

    /// An open invoice of the demo in rupees (the sandbox takes INR only), with ₹1 to ₹15,000 due.
    func openInvoice() async throws -> [String: Any] {
        let list = try await self.client.call(
            .get, "/api/v1/invoices?status=pending&limit=100&workspace_id=\(self.workspaceID)"
        ).object
        let rows = list["data"] as? [[String: Any]] ?? []
        return try #require(
            rows.first { row in
                let due = row["amount_due"] as? Int ?? 0
                return row["kind"] as? String == "invoice" && row["currency"] as? String == "INR" && due >= 100
                    && due <= 1_500_000
            }, "the demo has an open invoice")
    }

    func startGatewayPayment(_ invoiceID: String, amount: Int? = nil) async throws -> (ServerTestResponse, String) {
        let body = amount.map { #"{"method":"gateway","amount":\#($0)}"# } ?? #"{"method":"gateway"}"#
        let response = try await self.client.call(.post, "/api/v1/invoices/\(invoiceID)/payments", json: body)
        let checkout = response.object["checkout"] as? [String: Any]
        return (response, checkout?["order_id"] as? String ?? "")
    }

    /// Audit entries about `subject` with `action`.
    func auditCount(_ action: String, about subject: String) async throws -> Int {
        try await Database.withOpen(self.location, logger: Logger(label: "test")) { database in
            try await database.store.auditLog.entries(about: subject).filter { $0.action == action }.count
        }
    }

    /// Settles every other open invoice of the workspace, turns auto-pay on, and registers a mandate the payer
    /// authorises at the sandbox; returns once it is confirmed.
    func confirmMandate(keeping invoiceID: String) async throws {
        let others =
            try await self.client.call(
                .get, "/api/v1/invoices?workspace_id=\(self.workspaceID)&status=pending,overdue&limit=100"
            ).object["data"] as? [[String: Any]] ?? []
        for other in others where other["id"] as? String != invoiceID {
            let otherID = try #require(other["id"] as? String)
            let due = try #require(other["amount_due"] as? Int)
            let settled = try await self.client.call(
                .post, "/api/v1/invoices/\(otherID)/payments",
                json: #"{"method":"bank_transfer","amount":\#(due),"reference":"UTR-SETTLE"}"#)
            #expect(settled.status == .created)
        }
        let patched = try await self.client.call(
            .patch, "/api/v1/workspaces/\(self.workspaceID)", json: #"{"auto_pay":true}"#)
        #expect(patched.status == .ok)
        let registered = try await self.client.call(
            .post, "/api/v1/workspaces/\(self.workspaceID)/mandates", json: #"{"max_amount":1500000}"#)
        #expect(registered.status == .created)
        #expect(registered.object["status"] as? String == "pending")
        let authorisationOrder = try #require(registered.object["authorisation_order_id"] as? String)
        _ = try await self.sandbox.capture(orderID: authorisationOrder)
        try await self.eventually("the mandate is confirmed") {
            let list = try await self.client.call(.get, "/api/v1/workspaces/\(self.workspaceID)/mandates").object
            return (list["data"] as? [[String: Any]])?.first?["status"] as? String == "confirmed"
        }
    }

    func autoPay(_ invoiceID: String) async throws -> [String: Any]? {
        try await self.invoice(invoiceID)["auto_pay"] as? [String: Any]
    }

    func postWebhook(_ body: [UInt8], signature: String?, eventID: String?) async throws -> ServerTestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[HTTPField.Name("X-Razorpay-Signature")!] = signature }
        if let eventID { headers[HTTPField.Name("x-razorpay-event-id")!] = eventID }
        return try await self.client.execute(
            uri: "/api/v1/webhooks/razorpay", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }
}

func withPaymentServer(
    _ kind: DatabaseKind, jobs: Bool = false, _ body: @escaping @Sendable (PaymentHarness) async throws -> Void
) async throws {
    let clock = ManualClock(Date())
    let credentials = SandboxRazorpay.generatedCredentials()
    let sandbox = SandboxRazorpay(credentials: credentials, logger: Logger(label: "fake-razorpay"))
    await sandbox.setWebhookRetryDelays([.milliseconds(50), .milliseconds(100), .milliseconds(200)])
    let fakeRouter = Router(context: BillfoldRequestContext.self)
    SandboxGatewayController(sandbox: sandbox, templates: try .bundled()).addRoutes(to: fakeRouter.group())
    let fake = Application(router: fakeRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await fake.withTestClient(.live) { fakeClient in
        let baseURL = "http://127.0.0.1:\(try #require(fakeClient.port))/v1"
        try await TestDatabase.withLocation(kind) { location in
            let workspace = Fixtures.workspace(name: "Paytest")
            try await Database.withOpen(location, logger: .init(label: "test")) { database in
                try await Migrations.run(on: database)
                _ = try await DemoData.seed(into: database, now: clock.now)
                try await Fixtures.seed(database.store, workspace: workspace)
                let invoices = InvoiceService(database: database, clock: clock.billingClock())
                for _ in 0..<4 {
                    let draft = try await invoices.createDraft(
                        kind: .invoice, workspaceID: workspace.id, subscriptionID: nil,
                        periodStart: CalendarDate(year: 2026, month: 11, day: 1)!,
                        periodEnd: CalendarDate(year: 2026, month: 11, day: 30)!, description: "Growth - Monthly",
                        lines: Fixtures.lines())
                    _ = try await invoices.finalize(draft.id, actor: "test")
                }
            }
            let configuration = ServerConfiguration(
                host: "127.0.0.1", port: 0, database: location, bootstrapAPIKey: testAPIKey, logLevel: .error,
                clock: clock.billingClock(), signInPolicy: SignInPolicy(bcryptCost: 4),
                gateway: .razorpay(
                    keyID: credentials.keyID, keySecret: credentials.keySecret,
                    webhookSecret: credentials.webhookSecret, baseURL: baseURL),
                paymentJobsInterval: jobs ? .milliseconds(100) : nil)
            let app = try await buildApplication(configuration)
            try await app.withTestClient(.live) { client in
                let webhookURL = "http://127.0.0.1:\(try #require(client.port))/api/v1/webhooks/razorpay"
                await sandbox.setWebhookURL(webhookURL)
                try await body(
                    PaymentHarness(
                        client: client, sandbox: sandbox, clock: clock, location: location, webhookURL: webhookURL,
                        workspaceID: workspace.id.rawValue))
            }
        }
    }
}

@Suite("Paying through the gateway, exactly once")
struct PaymentFlowTests {
    @Test(
        "Pay Now: the invoice is processing, then paid when the gateway's webhook reports the capture",
        arguments: TestDatabase.kinds)
    func payNow(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            let open = try await server.openInvoice()
            let id = try #require(open["id"] as? String)
            let due = try #require(open["amount_due"] as? Int)
            let (started, orderID) = try await server.startGatewayPayment(id)
            #expect(started.status == .created, "\(started.object)")
            #expect(orderID.hasPrefix("order_"))
            let checkout = started.object["checkout"] as? [String: Any] ?? [:]
            #expect(checkout["amount"] as? Int == due)
            #expect(checkout["provider"] as? String == "razorpay")
            #expect(try await server.invoice(id)["status"] as? String == "processing")

            _ = try await server.sandbox.capture(orderID: orderID, method: "card")
            try await server.eventually("the invoice is paid") {
                try await server.invoice(id)["status"] as? String == "paid"
            }
            let paid = try await server.invoice(id)
            #expect(paid["amount_due"] as? Int == 0)
            #expect(paid["amount_paid"] as? Int == due)
            let payments = paid["payments"] as? [[String: Any]] ?? []
            #expect(payments.count == 1)
            #expect(payments.first?["method"] as? String == "card")
            #expect(payments.first?["status"] as? String == "succeeded")
            #expect(payments.first?["gateway_order_id"] as? String == orderID)
            #expect(payments.first?["paid_at"] is String)
            #expect(try await server.auditCount("payment.succeeded", about: id) == 1)
        }
    }

    @Test(
        "The checkout callback settles the payment at once; the webhooks that follow change nothing",
        arguments: TestDatabase.kinds)
    func checkoutCallback(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            await server.sandbox.setWebhookMode(.hold)
            let id = try #require(try await server.openInvoice()["id"] as? String)
            let (_, orderID) = try await server.startGatewayPayment(id)
            let result = try await server.sandbox.capture(orderID: orderID, method: "upi")
            let form = result.callbackFields.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            headers[.accept] = "text/html"
            let callback = try await server.client.execute(
                uri: "/portal/checkout/callback", method: .post, headers: headers, body: ByteBuffer(string: form))
            #expect(callback.status == .seeOther)
            #expect(callback.headers[.location] == "/portal/invoices/\(id)?payment=succeeded")
            #expect(try await server.invoice(id)["status"] as? String == "paid")

            let forged = form.replacingOccurrences(of: "razorpay_signature=", with: "razorpay_signature=0")
            let refused = try await server.client.execute(
                uri: "/portal/checkout/callback", method: .post, headers: headers, body: ByteBuffer(string: forged))
            #expect(refused.status == .badRequest)

            for event in await server.sandbox.releaseHeldEvents() { _ = event }
            try await server.eventually("the held webhooks are delivered") {
                await server.sandbox.webhookDeliveries.allSatisfy(\.isDelivered)
            }
            #expect(try await server.auditCount("payment.succeeded", about: id) == 1)
            #expect((try await server.invoice(id)["payments"] as? [Any])?.count == 1)
        }
    }

    @Test("Fifty concurrent Pay Now requests leave one gateway order", arguments: TestDatabase.kinds)
    func concurrentPayNow(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            let id = try #require(try await server.openInvoice()["id"] as? String)
            let port = try #require(server.client.port)
            // Fifty connections at once, so the requests really race: the test client would send them one after
            // another down one connection. The deadline is only a safety net for a busy machine.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 50)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let results: [(status: UInt, orderID: String)]
            do {
                results = try await Self.payNowRace(http, port: port, invoiceID: id)
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
            #expect(results.count == 50)
            #expect(results.filter { $0.status == 201 }.count == 1, "one request started the attempt")
            #expect(results.allSatisfy { $0.status == 201 || $0.status == 200 }, "\(results.map(\.status))")
            #expect(Set(results.map(\.orderID)).count == 1, "every request got the same order")
            #expect(await server.sandbox.orders.count == 1)
            let payments = try await server.invoice(id)["payments"] as? [[String: Any]] ?? []
            #expect(payments.count == 1)
        }
    }

    /// Fifty Pay Now requests for `invoiceID`, all sent at once, each on its own connection: their statuses and
    /// the order each was given.
    static func payNowRace(_ http: HTTPClient, port: Int, invoiceID id: String) async throws
        -> [(status: UInt, orderID: String)]
    {
        try await withThrowingTaskGroup(of: (status: UInt, orderID: String).self) { group in
            for _ in 0..<50 {
                group.addTask {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/invoices/\(id)/payments")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(testAPIKey)")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: #"{"method":"gateway"}"#))
                    let response = try await http.execute(request, timeout: .seconds(300))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
                    let checkout = object?["checkout"] as? [String: Any]
                    return (response.status.code, checkout?["order_id"] as? String ?? "")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("Duplicate, replayed and out-of-order webhooks change nothing a second time", arguments: TestDatabase.kinds)
    func webhookDeliveries(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            // Every batch arrives twice and reversed: payment.captured and order.paid before payment.authorized.
            await server.sandbox.setWebhookMode(.deliverTwiceReversed)
            let open = try await server.openInvoice()
            let id = try #require(open["id"] as? String)
            let (_, orderID) = try await server.startGatewayPayment(id)
            _ = try await server.sandbox.capture(orderID: orderID)
            try await server.eventually("the invoice is paid") {
                try await server.invoice(id)["status"] as? String == "paid"
            }
            try await server.eventually("every delivery is answered") {
                let deliveries = await server.sandbox.webhookDeliveries
                return deliveries.count >= 6 && deliveries.allSatisfy(\.isDelivered)
            }
            let events = await server.sandbox.events
            #expect(events.map(\.name).contains("payment.captured"))
            for event in events {
                let replay = try await server.postWebhook(event.body, signature: event.signature, eventID: event.id)
                #expect(replay.status == .ok)
                #expect(replay.object["status"] as? String == "duplicate")
            }
            let paid = try await server.invoice(id)
            #expect(paid["amount_paid"] as? Int == open["amount_due"] as? Int)
            #expect((paid["payments"] as? [Any])?.count == 1)
            #expect(try await server.auditCount("payment.succeeded", about: id) == 1)
        }
    }

    @Test("A webhook with a bad or missing signature gets 400 and changes nothing", arguments: TestDatabase.kinds)
    func badSignature(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            await server.sandbox.setWebhookMode(.hold)
            let id = try #require(try await server.openInvoice()["id"] as? String)
            let (_, orderID) = try await server.startGatewayPayment(id)
            _ = try await server.sandbox.capture(orderID: orderID)
            let captured = try #require(await server.sandbox.heldEvents.first { $0.name == "payment.captured" })
            let forged = String(captured.signature.reversed())
            for signature in [forged, nil, "", captured.signature.uppercased() + "00"] {
                let refused = try await server.postWebhook(captured.body, signature: signature, eventID: captured.id)
                #expect(refused.status == .badRequest)
                #expect(refused.error["code"] as? String == "invalid_signature")
            }
            var tampered = captured.body
            tampered[tampered.count / 2] ^= 0x01
            let changed = try await server.postWebhook(tampered, signature: captured.signature, eventID: captured.id)
            #expect(changed.status == .badRequest)
            #expect(try await server.invoice(id)["status"] as? String == "processing")
            // The genuine delivery still applies: the refused ones did not use up its event id.
            let genuine = try await server.postWebhook(
                captured.body, signature: captured.signature, eventID: captured.id)
            #expect(genuine.object["status"] as? String == "applied")
            #expect(try await server.invoice(id)["status"] as? String == "paid")
        }
    }

    @Test("Refresh asks the gateway and catches a capture no webhook reported", arguments: TestDatabase.kinds)
    func refreshCatchesMissedWebhook(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            await server.sandbox.setWebhookMode(.hold)
            let id = try #require(try await server.openInvoice()["id"] as? String)
            let (_, orderID) = try await server.startGatewayPayment(id)
            let unchanged = try await server.client.call(.post, "/api/v1/invoices/\(id)/refresh")
            #expect(unchanged.object["status"] as? String == "processing")
            _ = try await server.sandbox.capture(orderID: orderID, method: "netbanking")
            let refreshed = try await server.client.call(.post, "/api/v1/invoices/\(id)/refresh")
            #expect(refreshed.status == .ok)
            #expect(refreshed.object["status"] as? String == "paid")
            let payments = refreshed.object["payments"] as? [[String: Any]] ?? []
            #expect(payments.first?["method"] as? String == "netbanking")
        }
    }

    @Test(
        "A crash between the gateway's capture and our write is repaired by reconciliation",
        arguments: TestDatabase.kinds)
    func reconciliationRepairsCrash(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind, jobs: true) { server in
            // The capture happens, but neither webhook nor callback reaches Billfold: as if it died in between.
            await server.sandbox.setWebhookMode(.hold)
            let id = try #require(try await server.openInvoice()["id"] as? String)
            let (_, orderID) = try await server.startGatewayPayment(id)
            _ = try await server.sandbox.capture(orderID: orderID)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await server.invoice(id)["status"] as? String == "processing", "within the grace period")
            server.clock.advance(by: 120)
            try await server.eventually("reconciliation settles the attempt") {
                try await server.invoice(id)["status"] as? String == "paid"
            }
            #expect(try await server.auditCount("payment.succeeded", about: id) == 1)
        }
    }

    @Test("A failed payment shows failed, and the invoice can be paid again", arguments: TestDatabase.kinds)
    func failureThenRetry(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            let id = try #require(try await server.openInvoice()["id"] as? String)
            let (_, firstOrder) = try await server.startGatewayPayment(id)
            _ = try await server.sandbox.fail(orderID: firstOrder, reason: "insufficient_funds")
            try await server.eventually("the invoice shows the failure") {
                try await server.invoice(id)["status"] as? String == "failed"
            }
            let failed = try await server.invoice(id)["payments"] as? [[String: Any]] ?? []
            #expect(failed.first?["status"] as? String == "failed")
            #expect((failed.first?["failure_reason"] as? String)?.isEmpty == false)

            let (again, secondOrder) = try await server.startGatewayPayment(id)
            #expect(again.status == .created)
            #expect(secondOrder != firstOrder)
            _ = try await server.sandbox.capture(orderID: secondOrder)
            try await server.eventually("the second attempt pays it") {
                try await server.invoice(id)["status"] as? String == "paid"
            }
        }
    }

    @Test("Partial payments lower the amount due; paying more than is due is refused", arguments: TestDatabase.kinds)
    func partialPayments(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            let open = try await server.openInvoice()
            let id = try #require(open["id"] as? String)
            let due = try #require(open["amount_due"] as? Int)
            let transfer = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/payments",
                json: #"{"method":"bank_transfer","amount":50,"reference":"UTR0001"}"#)
            #expect(transfer.status == .created)
            #expect((transfer.object["invoice"] as? [String: Any])?["amount_due"] as? Int == due - 50)
            for body in [
                #"{"method":"gateway","amount":\#(due)}"#,
                #"{"method":"bank_transfer","amount":\#(due),"reference":"x"}"#,
            ] {
                let refused = try await server.client.call(.post, "/api/v1/invoices/\(id)/payments", json: body)
                #expect(refused.status == .unprocessableContent, "\(body)")
            }
            for body in [
                #"{"method":"cheque"}"#, #"{"method":"gateway","amount":0}"#, #"{"method":"gateway","amount":99}"#,
                "{}",
            ] {
                let refused = try await server.client.call(.post, "/api/v1/invoices/\(id)/payments", json: body)
                #expect((400..<500).contains(refused.status.code), "\(body)")
            }
            let (partial, orderID) = try await server.startGatewayPayment(id, amount: 1000)
            #expect(partial.status == .created)
            _ = try await server.sandbox.capture(orderID: orderID)
            try await server.eventually("the part paid lowers the amount due") {
                try await server.invoice(id)["amount_due"] as? Int == due - 1050
            }
            #expect(try await server.invoice(id)["status"] as? String == "pending")
        }
    }

    @Test("A wallet top-up through the gateway issues a receipt and credits the wallet", arguments: TestDatabase.kinds)
    func walletTopUp(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            let workspaces = try await server.client.call(.get, "/api/v1/workspaces?limit=100").object
            let prepaid = try #require(
                (workspaces["data"] as? [[String: Any]] ?? []).first { $0["billing_mode"] as? String == "prepaid" })
            let workspace = try #require(prepaid["id"] as? String)
            let before = try #require(prepaid["wallet_balance"] as? Int)
            let started = try await server.client.call(
                .post, "/api/v1/workspaces/\(workspace)/wallet/top_ups", json: #"{"amount":250000,"method":"gateway"}"#)
            #expect(started.status == .created)
            #expect(started.object["status"] as? String == "processing")
            let orderID = try #require((started.object["checkout"] as? [String: Any])?["order_id"] as? String)
            let receipt = try #require((started.object["receipt"] as? [String: Any])?["id"] as? String)
            #expect(try await server.invoice(receipt)["number"] == nil, "a draft has no number yet")
            _ = try await server.sandbox.capture(orderID: orderID)
            try await server.eventually("the wallet is credited") {
                let wallet = try await server.client.call(.get, "/api/v1/workspaces/\(workspace)/wallet").object
                return wallet["balance"] as? Int == before + 250_000
            }
            let issued = try await server.invoice(receipt)
            #expect(issued["status"] as? String == "paid")
            #expect(issued["number"] is String, "numbered once paid")
        }
    }

    @Test(
        "A credit note on a paid invoice refunds through the gateway, or into the wallet", arguments: TestDatabase.kinds
    )
    func refunds(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            let open = try await server.openInvoice()
            let id = try #require(open["id"] as? String)
            let due = try #require(open["amount_due"] as? Int)
            let (_, orderID) = try await server.startGatewayPayment(id)
            let captured = try await server.sandbox.capture(orderID: orderID)
            try await server.eventually("paid") { try await server.invoice(id)["status"] as? String == "paid" }
            let credited = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/credit_notes",
                json: #"{"reason":"Service outage","refund_to":"gateway"}"#)
            #expect(credited.status == .created)
            #expect((credited.object["credit_note"] as? [String: Any])?["kind"] as? String == "credit_note")
            let refunds = credited.object["refunds"] as? [[String: Any]] ?? []
            #expect(refunds.count == 1)
            #expect(refunds.first?["destination"] as? String == "gateway")
            #expect(refunds.first?["amount"] as? Int == due)
            try await server.eventually("the gateway reports the refund processed") {
                let detail = try await server.invoice(id)
                return (detail["refunds"] as? [[String: Any]])?.first?["status"] as? String == "processed"
            }
            let gatewayPayment = await server.sandbox.payments[captured.payment.id]?.payment
            #expect(gatewayPayment?.amountRefunded == Int64(due))
            #expect(try await server.invoice(id)["status"] as? String == "cancelled")
            // A second credit note on the same invoice is refused: it is already reversed.
            let again = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/credit_notes", json: #"{"reason":"again"}"#)
            #expect(again.status == .conflict)

            // Into the wallet: an invoice paid by transfer, credited back to the workspace's balance.
            let other = try await server.openInvoice()
            let otherID = try #require(other["id"] as? String)
            let workspace = try #require(other["workspace_id"] as? String)
            let otherDue = try #require(other["amount_due"] as? Int)
            _ = try await server.client.call(
                .post, "/api/v1/invoices/\(otherID)/payments",
                json: #"{"method":"bank_transfer","amount":\#(otherDue),"reference":"UTR9"}"#)
            let walletBefore = try await server.client.call(.get, "/api/v1/workspaces/\(workspace)/wallet").object
            let toWallet = try await server.client.call(
                .post, "/api/v1/invoices/\(otherID)/credit_notes", json: #"{"reason":"Goodwill","refund_to":"wallet"}"#)
            #expect(toWallet.status == .created)
            #expect((toWallet.object["refunds"] as? [[String: Any]])?.first?["status"] as? String == "processed")
            let walletAfter = try await server.client.call(.get, "/api/v1/workspaces/\(workspace)/wallet").object
            #expect(
                (walletAfter["balance"] as? Int ?? 0) - (walletBefore["balance"] as? Int ?? 0) == otherDue)
            #expect(try await server.auditCount("invoice.credited", about: otherID) == 1)
        }
    }

    @Test(
        "Auto-pay: a confirmed mandate is debited after a pre-debit notice, and failures retry then stop",
        arguments: TestDatabase.kinds)
    func autoPay(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind, jobs: true) { server in
            let id = try #require(try await server.openInvoice()["id"] as? String)
            try await server.confirmMandate(keeping: id)
            try await server.eventually("the debit is scheduled with a notice") {
                (try await server.invoice(id)["auto_pay"] as? [String: Any])?["status"] as? String == "scheduled"
            }
            let notices = try await Database.withOpen(server.location, logger: Logger(label: "test")) { database in
                let charge = try await database.store.autoPayCharges.find(invoiceID: InvoiceID(rawValue: id))
                return try await database.store.outbox.messages(cause: "pre_debit:\(charge?.id.rawValue ?? "")/1")
            }
            #expect(notices.count == 1)
            #expect(notices.first?.template == "pre_debit_notice")
            // Not before 24 hours have passed since the notice.
            server.clock.advance(by: 23 * 3600)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await server.invoice(id)["status"] as? String == "pending")

            await server.sandbox.failNextRecurringCharges(1)
            server.clock.advance(by: 2 * 3600 + 60)
            try await server.eventually("the first debit fails and a retry is scheduled") {
                let autoPay = try await server.invoice(id)["auto_pay"] as? [String: Any]
                return autoPay?["attempts"] as? Int == 1 && autoPay?["status"] as? String == "scheduled"
            }
            server.clock.advance(by: 26 * 3600)
            try await server.eventually("the retry pays the invoice") {
                try await server.invoice(id)["status"] as? String == "paid"
            }
            let paid = try await server.invoice(id)
            #expect((paid["auto_pay"] as? [String: Any])?["status"] as? String == "succeeded")
            let attempts = paid["payments"] as? [[String: Any]] ?? []
            #expect(attempts.map { $0["status"] as? String } == ["failed", "succeeded"], "every attempt is visible")
        }
    }

    @Test(
        "Auto-pay stops after four failed debits, each one visible on the invoice; a mandate confirmed out of order still counts",
        arguments: TestDatabase.kinds)
    func autoPayStops(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind, jobs: true) { server in
            // token.confirmed arrives before the payment that links the token.
            await server.sandbox.setWebhookMode(.deliverTwiceReversed)
            let id = try #require(try await server.openInvoice()["id"] as? String)
            try await server.confirmMandate(keeping: id)
            await server.sandbox.setWebhookMode(.deliver)
            try await server.eventually("the debit is scheduled") {
                try await server.autoPay(id)?["status"] as? String == "scheduled"
            }
            await server.sandbox.failNextRecurringCharges(10)
            for (attempt, wait) in zip(1...4, [25.0, 25, 49, 97]) {
                server.clock.advance(by: wait * 3600 + 60)
                // Settled, not just claimed: the attempt is on the invoice, failed, and the debit is back on the
                // schedule (or stopped after the last).
                try await server.eventually("debit \(attempt) fails") {
                    let invoice = try await server.invoice(id)
                    let payments = invoice["payments"] as? [[String: Any]] ?? []
                    let autoPay = invoice["auto_pay"] as? [String: Any]
                    return payments.count == attempt && payments.last?["status"] as? String == "failed"
                        && autoPay?["status"] as? String == (attempt < 4 ? "scheduled" : "stopped")
                }
            }
            try await server.eventually("auto-pay stops") {
                try await server.autoPay(id)?["status"] as? String == "stopped"
            }
            let attempts = try await server.invoice(id)["payments"] as? [[String: Any]] ?? []
            #expect(attempts.count == 4)
            #expect(attempts.allSatisfy { $0["status"] as? String == "failed" })
            #expect((try await server.autoPay(id)?["last_error"] as? String)?.isEmpty == false)
            // A person can still pay it.
            let (again, _) = try await server.startGatewayPayment(id)
            #expect(again.status == .created)
        }
    }

    @Test(
        "An attempt abandoned at checkout fails after half an hour, so the invoice can be paid another way",
        arguments: TestDatabase.kinds)
    func abandonedCheckout(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind, jobs: true) { server in
            let id = try #require(try await server.openInvoice()["id"] as? String)
            let (_, orderID) = try await server.startGatewayPayment(id)
            let blocked = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/payments",
                json: #"{"method":"bank_transfer","amount":100,"reference":"x"}"#)
            #expect(blocked.status == .conflict, "an attempt is in flight")
            server.clock.advance(by: 31 * 60)
            try await server.eventually("the abandoned attempt fails") {
                try await server.invoice(id)["status"] as? String == "failed"
            }
            let paid = try await server.client.call(
                .post, "/api/v1/invoices/\(id)/payments",
                json: #"{"method":"bank_transfer","amount":100,"reference":"x"}"#)
            #expect(paid.status == .created)
            // The payer comes back to the old order after all: it still counts, once.
            _ = try await server.sandbox.capture(orderID: orderID)
            try await server.eventually("the late capture pays the rest") {
                try await server.invoice(id)["amount_paid"] as? Int ?? 0 > 100
            }
        }
    }

    @Test(
        "With Razorpay the portal offers Pay Now on the invoice, the history and the print view; no sandbox is served",
        arguments: TestDatabase.kinds)
    func portalWithRazorpay(kind: DatabaseKind) async throws {
        try await withPaymentServer(kind) { server in
            var owner = try await PortalPageTests.Browser.signedIn(server.client)
            let chai = try await MemberAccessTests.workspaceID(server.client, named: "Chai Labs")
            let open = try await PaymentsOffTests.openInvoice(server.client, workspace: chai)
            let id = try #require(open["id"] as? String)
            let page = String(buffer: try await owner.get(server.client, "/portal/invoices/\(id)").body)
            #expect(page.contains("data-testid=\"pay-now\""))
            #expect(!page.contains("data-testid=\"other-ways-to-pay\""))
            let history = String(
                buffer: try await owner.get(server.client, "/portal/invoices?status=\(open["status"] as? String ?? "")")
                    .body)
            #expect(history.contains("data-testid=\"pay\""))
            let print = String(buffer: try await owner.get(server.client, "/portal/invoices/\(id)/print").body)
            #expect(print.contains("Pay now"))
            let pay = try await owner.post(server.client, "/portal/invoices/\(id)/pay", [])
            #expect(pay.headers[.location]?.hasPrefix("/portal/checkout/pay_") == true)
            #expect(await server.sandbox.orders.count == 1, "the order went to Razorpay (here, the fake)")
            let ownSandbox = try await server.client.call(.get, "/sandbox/razorpay/checkout?order_id=x", key: nil)
            #expect(ownSandbox.status == .notFound)
        }
    }
}
