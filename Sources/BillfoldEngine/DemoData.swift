import BillfoldCore
import BillfoldStore
import BillfoldWebhooks
import Foundation
import HummingbirdBcrypt

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A believable platform to look around in: a supplier in Karnataka, seven workspaces, a year of invoices.
package enum DemoData {
    /// The password of every demo member.
    package static let portalPassword = "billfold-demo"
    /// The portal login printed by `serve --demo`: an owner of the first workspace.
    package static let portalEmail = "owner@chailabs.example"
    /// The operator API key `serve --demo` creates, so the README's examples work as written.
    package static let apiKey = "bf_demo_local_only_key"

    /// What seeding created.
    package struct Summary: Sendable {
        package let workspaces: Int
        package let documents: Int
        /// The endpoint pointing at the demo's own receiver, when one was asked for.
        package var webhookEndpoint: WebhookEndpoint? = nil
    }

    /// The demo's own webhook receiver (`/sandbox/webhooks` on the demo server), which seeding points an endpoint
    /// at, every event type, its secret sealed under `masterKey`.
    package struct WebhookReceiver: Sendable {
        package let url: String
        package let masterKey: MasterKey

        package init(url: String, masterKey: MasterKey) {
            self.url = url
            self.masterKey = masterKey
        }
    }

    /// The description of the endpoint pointing at the demo's receiver.
    package static let webhookEndpointDescription = "Demo receiver: see /sandbox/webhooks"

    /// Seeds an empty database as of `now`, with an endpoint for `webhookReceiver` when given (an http URL on
    /// loopback, which the demo allows); returns `nil` and changes nothing when workspaces already exist.
    package static func seed(
        into database: Database, now: Date, timeZone: TimeZone = .indiaStandardTime,
        webhookReceiver: WebhookReceiver? = nil
    ) async throws -> Summary? {
        guard try await database.store.workspaces.count() == 0 else { return nil }
        var seeder = Seeder(database: database, now: now, timeZone: timeZone)
        var summary = try await seeder.run()
        if let webhookReceiver {
            let webhooks = WebhookService(
                database: database, clock: BillingClock(timeZone: timeZone) { now },
                masterKey: webhookReceiver.masterKey, policy: WebhookAddressPolicy(allowsInsecure: true))
            summary.webhookEndpoint = try await webhooks.create(
                url: webhookReceiver.url, eventTypes: [], description: Self.webhookEndpointDescription,
                isEnabled: true
            ).endpoint
        }
        return summary
    }

    /// Where the demo keeps its master key when `BILLFOLD_MASTER_KEY` is not set: beside its SQLite file
    /// (`billfold-demo.sqlite.master-key`), or for PostgreSQL `billfold-demo.master-key` in the working directory.
    package static func masterKeyFile(for location: DatabaseLocation) -> URL {
        switch location {
        case .sqlite(let path): URL(fileURLWithPath: path + ".master-key")
        case .postgres: URL(fileURLWithPath: "billfold-demo.master-key")
        }
    }

    /// The master key kept in `file`, made there (readable by its owner only) when the file does not exist;
    /// `isNew` says which. A file that holds no key is an error rather than replaced: the secrets sealed under the
    /// key it held would no longer open.
    package static func masterKey(in file: URL) throws -> (key: MasterKey, isNew: Bool) {
        let path = file.path
        let generated = MasterKey.generate()
        // O_EXCL: two demos starting at once both end up with the key the first one wrote.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            let bytes = Array((generated.base64 + "\n").utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            guard written == bytes.count else {
                try? FileManager.default.removeItem(atPath: path)
                throw EngineError(.invalidState, "the demo's master key could not be written to \(path)")
            }
            return (generated.key, true)
        }
        guard errno == EEXIST else {
            throw EngineError(
                .invalidState,
                "the demo's master key file \(path) could not be created: \(String(cString: strerror(errno)))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError(.invalidState, "the demo's master key file \(path) could not be read")
        }
        guard let key = MasterKey(base64: String(decoding: data, as: UTF8.self)) else {
            throw EngineError(
                .invalidState,
                "\(path) does not hold a master key (32 bytes in base64). Delete it to have a new one made, which "
                    + "leaves the demo's webhook endpoints unable to sign: delete the demo database too.")
        }
        return (key, false)
    }
}

