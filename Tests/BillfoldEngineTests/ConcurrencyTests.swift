import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

/// Money moves once even when requests race: each use case holds the rows it changes.
@Suite("Money under concurrency")
struct ConcurrencyTests {
    @Test("two payments racing past the amount due: one lands, one is refused", arguments: TestDatabase.kinds)
    func racingPayments(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            let invoice = try await service.octoberInvoice(for: workspace.id)
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let paid = try? await service.recordPayment(
                            on: invoice.id, amount: Money(minorUnits: 70_000, currency: .inr), method: .bankTransfer,
                            provider: "manual", reference: nil, actor: "test")
                        return paid != nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1 && results.count == 2)
            let stored = try #require(try await database.store.invoices.find(invoice.id))
            #expect(stored.amountPaid.minorUnits == 70_000 && stored.payments.count == 1)
        }
    }

    @Test("two invoices paid from one wallet at once never overdraw it", arguments: TestDatabase.kinds)
    func racingWalletPayments(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
            let wallet = WalletService(invoices: service)
            let workspace = Fixtures.workspace(billingMode: .prepaid)
            try await Fixtures.seed(database.store, workspace: workspace)
            _ = try await wallet.topUp(
                workspace.id, amount: Money(minorUnits: 150_000, currency: .inr), method: .upi, reference: nil,
                actor: "test")
            let first = try await service.octoberInvoice(for: workspace.id)
            let second = try await service.octoberInvoice(for: workspace.id)
            await withTaskGroup(of: Void.self) { group in
                for invoice in [first, second] {
                    group.addTask { _ = try? await wallet.pay(invoice.id, actor: "test") }
                }
            }
            let balance = try await database.store.wallet.balance(of: workspace.id, in: .inr)
            let paid = try await [first, second].asyncMap { try await database.store.invoices.find($0.id)?.amountPaid }
            #expect(balance.isZero)
            #expect(paid.compactMap { $0?.minorUnits }.reduce(0, +) == 150_000)
        }
    }

    @Test("the bootstrap key can be ensured by several starting instances at once", arguments: TestDatabase.kinds)
    func racingBootstrapKey(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let ids = try await withThrowingTaskGroup(of: APIKeyID.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await database.store.apiKeys.ensure(
                            secret: "bf_shared_bootstrap", name: "bootstrap", at: Fixtures.now
                        ).id
                    }
                }
                return try await group.reduce(into: Set<APIKeyID>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
        }
    }
}

extension Sequence {
    func asyncMap<Value>(_ transform: (Element) async throws -> Value) async rethrows -> [Value] {
        var values: [Value] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
