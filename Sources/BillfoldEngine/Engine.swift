import BillfoldPayments
import BillfoldStore
import BillfoldWebhooks
import Logging

/// Billfold's use cases over one database, each built once: every write with a business rule goes through one of
/// them, whether it comes from the API, the portal, a background job or the command line.
package struct Engine: Sendable {
    package let invoices: InvoiceService
    package let payments: PaymentService
    package let wallet: WalletService
    package let subscriptions: SubscriptionService
    package let billing: BillingRun
    package let documents: DocumentService
    package let autoPay: AutoPayService
    package let access: MemberAccess
    package let workspaces: WorkspaceService
    package let catalog: CatalogService
    package let usage: UsageService
    package let supplier: SupplierService
    /// Queues mail for the billing contacts of a workspace.
    package let mail: MailComposer
    package let dunning: DunningService
    package let eventMail: EventMail
    /// Credit and debit notes, and the credit balance.
    package let corrections: CorrectionService
    package let disputes: DisputeService
    /// Webhook endpoints, and the deliveries the event log owes them.
    package let webhooks: WebhookService

    package var database: Database { self.invoices.database }
    package var clock: BillingClock { self.invoices.clock }

    /// The use cases over `database` on `clock`; `gateway` takes online payments (`nil`: online payment is off),
    /// `mail` renders and queues what customers are told, `masterKey` seals stored secrets (`nil`: none can be
    /// stored, so no webhook endpoint created), and `webhookPolicy` says which URLs webhooks may go to.
    package init(
        database: Database, clock: BillingClock, gateway: (any PaymentGateway)?,
        signInPolicy: SignInPolicy = SignInPolicy(), mail: MailComposer = .standard, masterKey: MasterKey? = nil,
        webhookPolicy: WebhookAddressPolicy = WebhookAddressPolicy(allowsInsecure: false),
        logger: Logger = Logger(label: "billfold")
    ) {
        let invoices = InvoiceService(database: database, clock: clock)
        let payments = PaymentService(invoices: invoices, gateway: gateway, mail: mail, logger: logger)
        let dunning = DunningService(database: database, clock: clock, mail: mail)
        self.mail = mail
        self.dunning = dunning
        self.eventMail = EventMail(database: database, clock: clock, mail: mail, dunning: dunning)
        self.invoices = invoices
        self.payments = payments
        self.corrections = CorrectionService(payments: payments)
        self.disputes = DisputeService(corrections: self.corrections)
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
        self.webhooks = WebhookService(database: database, clock: clock, masterKey: masterKey, policy: webhookPolicy)
    }
}
