import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A server nobody configured for payments: no gateway, so nothing can be "paid" that was not, while the wallet and
/// recorded bank transfers still work.
@Suite("With online payment off")
struct PaymentsOffTests {
    static let now = InvoiceAPITests.now
    typealias Browser = PortalPageTests.Browser

    /// The first of a workspace's open invoices with at least ₹2 due.
    static func openInvoice(_ client: some ServerTestClient, workspace: String) async throws -> [String: Any] {
        let list = try await client.call(
            .get, "/api/v1/invoices?workspace_id=\(workspace)&status=pending,overdue&kind=invoice&limit=100")
        let rows = list.object["data"] as? [[String: Any]] ?? []
        return try #require(rows.first { ($0["amount_due"] as? Int ?? 0) >= 200 }, "an open invoice")
    }

    static func expectNotConfigured(
        _ response: ServerTestResponse, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == .conflict, "\(response.object)", sourceLocation: sourceLocation)
        #expect(
            response.error["code"] as? String == "online_payments_not_configured", sourceLocation: sourceLocation)
        #expect(response.error["type"] as? String == "conflict_error", sourceLocation: sourceLocation)
    }

    @Test(
        "a gateway payment, a gateway top-up and a mandate answer 409 online_payments_not_configured and store nothing",
        arguments: TestDatabase.kinds)
    func gatewayOperationsRefused(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let open = try await Self.openInvoice(client, workspace: chai)
            let id = try #require(open["id"] as? String)
            let before = try await client.call(.get, "/api/v1/invoices/\(id)").object

            let paid = try await client.call(.post, "/api/v1/invoices/\(id)/payments", json: #"{"method":"gateway"}"#)
            Self.expectNotConfigured(paid)
            let message = paid.error["message"] as? String ?? ""
            for words in ["online payment is off", "wallet", "bank transfer", "BILLFOLD_RAZORPAY_KEY_ID"] {
                #expect(message.contains(words), "\(words) in \(message)")
            }
            let after = try await client.call(.get, "/api/v1/invoices/\(id)").object
            #expect(after["status"] as? String == before["status"] as? String)
            #expect((after["payments"] as? [Any])?.count == (before["payments"] as? [Any])?.count)
            #expect(after["amount_due"] as? Int == before["amount_due"] as? Int)

            // A member of the workspace is told the same.
            let session = try await client.call(
                .post, "/api/v1/sessions", json: #"{"email": "owner@chailabs.example", "password": "billfold-demo"}"#,
                key: nil)
            let token = try #require(session.object["token"] as? String)
            Self.expectNotConfigured(
                try await client.call(
                    .post, "/api/v1/invoices/\(id)/payments", json: #"{"method":"gateway"}"#, key: token))

            let meera = try await MemberAccessTests.workspaceID(client, named: "Meera Iyer")
            let topUp = try await client.call(
                .post, "/api/v1/workspaces/\(meera)/wallet/top_ups", json: #"{"amount":50000,"method":"gateway"}"#)
            Self.expectNotConfigured(topUp)
            let drafts = try await client.call(
                .get, "/api/v1/invoices?workspace_id=\(meera)&kind=receipt&status=draft&limit=100")
            #expect((drafts.object["data"] as? [Any])?.isEmpty == true, "no draft receipt was left behind")

            #expect(
                try await client.call(.patch, "/api/v1/workspaces/\(chai)", json: #"{"auto_pay":true}"#).status == .ok)
            let mandate = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/mandates", json: #"{"max_amount":1500000}"#)
            Self.expectNotConfigured(mandate)
            let mandates = try await client.call(.get, "/api/v1/workspaces/\(chai)/mandates")
            #expect((mandates.object["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("the sandbox is not served, and Razorpay's webhook and the checkout page answer 409, not 5xx")
    func nothingOfTheGatewayIsServed() async throws {
        try await withTestServer(.sqlite, demo: true, now: Self.now) { client in
            for (method, path) in [
                (HTTPRequest.Method.get, "/sandbox/razorpay/checkout?order_id=order_demo0"),
                (.post, "/sandbox/razorpay/v1/orders"), (.get, "/sandbox/razorpay/v1/orders/order_demo0"),
            ] {
                let response = try await client.call(method, path, json: method == .post ? "{}" : nil, key: nil)
                #expect(response.status == .notFound, "\(path)")
            }
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[HTTPField.Name("X-Razorpay-Signature")!] = String(repeating: "ab", count: 32)
            headers[HTTPField.Name("x-razorpay-event-id")!] = "evt_test_1"
            let webhook = try await client.execute(
                uri: "/api/v1/webhooks/razorpay", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"entity":"event","event":"payment.captured","payload":{}}"#))
            Self.expectNotConfigured(webhook)
            #expect((webhook.error["message"] as? String)?.contains("nothing was changed") == true)

            let yamuna = try await MemberAccessTests.workspaceID(client, named: "Yamuna Retail")
            let processing = try await client.call(
                .get, "/api/v1/invoices?workspace_id=\(yamuna)&status=processing&limit=1")
            let invoice = try #require((processing.object["data"] as? [[String: Any]])?.first?["id"] as? String)
            let detail = try await client.call(.get, "/api/v1/invoices/\(invoice)")
            let attempt = try #require((detail.object["payments"] as? [[String: Any]])?.first?["id"] as? String)
            Self.expectNotConfigured(try await client.call(.get, "/portal/checkout/\(attempt)", key: nil))
        }
    }

    @Test("the wallet and a recorded bank transfer still pay an invoice", arguments: TestDatabase.kinds)
    func walletAndBankTransfer(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let open = try await Self.openInvoice(client, workspace: chai)
            let id = try #require(open["id"] as? String)
            let due = try #require(open["amount_due"] as? Int)

            let transfer = try await client.call(
                .post, "/api/v1/invoices/\(id)/payments",
                json: #"{"method":"bank_transfer","amount":100,"reference":"NEFT-OFF-1"}"#)
            #expect(transfer.status == .created, "\(transfer.object)")
            #expect((transfer.object["invoice"] as? [String: Any])?["amount_due"] as? Int == due - 100)

            #expect(
                try await client.call(
                    .patch, "/api/v1/workspaces/\(chai)", json: #"{"billing_mode":"prepaid"}"#
                ).status == .ok)
            let topUp = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/wallet/top_ups",
                json: #"{"amount":\#(due),"method":"bank_transfer","reference":"NEFT-OFF-2"}"#)
            #expect(topUp.status == .created, "\(topUp.object)")
            let wallet = try await client.call(.post, "/api/v1/invoices/\(id)/payments", json: #"{"method":"wallet"}"#)
            #expect(wallet.status == .created, "\(wallet.object)")
            let paid = try await client.call(.get, "/api/v1/invoices/\(id)").object
            #expect(paid["status"] as? String == "paid")
            #expect(paid["amount_due"] as? Int == 0)
            let methods = (paid["payments"] as? [[String: Any]] ?? []).compactMap { $0["method"] as? String }
            #expect(methods.sorted() == ["bank_transfer", "wallet"])
        }
    }

    @Test(
        "the portal hides Pay Now on the invoice, the history and the print view, and says how else to pay",
        arguments: TestDatabase.kinds)
    func portalWithoutPayNow(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let open = try await Self.openInvoice(client, workspace: chai)
            let id = try #require(open["id"] as? String)
            let number = try #require(open["number"] as? String)
            var owner = try await Browser.signedIn(client)

            let page = String(buffer: try await owner.get(client, "/portal/invoices/\(id)").body)
            #expect(!page.contains("data-testid=\"pay-now\""))
            #expect(!page.contains("/portal/invoices/\(id)/pay\""))
            let help = try #require(PortalPageTests.text(of: "other-ways-to-pay", in: page))
            #expect(help.contains("Online payment is not available"))
            #expect(help.contains("billing@nimbus.example"), "the supplier's email: \(help)")
            #expect(help.contains(number), "the number to quote: \(help)")
            #expect(!page.contains("data-testid=\"pay-from-wallet\""), "Chai Labs' wallet is empty")

            let history = String(
                buffer: try await owner.get(client, "/portal/invoices?status=\(open["status"] as? String ?? "")").body)
            #expect(!PortalPageTests.rowIDs(history).isEmpty)
            #expect(!history.contains("data-testid=\"pay\""))
            #expect(PortalPageTests.text(of: "other-ways-to-pay", in: history)?.contains("bank transfer") == true)

            let print = String(buffer: try await owner.get(client, "/portal/invoices/\(id)/print").body)
            #expect(!print.contains("Pay now"))
            let instructions = try #require(PortalPageTests.text(of: "payment-instructions", in: print))
            #expect(instructions.contains("billing@nimbus.example") && instructions.contains(number))

            // A page from before payment was turned off: nothing is started, the invoice says why.
            let pay = try await owner.post(client, "/portal/invoices/\(id)/pay", [])
            #expect(pay.status == .seeOther)
            #expect(pay.headers[.location] == "/portal/invoices/\(id)?payment=offline")
            let detail = try await client.call(.get, "/api/v1/invoices/\(id)").object
            #expect((detail["payments"] as? [Any])?.count == (open["payments"] as? [Any])?.count ?? 0)

            // A prepaid workspace tops up by bank transfer: no gateway form.
            var meera = try await Browser.signedIn(client, "meera.iyer@mail.example")
            let wallet = String(buffer: try await meera.get(client, "/portal/wallet").body)
            #expect(!wallet.contains("data-testid=\"top-up\""))
            #expect(
                PortalPageTests.text(of: "top-up-by-transfer", in: wallet)?.contains("billing@nimbus.example") == true)
            let topUp = try await meera.post(client, "/portal/wallet/top_ups", [("amount", "500.00")])
            #expect(topUp.status == .conflict)
            #expect(
                PortalPageTests.text(of: "error", in: String(buffer: topUp.body))?.contains("bank transfer") == true)
        }
    }

    @Test("the portal pays an invoice from the wallet's balance", arguments: TestDatabase.kinds)
    func portalPaysFromTheWallet(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let open = try await Self.openInvoice(client, workspace: chai)
            let id = try #require(open["id"] as? String)
            let due = try #require(open["amount_due"] as? Int)
            #expect(
                try await client.call(
                    .patch, "/api/v1/workspaces/\(chai)", json: #"{"billing_mode":"prepaid"}"#
                ).status == .ok)
            let topUp = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/wallet/top_ups",
                json: #"{"amount":\#(due - 100),"method":"bank_transfer","reference":"NEFT-WALLET"}"#)
            #expect(topUp.status == .created)

            var owner = try await Browser.signedIn(client)
            let page = String(buffer: try await owner.get(client, "/portal/invoices/\(id)").body)
            let balance = Money(minorUnits: Int64(due - 100), currency: .inr).formatted()
            #expect(PortalPageTests.text(of: "pay-from-wallet", in: page)?.contains(balance) == true)
            #expect(PortalPageTests.text(of: "wallet-option", in: page)?.contains(balance) == true)
            let forged = try await owner.post(client, "/portal/invoices/\(id)/pay_from_wallet", [], token: "forged")
            #expect(forged.status == .forbidden)
            let paid = try await owner.post(client, "/portal/invoices/\(id)/pay_from_wallet", [])
            #expect(paid.status == .seeOther)
            #expect(paid.headers[.location] == "/portal/invoices/\(id)?payment=wallet")
            let after = try await client.call(.get, "/api/v1/invoices/\(id)").object
            #expect(after["amount_due"] as? Int == 100, "the wallet paid all it held")
            let wallet = try await client.call(.get, "/api/v1/workspaces/\(chai)/wallet").object
            #expect(wallet["balance"] as? Int == 0)
            let again = String(buffer: try await owner.get(client, "/portal/invoices/\(id)?payment=wallet").body)
            #expect(PortalPageTests.text(of: "payment-notice", in: again)?.contains("wallet") == true)
            #expect(!again.contains("data-testid=\"pay-from-wallet\""))
        }
    }

    @Test(
        "with the sandbox the portal offers Pay Now everywhere, and it reaches the sandbox's checkout",
        arguments: TestDatabase.kinds)
    func portalWithTheSandbox(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now, gateway: .sandbox) { client in
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let open = try await Self.openInvoice(client, workspace: chai)
            let id = try #require(open["id"] as? String)
            var owner = try await Browser.signedIn(client)
            let page = String(buffer: try await owner.get(client, "/portal/invoices/\(id)").body)
            #expect(page.contains("data-testid=\"pay-now\""))
            #expect(!page.contains("data-testid=\"other-ways-to-pay\""))
            let history = String(
                buffer: try await owner.get(client, "/portal/invoices?status=\(open["status"] as? String ?? "")").body)
            #expect(history.contains("data-testid=\"pay\""))
            #expect(!history.contains("data-testid=\"other-ways-to-pay\""))
            let print = String(buffer: try await owner.get(client, "/portal/invoices/\(id)/print").body)
            #expect(print.contains("Pay now"))
            #expect(!print.contains("data-testid=\"payment-instructions\""))

            let pay = try await owner.post(client, "/portal/invoices/\(id)/pay", [])
            #expect(pay.status == .seeOther)
            let checkout = try #require(pay.headers[.location])
            #expect(checkout.hasPrefix("/portal/checkout/pay_"))
            let hosted = try await owner.get(client, checkout)
            let sandbox = try #require(hosted.headers[.location])
            #expect(sandbox.hasPrefix("/sandbox/razorpay/checkout?"))
            let sandboxPage = try await owner.get(client, sandbox)
            #expect(sandboxPage.status == .ok)
            #expect(String(buffer: sandboxPage.body).contains("SANDBOX"))
        }
    }
}