/// One service a demo workspace runs, billed by usage each month.
private struct DemoService {
    let resourceType: String
    let resourceName: String
    let description: String
    let unit: String
    let unitPrice: String
    let monthlyQuantity: Int64
}

/// How a demo workspace's latest invoice stands, so every display status appears.
private enum LatestInvoiceOutcome {
    case unpaid
    case processing
    case failed
    case paidByTransfer
    case paidFromWallet
}

private struct DemoWorkspace {
    let workspace: Workspace
    let planCode: String
    let seats: Int
    let monthlyCreditsUsed: Int64
    let services: [DemoService]
    let latest: LatestInvoiceOutcome
    let members: [(name: String, email: String, role: MemberRole)]
}

private struct Seeder {
    let database: Database
    let now: Date
    let timeZone: TimeZone
    let clock: ManualClock
    let invoices: InvoiceService
    let wallet: WalletService
    let disputes: DisputeService
    var documents = 0

    init(database: Database, now: Date, timeZone: TimeZone) {
        self.database = database
        self.now = now
        self.timeZone = timeZone
        self.clock = ManualClock(now)
        self.invoices = InvoiceService(database: database, clock: self.clock.billingClock(timeZone: timeZone))
        self.wallet = WalletService(invoices: self.invoices)
        self.disputes = DisputeService(
            corrections: CorrectionService(payments: PaymentService(invoices: self.invoices, gateway: nil)))
    }

    mutating func run() async throws -> DemoData.Summary {
        let today = CalendarDate(self.now, in: self.timeZone)
        let currentPeriodStart = today.firstOfMonth
        let yearAgo = currentPeriodStart.adding(months: -13)
        self.move(to: yearAgo, hour: 10)
        let store = self.database.store
        try await store.supplier.save(Self.supplier)
        let plans = try Self.plans(createdAt: self.clock.now)
        for plan in plans.values.sorted(by: { $0.code < $1.code }) { try await store.plans.create(plan) }
        let workspaces = try Self.workspaces(createdAt: self.clock.now)
        let passwordHash = try await MemberAccess.offloaded { Bcrypt.hash(DemoData.portalPassword, cost: 10) }
        for demo in workspaces {
            try await store.workspaces.create(demo.workspace)
            for person in demo.members {
                let member = Member(
                    id: .generate(), workspaceID: demo.workspace.id, email: person.email, name: person.name,
                    role: person.role, createdAt: self.clock.now)
                try await store.members.create(member, passwordHash: passwordHash)
            }
        }
        var subscriptions: [WorkspaceID: Subscription] = [:]
        for demo in workspaces {
            let subscription = Subscription(
                id: .generate(), workspaceID: demo.workspace.id, planID: plans[demo.planCode]!.id, seats: demo.seats,
                status: .active, currentPeriodStart: currentPeriodStart,
                currentPeriodEnd: currentPeriodStart.adding(months: 1), cancelAtPeriodEnd: false,
                createdAt: self.clock.now)
            try await store.subscriptions.create(subscription)
            subscriptions[demo.workspace.id] = subscription
        }
        for monthsAgo in stride(from: 12, through: 1, by: -1) {
            let periodStart = currentPeriodStart.adding(months: -monthsAgo)
            let periodEnd = periodStart.adding(months: 1).adding(days: -1)
            let issueDate = periodStart.adding(months: 1)
            var issued: [(DemoWorkspace, Invoice)] = []
            for (index, demo) in workspaces.enumerated() {
                if demo.workspace.billingMode == .prepaid {
                    self.move(to: issueDate.adding(days: -3), hour: 11)
                    _ = try await self.wallet.topUp(
                        demo.workspace.id, amount: Money(minorUnits: 1_500_000, currency: demo.workspace.currency),
                        method: .upi, reference: "UPI-\(issueDate.year)\(issueDate.month)-\(index)", actor: "demo")
                    self.documents += 1
                }
                self.move(to: issueDate, hour: 6)
                let plan = plans[demo.planCode]!
                let lines = try Self.lines(
                    for: demo, plan: plan, periodStart: periodStart, periodEnd: periodEnd,
                    variation: Self.variation(workspace: index, month: monthsAgo))
                let draft = try await self.invoices.createDraft(
                    kind: .invoice, workspaceID: demo.workspace.id,
                    subscriptionID: subscriptions[demo.workspace.id]?.id,
                    periodStart: periodStart, periodEnd: periodEnd, description: "\(plan.name) - Monthly",
                    lines: lines)
                let invoice = try await self.invoices.finalize(draft.id, issueDate: issueDate, actor: "demo")
                issued.append((demo, invoice))
                self.documents += 1
            }
            for (index, entry) in issued.enumerated() {
                try await self.dispute(entry.1, monthsAgo: monthsAgo, index: index, issueDate: issueDate)
                let invoice = try await store.invoices.find(entry.1.id) ?? entry.1
                try await self.settle(invoice, of: entry.0, monthsAgo: monthsAgo, index: index, issueDate: issueDate)
            }
        }
        try await self.addDraft(for: workspaces[0].workspace, today: today)
        return DemoData.Summary(workspaces: workspaces.count, documents: self.documents)
    }

