import BillfoldCore
import BillfoldEngine
import BillfoldPayments
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The payment use cases over a fresh database and a `TestGateway`, on a clock the test moves: a supplier and one
/// postpaid workspace in Karnataka, and nothing set up on the gateway.
struct PaymentBench {
    let database: Database
    let clock: ManualClock
    let gateway: TestGateway
    let invoices: InvoiceService
    let payments: PaymentService
    let autoPay: AutoPayService
    let workspace: Workspace

    /// Runs `body` with a bench on a new database of `kind`. `sleep` is how a Pay Now request waits for another
    /// request's order.
    static func run(
        _ kind: DatabaseKind, autoPay: Bool = false,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        sourceLocation: SourceLocation = #_sourceLocation, _ body: (PaymentBench) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            var workspace = Fixtures.workspace()
            workspace.autoPay = autoPay
            try await Fixtures.seed(database.store, workspace: workspace)
            let clock = ManualClock(Fixtures.now)
            let gateway = TestGateway(sourceLocation: sourceLocation)
            var logger = Logger(label: "billfold-test")
            logger.logLevel = .critical
            let invoices = InvoiceService(database: database, clock: clock.billingClock())
            let payments = PaymentService(invoices: invoices, gateway: gateway, logger: logger, sleep: sleep)
            try await body(
                PaymentBench(
                    database: database, clock: clock, gateway: gateway, invoices: invoices, payments: payments,
                    autoPay: AutoPayService(payments: payments), workspace: workspace))
        }
    }

    /// A finalized invoice of `lines` (by default ₹1,030.00 taxable, ₹1,215.40 due).
    /// Starts Pay Now on `invoice` against a gateway that takes the order request and answers it with `answer`
    /// only once the test calls the returned `release`, as a connection that hangs; returns when the order has been
    /// asked for. The request ends at the latest when `release` is called.
    func payNowWithHangingOrder(
        _ invoice: Invoice, answer: @escaping @Sendable (OrderRequest) throws -> GatewayOrder
    ) async -> (request: Task<PaymentService.Checkout, any Error>, release: @Sendable () -> Void) {
        let hang = Shared((asked: false, released: false))
        self.gateway.answers.createOrder = { request in
            hang.change { $0.asked = true }
            await hang.wait(until: "the test lets the order request end") { $0.released }
            return try answer(request)
        }
        let request = Task { [payments = self.payments] in
            try await payments.payThroughGateway(invoice.id, amount: nil, actor: "member")
        }
        await hang.wait(until: "the order is asked for") { $0.asked }
        return (request, { hang.change { $0.released = true } })
    }

    func openInvoice(lines: [InvoiceLine] = Fixtures.lines()) async throws -> Invoice {
        let draft = try await self.invoices.createDraft(
            kind: .invoice, workspaceID: self.workspace.id, subscriptionID: nil,
            periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
            periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: "Growth - Monthly", lines: lines)
        return try await self.invoices.finalize(draft.id, actor: "test")
    }

    /// The invoice as stored now.
    func invoice(_ id: InvoiceID, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Invoice {
        try #require(try await self.database.store.invoices.find(id), sourceLocation: sourceLocation)
    }

    /// How many audit entries about `subject` record `action`.
    func auditCount(_ action: String, about subject: String) async throws -> Int {
        try await self.database.store.auditLog.entries(about: subject).filter { $0.action == action }.count
    }

    /// Delivers `webhook` as the gateway would.
    func deliver(_ webhook: TestWebhook) async throws -> PaymentService.WebhookResult {
        try await self.payments.receiveWebhook(
            body: webhook.body, signature: webhook.signature, eventID: webhook.eventID)
    }

    /// Delivers a new event `name` about `payment`: what the gateway sends when a payment changes.
    @discardableResult
    func report(_ payment: GatewayPayment, as name: String = "payment.captured") async throws
        -> PaymentService.WebhookResult
    {
        try await self.deliver(try TestGateway.webhook(name, payment: payment))
    }

    /// Starts paying `invoice` through the gateway, the gateway answering with a new order.
    func startPaying(_ invoice: Invoice, amount: Money? = nil) async throws -> PaymentService.Checkout {
        self.gateway.answers.createOrder = { request in Self.order(for: request) }
        return try await self.payments.payThroughGateway(invoice.id, amount: amount, actor: "test")
    }

    /// Pays `invoice` in full through the gateway, reported captured by webhook; returns the captured payment.
    func payInFull(_ invoice: Invoice) async throws -> GatewayPayment {
        let checkout = try await self.startPaying(invoice)
        self.gateway.answers.isValidWebhookSignature = TestGateway.checksWebhookSignatures
        let captured = Self.payment(on: checkout.orderID, amount: checkout.payment.amount.minorUnits)
        #expect(try await self.report(captured) == .applied)
        #expect(try await self.invoice(invoice.id).state == .paid)
        return captured
    }

    /// The order the gateway makes for `request`; its id names the attempt (or mandate) it was made for.
    static func order(for request: OrderRequest) -> GatewayOrder {
        GatewayOrder(
            id: "order_\(request.receipt.filter { $0.isLetter || $0.isNumber })", amount: request.amount,
            amountPaid: 0, amountDue: request.amount, currency: request.currency, receipt: request.receipt,
            status: .created, attempts: 0, notes: request.notes, createdAt: 1_790_000_000)
    }

    /// A payment on `orderID` as the gateway reports it: captured by UPI unless said otherwise.
    static func payment(
        on orderID: String, amount: Int64, status: GatewayPayment.Status = .captured, id: String? = nil,
        errorDescription: String? = nil, customerID: String? = nil, tokenID: String? = nil
    ) -> GatewayPayment {
        GatewayPayment(
            id: id ?? "pay_\(orderID.dropFirst("order_".count))G", orderID: orderID, amount: amount, currency: "INR",
            status: status, method: "upi", errorCode: errorDescription.map { _ in "BAD_REQUEST_ERROR" },
            errorDescription: errorDescription, customerID: customerID, tokenID: tokenID, createdAt: 1_790_000_000)
    }

    /// The gateway's answer to `request`: a refund with `status`.
    static func refund(
        for request: RefundRequest, status: GatewayRefund.Status, id: String = "rfnd_test0000001"
    ) -> GatewayRefund {
        GatewayRefund(
            id: id, paymentID: request.paymentID, amount: request.amount ?? 0, currency: "INR", status: status,
            receipt: request.receipt, createdAt: 1_790_000_000)
    }

    static let hour: TimeInterval = 3600
    static let minute: TimeInterval = 60
}

/// A value tests read and change from several tasks.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    /// Changes the value and returns what `change` returns.
    func change<Result: Sendable>(_ change: @Sendable (inout Value) -> Result) -> Result {
        self.value.withLock { change(&$0) }
    }

    var current: Value { self.value.withLock { $0 } }

    /// Waits until `condition` holds of the value. The minute of real time is only a safety net for something that
    /// never happens (then the test fails); how soon it holds depends on how busy the machine is.
    func wait(
        until what: String, _ condition: @Sendable (Value) -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition(self.current) {
            guard ContinuousClock.now < deadline else {
                Issue.record("never, in a minute: \(what)", sourceLocation: sourceLocation)
                return
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