/// A gateway that must not be called: every call is counted and fails.
final class UncallableGateway: PaymentGateway {
    let calls = Mutex(0)
    let provider = "sandbox"
    var checkout: CheckoutConfiguration { CheckoutConfiguration(keyID: "rzp_test_uncallable", hostedCheckoutURL: nil) }

    private func called() -> GatewayError {
        self.calls.withLock { $0 += 1 }
        return .unavailable("this test's gateway takes no calls")
    }

    func createOrder(_ request: OrderRequest) async throws(GatewayError) -> GatewayOrder { throw self.called() }
    func fetchOrder(id: String) async throws(GatewayError) -> GatewayOrder { throw self.called() }
    func fetchPayments(orderID: String) async throws(GatewayError) -> [GatewayPayment] { throw self.called() }
    func fetchPayment(id: String) async throws(GatewayError) -> GatewayPayment { throw self.called() }
    func refund(_ request: RefundRequest) async throws(GatewayError) -> GatewayRefund { throw self.called() }
    func fetchRefund(paymentID: String, refundID: String) async throws(GatewayError) -> GatewayRefund {
        throw self.called()
    }
    func createCustomer(_ request: CustomerRequest) async throws(GatewayError) -> GatewayCustomer {
        throw self.called()
    }
    func fetchToken(customerID: String, tokenID: String) async throws(GatewayError) -> GatewayToken {
        throw self.called()
    }
    func chargeRecurring(_ request: RecurringChargeRequest) async throws(GatewayError) -> RecurringChargeResult {
        throw self.called()
    }
    func isValidCheckoutSignature(orderID: String, paymentID: String, signature: String) -> Bool {
        _ = self.called()
        return false
    }
    func isValidWebhookSignature(body: [UInt8], signature: String) -> Bool {
        _ = self.called()
        return false
    }
}

