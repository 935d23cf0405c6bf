import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Plans and meters")
struct CatalogServiceTests {
    func service(_ database: Database) -> CatalogService {
        Engine(database: database, clock: ManualClock(Fixtures.now).billingClock(), gateway: nil).catalog
    }

    /// `plan` under a new id, as a second request for the same code would send it.
    static func again(_ plan: Plan) -> Plan {
        Plan(
            id: .generate(), code: plan.code, name: plan.name, interval: plan.interval, currency: plan.currency,
            platformFee: plan.platformFee, includedSeats: plan.includedSeats, seatPrice: plan.seatPrice,
            monthlyCredits: plan.monthlyCredits, creditPrice: plan.creditPrice, sac: plan.sac, createdAt: Fixtures.now)
    }

    @Test("a plan is stored with its prices in the audit log; its code is taken once", arguments: TestDatabase.kinds)
    func plans(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let plan = BillingRunTests.plan
            _ = try await service.create(plan, actor: "api_key:key_ops")
            #expect(try await database.store.plans.find(plan.id) == plan)
            let audit = try await database.store.auditLog.entries(about: plan.id.rawValue)
            #expect(audit.map(\.action) == ["plan.created"] && audit.first?.actor == "api_key:key_ops")
            #expect(
                audit.first?.details == [
                    "code": "growth", "interval": "month", "currency": "INR", "platform_fee": "100000",
                    "included_seats": "5", "seat_price": "10000", "monthly_credits": "1000", "credit_price": "50",
                    "sac": "998315",
                ])

            let twin = Self.again(plan)
            let refusal = await #expect(throws: EngineError.self) { _ = try await service.create(twin, actor: "test") }
            #expect(refusal?.code == .duplicateCode && refusal?.param == "code")
            #expect(try await database.store.plans.list().map(\.id) == [plan.id])
            #expect(try await database.store.auditLog.entries(about: twin.id.rawValue).isEmpty)
        }
    }

    /// A storage meter named `name` with `pricing`.
    static func storage(_ name: String = "Block storage", pricing: MeterPricing) -> Meter {
        Meter(
            id: .generate(), code: "block-storage", name: name, resourceType: "storage", unit: "GB-month",
            sac: "998315", currency: .inr, pricing: pricing, createdAt: Fixtures.now)
    }

    @Test(
        "a meter is stored with its pricing in the audit log; unusable pricing is refused",
        arguments: TestDatabase.kinds)
    func meters(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let storage = Self.storage(
                pricing: .graduated(tiers: [
                    PriceTier(upTo: FixedDecimal(100), unitPrice: FixedDecimal("0.5")!),
                    PriceTier(upTo: nil, unitPrice: FixedDecimal("0.4")!, flatFee: 1_000),
                ]))
            _ = try await service.create(storage, actor: "test")
            let audit = try await database.store.auditLog.entries(about: storage.id.rawValue)
            #expect(audit.map(\.action) == ["meter.created"])
            #expect(audit.first?.details["pricing"] == "graduated 100@0.5+0 *@0.4+1000")
            #expect(audit.first?.details["aggregation"] == "per_meter")

            let unordered = Self.storage(
                "Unordered",
                pricing: .volume(tiers: [
                    PriceTier(upTo: FixedDecimal(100), unitPrice: .zero),
                    PriceTier(upTo: FixedDecimal(50), unitPrice: .zero),
                ]))
            let unusable = await #expect(throws: EngineError.self) {
                _ = try await service.create(unordered, actor: "test")
            }
            #expect(unusable?.code == .invalidField && unusable?.param == "pricing")

            let twin = Self.storage("Storage again", pricing: .perUnit(unitPrice: FixedDecimal(1)))
            let duplicate = await #expect(throws: EngineError.self) {
                _ = try await service.create(twin, actor: "test")
            }
            #expect(duplicate?.code == .duplicateCode && duplicate?.param == "code")
            #expect(try await database.store.meters.list().map(\.name) == ["Block storage"])
            #expect(try await database.store.auditLog.entries(about: twin.id.rawValue).isEmpty)
        }
    }
}