    func move(to date: CalendarDate, hour: Int) {
        self.clock.set(date.start(in: self.timeZone).addingTimeInterval(TimeInterval(hour * 3600)))
    }

    /// Pays, part-pays, cancels or leaves open one month's invoice, so the history reads like a real one.
    mutating func settle(
        _ invoice: Invoice, of demo: DemoWorkspace, monthsAgo: Int, index: Int, issueDate: CalendarDate
    ) async throws {
        let methods: [PaymentMethod] = [.upi, .card, .netbanking, .bankTransfer]
        let method = methods[(index + monthsAgo) % methods.count]
        if demo.workspace.billingMode == .prepaid {
            self.move(to: issueDate, hour: 7)
            _ = try await self.wallet.pay(invoice.id, actor: "demo")
            return
        }
        if monthsAgo == 8 && index == 1 {
            self.move(to: issueDate.adding(days: 6), hour: 15)
            _ = try await self.invoices.cancel(
                invoice.id, reason: "Duplicate seats billed during plan migration", actor: "demo")
            self.documents += 1
            return
        }
        if monthsAgo == 2 && index == 1 {
            self.move(to: issueDate.adding(days: 12), hour: 12)
            let half = Money(minorUnits: invoice.total.minorUnits / 2, currency: invoice.currency)
            _ = try await self.invoices.recordPayment(
                on: invoice.id, amount: half, method: .bankTransfer, provider: "manual",
                reference: "NEFT-PART-\(invoice.number ?? "")", actor: "demo")
            return
        }
        if monthsAgo == 1 {
            switch demo.latest {
            case .unpaid:
                return
            case .processing:
                self.move(to: CalendarDate(self.now, in: self.timeZone).adding(days: -1), hour: 18)
                _ = try await self.invoices.recordAttempt(
                    on: invoice.id, method: .upi, provider: "sandbox", amount: invoice.amountDue, status: .processing,
                    reference: "order_demo\(index)", failureReason: nil, actor: "demo")
                return
            case .failed:
                self.move(to: issueDate.adding(days: 3), hour: 9)
                _ = try await self.invoices.recordAttempt(
                    on: invoice.id, method: .card, provider: "sandbox", amount: invoice.amountDue, status: .failed,
                    reference: "order_demo\(index)", failureReason: "Card declined by the issuing bank",
                    actor: "demo")
                return
            case .paidByTransfer, .paidFromWallet:
                break
            }
        }
        self.move(to: issueDate.adding(days: 2 + (index + monthsAgo) % 6), hour: 14)
        _ = try await self.invoices.recordPayment(
            on: invoice.id, amount: invoice.amountDue, method: method,
            provider: method == .bankTransfer ? "manual" : "razorpay",
            reference: method == .bankTransfer ? "NEFT\(invoice.number ?? "")" : "pay_demo\(index)\(monthsAgo)",
            actor: "demo")
    }

