import BillfoldPayments
import BillfoldStore
import Logging

/// Billfold's use cases over one database, each built once: every write with a business rule goes through one of
/// them, whether it comes from the API, the portal, a background job or the command line.
public struct Engine: Sendable {
    public let invoices: InvoiceService
    public let payments: PaymentService
    public let wallet: WalletService
    public let subscriptions: SubscriptionService
    public let billing: BillingRun
    public let documents: DocumentService
    public let autoPay: AutoPayService
    public let access: MemberAccess
    public let workspaces: WorkspaceService
    public let catalog: CatalogService
    public let usage: UsageService
    public let supplier: SupplierService

    public var database: Database { self.invoices.database }
    public var clock: BillingClock { self.invoices.clock }

    /// The use cases over `database` on `clock`; `gateway` takes online payments (`nil`: online payment is off).
    public init(
        database: Database, clock: BillingClock, gateway: (any PaymentGateway)?,
        signInPolicy: SignInPolicy = SignInPolicy(), logger: Logger = Logger(label: "billfold")
    ) {
        let invoices = InvoiceService(database: database, clock: clock)
        let payments = PaymentService(invoices: invoices, gateway: gateway, logger: logger)
        self.invoices = invoices
        self.payments = payments
        self.wallet = WalletService(invoices: invoices)
        self.subscriptions = SubscriptionService(database: database, clock: clock)
        self.billing = BillingRun(invoices: invoices)
        self.documents = DocumentService(database: database, clock: clock)
        self.autoPay = AutoPayService(payments: payments)
        self.access = MemberAccess(database: database, clock: clock, policy: signInPolicy)
        self.workspaces = WorkspaceService(database: database, clock: clock)
        self.catalog = CatalogService(database: database, clock: clock)
        self.usage = UsageService(database: database, clock: clock)
        self.supplier = SupplierService(database: database, clock: clock)
    }
}
