import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Repositories")
struct RepositoryTests {
    @Test("a workspace and its billing profile survive a round trip", arguments: TestDatabase.kinds)
    func workspaceRoundTrip(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            var workspace = Fixtures.workspace(name: "Ganga", gstin: "07AABCY2214Q1Z2", stateCode: "07")
            try await store.workspaces.create(workspace)
            #expect(try await store.workspaces.find(workspace.id) == workspace)
            workspace.gstin = nil
            workspace.address.stateCode = "33"
            workspace.paymentTermsDays = 45
            try await store.workspaces.update(workspace, at: Fixtures.now)
            let reloaded = try await store.workspaces.find(workspace.id)
            #expect(reloaded == workspace)
            #expect(reloaded?.placeOfSupply?.code == "33")
            #expect(try await store.workspaces.find(.generate()) == nil)
        }
    }

    @Test("creating a workspace twice with one id is refused as a duplicate", arguments: TestDatabase.kinds)
    func duplicateWorkspace(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let workspace = Fixtures.workspace()
            try await database.store.workspaces.create(workspace)
            await #expect(throws: StoreError.self) { try await database.store.workspaces.create(workspace) }
        }
    }

    @Test("API keys are stored hashed, authenticate until revoked", arguments: TestDatabase.kinds)
    func apiKeys(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let keys = database.store.apiKeys
            let (key, secret) = try await keys.create(name: "billing-sync", at: Fixtures.now)
            #expect(secret.hasPrefix("bf_") && secret.count == 43)
            #expect(try await keys.authenticate(secret: secret)?.id == key.id)
            #expect(try await keys.authenticate(secret: secret + "x") == nil)
            let stored = try await database.sql.raw("SELECT key_hash FROM api_keys").all()
                .map { try $0.decode(column: "key_hash", as: String.self) }
            #expect(stored.count == 1 && !stored[0].contains(secret) && stored[0].count == 64)
            #expect(try await keys.revoke(key.id, at: Fixtures.now))
            #expect(try await keys.authenticate(secret: secret) == nil)
            #expect(try await keys.revoke(.generate(), at: Fixtures.now) == false)
            #expect(try await keys.list().first?.isRevoked == true)
        }
    }

    @Test(
        "an API key with an expiry keeps it, and says it has expired from that instant on",
        arguments: TestDatabase.kinds)
    func apiKeyExpiry(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let keys = database.store.apiKeys
            let expiry = Fixtures.now.addingTimeInterval(30 * 86_400)
            let (key, secret) = try await keys.create(name: "trial", expiresAt: expiry, at: Fixtures.now)
            #expect(key.expiresAt == expiry)
            let (lasting, _) = try await keys.create(name: "billing-sync", at: Fixtures.now)
            #expect(lasting.expiresAt == nil)

            let found = try #require(try await keys.authenticate(secret: secret))
            #expect(found.id == key.id && found.expiresAt == expiry)
            #expect(!found.isExpired(at: expiry.addingTimeInterval(-0.001)))
            #expect(found.isExpired(at: expiry))
            #expect(found.isExpired(at: expiry.addingTimeInterval(86_400)))
            let listed = try await keys.list()
            #expect(listed.first { $0.id == key.id }?.expiresAt == expiry)
            #expect(listed.first { $0.id == lasting.id }?.isExpired(at: .distantFuture) == false)

            for past in [Fixtures.now, Fixtures.now.addingTimeInterval(-1), Date(timeIntervalSince1970: 0)] {
                let error = await #expect(throws: StoreError.self) {
                    try await keys.create(name: "stale", expiresAt: past, at: Fixtures.now)
                }
                #expect(error?.code == .invalid)
            }
            #expect(try await keys.list().count == 2, "a refused key is not stored")
        }
    }

    @Test("an invoice keeps its lines, taxes, parties and payments", arguments: TestDatabase.kinds)
    func invoiceRoundTrip(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            let workspace = Fixtures.workspace(gstin: "27AAPFU0939F1ZV", stateCode: "27")
            try await Fixtures.seed(store, workspace: workspace)
            var invoice = Invoice.draft(
                kind: .invoice, workspace: workspace, supplier: Fixtures.supplier, subscriptionID: nil,
                periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
                periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: "Growth - Monthly",
                lines: Fixtures.lines(), createdAt: Fixtures.now)
            try await store.invoices.create(invoice)
            #expect(try await store.invoices.find(invoice.id) == invoice)
            try invoice.finalize(
                number: "INV/26-27/000001", issueDate: CalendarDate(year: 2026, month: 11, day: 1)!,
                paymentTermsDays: 15)
            try await store.invoices.saveFinalization(invoice, at: Fixtures.now)
            let payment = Payment(
                id: .generate(), invoiceID: invoice.id, method: .upi, provider: "sandbox", status: .processing,
                amount: invoice.total, reference: "order_1", failureReason: nil, createdAt: Fixtures.now, paidAt: nil)
            try await store.payments.create(payment)
            invoice.payments = [payment]
            try await store.invoices.saveSettlement(invoice)
            let reloaded = try #require(try await store.invoices.find(invoice.id))
            #expect(reloaded == invoice)
            #expect(reloaded.total.minorUnits == 121_540)
            #expect(reloaded.tax.igst.minorUnits == 18_540)
            #expect(reloaded.displayStatus(today: CalendarDate(year: 2026, month: 11, day: 2)!) == .processing)
            await #expect(throws: StoreError.self) {
                try await store.invoices.saveFinalization(invoice, at: Fixtures.now)
            }
        }
    }

    @Test("the wallet balance is the sum of its entries", arguments: TestDatabase.kinds)
    func walletBalance(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            let workspace = Fixtures.workspace(billingMode: .prepaid)
            try await store.workspaces.create(workspace)
            for (amount, reason) in [
                (500_000, WalletEntryReason.topUp), (-120_050, .invoicePayment), (25, .adjustment),
            ] {
                try await store.wallet.append(
                    WalletEntry(
                        workspaceID: workspace.id, amount: Money(minorUnits: Int64(amount), currency: .inr),
                        reason: reason, invoiceID: nil, description: reason.rawValue, createdAt: Fixtures.now))
            }
            #expect(try await store.wallet.balance(of: workspace.id, in: .inr).minorUnits == 379_975)
            #expect(try await store.wallet.balance(of: workspace.id, in: .usd).minorUnits == 0)
            #expect(try await store.wallet.entries(of: workspace.id, limit: 10).count == 3)
        }
    }

    @Test("search finds accented and upper-case text the same way on every engine", arguments: TestDatabase.kinds)
    func unicodeSearch(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(store, workspace: workspace)
            for description in ["Über - Monthly", "ÉCLAIR 100% - Annual", "Growth - Monthly"] {
                try await store.invoices.create(
                    Invoice.draft(
                        kind: .invoice, workspace: workspace, supplier: Fixtures.supplier, subscriptionID: nil,
                        periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
                        periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: description,
                        lines: Fixtures.lines(), createdAt: Fixtures.now))
            }
            let today = CalendarDate(year: 2026, month: 11, day: 1)!
            var found: [String: [String]] = [:]
            for text in ["über", "éclair", "100%", "_", "MONTHLY"] {
                found[text] = try await store.invoices.list(
                    InvoiceFilter(query: text), today: today, limit: 10, startingAfter: nil
                ).map(\.description).sorted()
            }
            #expect(found["über"] == ["Über - Monthly"])
            #expect(found["éclair"] == ["ÉCLAIR 100% - Annual"])
            #expect(found["100%"] == ["ÉCLAIR 100% - Annual"])
            #expect(found["_"] == [])
            #expect(found["MONTHLY"] == ["Growth - Monthly", "Über - Monthly"])
        }
    }
}