    /// The demo's disputes: Chai Labs questioned its storage three months ago and was credited part of it before
    /// paying the rest; Dhanush Analytics disputes its latest invoice's egress, still open.
    mutating func dispute(_ invoice: Invoice, monthsAgo: Int, index: Int, issueDate: CalendarDate) async throws {
        let owners = ["owner@chailabs.example", "owner@dhanush.example"]
        guard (monthsAgo == 3 && index == 0) || (monthsAgo == 1 && index == 1) else { return }
        let resource = index == 0 ? "storage" : "network"
        guard let position = invoice.lines.firstIndex(where: { $0.resourceType == resource }) else { return }
        let line = invoice.lines[position]
        let quarter = Money(minorUnits: line.amount.minorUnits / 4, currency: invoice.currency)
        self.move(to: issueDate.adding(days: 1), hour: 10)
        let message =
            index == 0
            ? "Our backups volume was resized to 375 GB on the 8th, but the invoice bills 500 GB for the whole month."
            : "Egress to our own CDN origin should be free under our agreement; please remove it."
        let dispute = try await self.disputes.open(
            on: invoice.id, of: invoice.workspaceID,
            DisputeService.Opening(
                reason: .usageWrong, linePositions: [position],
                expectedTotal: index == 0
                    ? invoice.total - quarter - quarter.applying(rateBasisPoints: 1800)
                    : invoice.total - line.amount - line.amount.applying(rateBasisPoints: 1800),
                message: message, uploads: []),
            author: owners[index])
        guard index == 0 else { return }
        self.move(to: issueDate.adding(days: 2), hour: 11)
        _ = try await self.disputes.review(dispute.id, actor: "demo-operator")
        _ = try await self.disputes.comment(
            on: dispute.id, of: nil, role: .platformOperator, author: "demo-operator",
            body: "Thanks — the resize shows in our metering from the 8th. We are crediting a quarter of the line.")
        self.move(to: issueDate.adding(days: 3), hour: 16)
        _ = try await self.disputes.resolve(
            dispute.id, explanation: "Credited a quarter of the block storage line for the resize on the 8th.",
            credit: CorrectionService.CreditRequest(
                adjustments: [LineAdjustment(position: position, measure: .amount(quarter))],
                reason: "Storage resized to 375 GB", destination: .amountDue),
            actor: "demo-operator")
        self.documents += 1
    }

    /// A one-off charge the operator is still preparing: the draft in the history.
    mutating func addDraft(for workspace: Workspace, today: CalendarDate) async throws {
        self.clock.set(self.now)
        let line = try InvoiceLine.priced(
            category: .adjustment, resourceType: "service", resourceName: "Onboarding",
            description: "Architecture review and migration support", periodStart: today.firstOfMonth,
            periodEnd: today, quantity: FixedDecimal(6), unit: "hour", unitPrice: FixedDecimal(4500),
            currency: workspace.currency, sac: "998313")
        _ = try await self.invoices.createDraft(
            kind: .invoice, workspaceID: workspace.id, subscriptionID: nil, periodStart: today.firstOfMonth,
            periodEnd: today, description: "Professional services - One-off", lines: [line])
        self.documents += 1
    }

    /// A deterministic factor between 0.70 and 1.30, different for each workspace and month.
    static func variation(workspace: Int, month: Int) -> Int64 {
        let mixed = (workspace * 7919 + month * 104_729) % 61
        return Int64(70 + mixed)
    }