extension PaymentsOffTests {
    @Test(
        "the payment jobs leave attempts in flight alone and schedule no auto-pay debit with online payment off",
        arguments: TestDatabase.kinds)
    func paymentJobsWithoutAGateway(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            _ = try await DemoData.seed(into: database, now: Self.now)
            let clock = BillingClock { Self.now.addingTimeInterval(3600) }
            let invoices = InvoiceService(database: database, clock: clock)
            let store = database.store
            let chai = try #require(
                try await store.workspaces.list(limit: 100, startingAfter: nil).first { $0.name == "Chai Labs" })
            var autoPay = chai
            autoPay.autoPay = true
            try await store.workspaces.update(autoPay, at: Self.now)
            try await store.mandates.create(
                Mandate(
                    workspaceID: chai.id, provider: "sandbox", status: .confirmed, customerID: "cust_test",
                    authorisationOrderID: "order_mandate_test", tokenID: "token_test",
                    maxAmount: Money(minorUnits: 1_500_000, currency: .inr),
                    expiresAt: Self.now.addingTimeInterval(365 * 86_400), createdAt: Self.now))
            let processing = try await store.invoices.list(
                InvoiceFilter(statuses: [.processing]), today: clock.today, limit: 10, startingAfter: nil)
            #expect(!processing.isEmpty, "the demo has an attempt in flight")
            let open = try await store.invoices.list(
                InvoiceFilter(workspaceID: chai.id, statuses: [.pending, .overdue], kinds: [.invoice]),
                today: clock.today, limit: 10,
                startingAfter: nil)
            #expect(!open.isEmpty)

            let off = PaymentService(invoices: invoices, gateway: nil)
            #expect(try await off.reconcile(grace: 0) == 0)
            #expect(try await AutoPayService(payments: off).scheduleDebits() == 0)
            #expect(try await AutoPayService(payments: off).chargeDue() == 0)
            await PaymentJobs(payments: off, interval: .seconds(60), logger: .init(label: "test")).runOnce()
            for item in processing {
                #expect(try await store.invoices.find(item.id)?.hasAttemptInFlight == true, "\(item.id)")
            }
            for item in open {
                #expect(try await store.autoPayCharges.find(invoiceID: item.id) == nil, "no debit for \(item.id)")
            }

            // The same data with a gateway: there was work to do, and scheduling asks the gateway nothing.
            let gateway = UncallableGateway()
            let on = PaymentService(invoices: invoices, gateway: gateway)
            #expect(try await AutoPayService(payments: on).scheduleDebits() == open.count)
            #expect(gateway.calls.withLock { $0 } == 0)
            #expect(try await on.reconcile(grace: 0) >= processing.count)
        }
    }
}