    static func lines(
        for demo: DemoWorkspace, plan: Plan, periodStart: CalendarDate, periodEnd: CalendarDate, variation: Int64
    ) throws -> [InvoiceLine] {
        let currency = plan.currency
        var lines = [
            try InvoiceLine.priced(
                category: .platformFee, resourceType: "platform", resourceName: plan.name,
                description: "\(plan.name) plan platform fee", periodStart: periodStart, periodEnd: periodEnd,
                quantity: FixedDecimal(1), unit: "month", unitPrice: plan.platformFee.majorUnitDecimal,
                currency: currency, sac: plan.sac)
        ]
        let extraSeats = demo.seats - plan.includedSeats
        if extraSeats > 0 {
            lines.append(
                try InvoiceLine.priced(
                    category: .seats, resourceType: "seat", resourceName: "Additional seats",
                    description:
                        "\(extraSeats) \(extraSeats == 1 ? "seat" : "seats") beyond the \(plan.includedSeats) included",
                    periodStart: periodStart, periodEnd: periodEnd, quantity: FixedDecimal(Int64(extraSeats)),
                    unit: "seat", unitPrice: plan.seatPrice.majorUnitDecimal, currency: currency, sac: plan.sac))
        }
        let creditsUsed = demo.monthlyCreditsUsed * variation / 100
        if creditsUsed > plan.monthlyCredits {
            lines.append(
                try InvoiceLine.priced(
                    category: .credits, resourceType: "credits", resourceName: "Credits",
                    description: "\(creditsUsed) credits used, \(plan.monthlyCredits) included",
                    periodStart: periodStart, periodEnd: periodEnd,
                    quantity: FixedDecimal(creditsUsed - plan.monthlyCredits), unit: "credit",
                    unitPrice: plan.creditPrice.majorUnitDecimal, currency: currency, sac: plan.sac))
        }
        for service in demo.services {
            // Quantities carry three decimals, as metered usage does.
            let quantity = FixedDecimal(scaledValue: service.monthlyQuantity * variation * 10_000 + 125_000)
            lines.append(
                try InvoiceLine.priced(
                    category: .usage, resourceType: service.resourceType, resourceName: service.resourceName,
                    description: service.description, periodStart: periodStart, periodEnd: periodEnd,
                    quantity: quantity, unit: service.unit, unitPrice: FixedDecimal(service.unitPrice)!,
                    currency: currency, sac: Plan.defaultSAC))
        }
        return lines
    }

    static let supplier = Supplier(
        name: "Nimbus Cloud", legalName: "Nimbus Cloud Platforms Private Limited", email: "billing@nimbus.example",
        gstin: try! GSTIN("29AAGCN4821K1Z5"),
        address: Address(
            line1: "4th Floor, Prestige Tech Park", line2: "Outer Ring Road, Marathahalli", city: "Bengaluru",
            stateCode: "29", pin: "560103", country: "IN"),
        letterOfUndertaking: "AD290326000123X")

    static func plans(createdAt: Date) throws -> [String: Plan] {
        func rupees(_ amount: Int64) -> Money { Money(minorUnits: amount, currency: .inr) }
        let plans = [
            Plan(
                id: .generate(), code: "starter-monthly", name: "Starter", interval: .month, currency: .inr,
                platformFee: rupees(299_900), includedSeats: 5, seatPrice: rupees(49_900), monthlyCredits: 10_000,
                creditPrice: rupees(25), sac: Plan.defaultSAC, createdAt: createdAt),
            Plan(
                id: .generate(), code: "growth-monthly", name: "Growth", interval: .month, currency: .inr,
                platformFee: rupees(999_900), includedSeats: 15, seatPrice: rupees(39_900), monthlyCredits: 50_000,
                creditPrice: rupees(20), sac: Plan.defaultSAC, createdAt: createdAt),
            Plan(
                id: .generate(), code: "growth-monthly-usd", name: "Growth (USD)", interval: .month, currency: .usd,
                platformFee: Money(minorUnits: 14_900, currency: .usd), includedSeats: 15,
                seatPrice: Money(minorUnits: 600, currency: .usd), monthlyCredits: 50_000,
                creditPrice: Money(minorUnits: 1, currency: .usd), sac: Plan.defaultSAC, createdAt: createdAt),
        ]
        return Dictionary(uniqueKeysWithValues: plans.map { ($0.code, $0) })
    }

    static func workspaces(createdAt: Date) throws -> [DemoWorkspace] {
        func workspace(
            _ name: String, legalName: String, email: String, gstin: String?, address: Address,
            mode: BillingMode = .postpaid, terms: Int, currency: Currency = .inr
        ) throws -> Workspace {
            Workspace(
                id: .generate(), name: name, legalName: legalName, email: email, gstin: try gstin.map { try GSTIN($0) },
                address: address, billingMode: mode, paymentTermsDays: terms, autoPay: false,
                serviceState: .active, currency: currency, createdAt: createdAt)
        }
        let pod = DemoService(
            resourceType: "pod", resourceName: "api-gateway", description: "Kubernetes pods, 2 vCPU",
            unit: "vCPU-hour", unitPrice: "2.4", monthlyQuantity: 1440)
        let vm = DemoService(
            resourceType: "vm", resourceName: "build-runner-01", description: "Virtual machine, 8 vCPU",
            unit: "vCPU-hour", unitPrice: "3.1", monthlyQuantity: 2976)
        let storage = DemoService(
            resourceType: "storage", resourceName: "backups", description: "Block storage, SSD",
            unit: "GB-month", unitPrice: "6.5", monthlyQuantity: 500)
        let egress = DemoService(
            resourceType: "network", resourceName: "egress", description: "Network egress to the internet",
            unit: "GB", unitPrice: "7.25", monthlyQuantity: 320)
        let database = DemoService(
            resourceType: "managed_database", resourceName: "orders-db", description: "Managed PostgreSQL, 4 GB",
            unit: "instance-hour", unitPrice: "18.75", monthlyQuantity: 744)
        let vmInDollars = DemoService(
            resourceType: "vm", resourceName: "etl-worker-01", description: "Virtual machine, 8 vCPU",
            unit: "vCPU-hour", unitPrice: "0.042", monthlyQuantity: 2976)
        let storageInDollars = DemoService(
            resourceType: "storage", resourceName: "data-lake", description: "Object storage",
            unit: "GB-month", unitPrice: "0.023", monthlyQuantity: 12_000)
        return [
            DemoWorkspace(
                workspace: try workspace(
                    "Chai Labs", legalName: "Chai Labs Private Limited", email: "accounts@chailabs.example",
                    gstin: "29AADCC7311R1Z6",
                    address: Address(
                        line1: "221, 100 Feet Road", line2: "Indiranagar", city: "Bengaluru", stateCode: "29",
                        pin: "560038", country: "IN"), terms: 15),
                planCode: "growth-monthly", seats: 18, monthlyCreditsUsed: 56_000, services: [pod, storage, egress],
                latest: .unpaid,
                members: [
                    ("Ananya Rao", DemoData.portalEmail, .owner), ("Vikram Shetty", "admin@chailabs.example", .admin),
                    ("Farah Khan", "member@chailabs.example", .member),
                ]),
            DemoWorkspace(
                workspace: try workspace(
                    "Dhanush Analytics", legalName: "Dhanush Analytics LLP", email: "finance@dhanush.example",
                    gstin: "27AAPFU0939F1ZV",
                    address: Address(
                        line1: "Unit 502, One BKC", line2: "Bandra Kurla Complex", city: "Mumbai", stateCode: "27",
                        pin: "400051", country: "IN"), terms: 30),
                planCode: "growth-monthly", seats: 22, monthlyCreditsUsed: 61_000,
                services: [vm, database, storage, egress], latest: .unpaid,
                members: [("Rohan Deshmukh", "owner@dhanush.example", .owner)]),
            DemoWorkspace(
                workspace: try workspace(
                    "Yamuna Retail", legalName: "Yamuna Retail Private Limited", email: "ap@yamuna.example",
                    gstin: "07AABCY2214Q1Z2",
                    address: Address(
                        line1: "B-12, Connaught Place", city: "New Delhi", stateCode: "07", pin: "110001",
                        country: "IN"), terms: 30),
                planCode: "starter-monthly", seats: 7, monthlyCreditsUsed: 12_500, services: [pod, database],
                latest: .processing, members: [("Kabir Malhotra", "owner@yamuna.example", .owner)]),
            DemoWorkspace(
                workspace: try workspace(
                    "Sukhna Studios", legalName: "Sukhna Studios Private Limited", email: "billing@sukhna.example",
                    gstin: "04AAFCS9087L1ZR",
                    address: Address(
                        line1: "SCO 48, Sector 26", city: "Chandigarh", stateCode: "04", pin: "160019", country: "IN"),
                    terms: 30),
                planCode: "starter-monthly", seats: 5, monthlyCreditsUsed: 9_000, services: [vm, egress],
                latest: .failed, members: [("Harleen Gill", "owner@sukhna.example", .owner)]),
            DemoWorkspace(
                workspace: try workspace(
                    "Meera Iyer", legalName: "Meera Iyer", email: "meera.iyer@mail.example", gstin: nil,
                    address: Address(
                        line1: "12, Venkatanarayana Road", line2: "T. Nagar", city: "Chennai", stateCode: "33",
                        pin: "600017", country: "IN"), mode: .prepaid, terms: 0),
                planCode: "starter-monthly", seats: 1, monthlyCreditsUsed: 4_000, services: [pod],
                latest: .paidFromWallet, members: [("Meera Iyer", "meera.iyer@mail.example", .owner)]),
            DemoWorkspace(
                workspace: try workspace(
                    "Fjord Data", legalName: "Fjord Data AS", email: "invoices@fjorddata.example", gstin: nil,
                    address: Address(
                        line1: "Karl Johans gate 12", city: "Oslo", stateCode: nil, pin: "0154", country: "NO"),
                    terms: 30, currency: .usd),
                planCode: "growth-monthly-usd", seats: 16, monthlyCreditsUsed: 52_000,
                services: [vmInDollars, storageInDollars],
                latest: .unpaid, members: [("Ingrid Solberg", "owner@fjorddata.example", .owner)]),
            DemoWorkspace(
                workspace: try workspace(
                    "Kaveri Robotics", legalName: "Kaveri Robotics Private Limited", email: "accounts@kaveri.example",
                    gstin: "29AAKCK5530M1Z0",
                    address: Address(
                        line1: "88, Hebbal Industrial Area", city: "Mysuru", stateCode: "29", pin: "570016",
                        country: "IN"), terms: 30),
                planCode: "growth-monthly", seats: 15, monthlyCreditsUsed: 47_000, services: [pod, vm, database],
                latest: .paidByTransfer, members: [("Arjun Gowda", "owner@kaveri.example", .owner)]),
        ]
    }
}

extension DemoData {
    /// A one-time link (valid for an hour) that signs the demo owner in and opens an open invoice with Pay Now:
    /// a path to append to the server's address, or `nil` when the demo has no such invoice.
    package static func payNowLink(in database: Database, clock: BillingClock) async throws -> String? {
        let store = database.store
        guard let owner = try await store.members.find(email: DemoData.portalEmail).first?.member else { return nil }
        let filter = InvoiceFilter(workspaceID: owner.workspaceID, statuses: [.pending, .overdue], kinds: [.invoice])
        guard let open = try await store.invoices.list(filter, today: clock.today, limit: 1, startingAfter: nil).first
        else { return nil }
        let link = try await MemberAccess(database: database, clock: clock).issuePortalLink(for: owner, lifetime: 3600)
        return "/portal/enter?token=\(link.token)&next=/portal/invoices/\(open.id.rawValue)"
    }
}
