import BillfoldCore
import BillfoldStore
import Foundation

/// What workspaces are billed for: plans and meters, with their prices.
///
/// A code is unique among plans and among meters, since subscriptions and usage records name them by it. A new plan
/// or meter is written to the audit log with its prices, in the same transaction.
package struct CatalogService: Sendable {
    package let database: Database
    package let clock: BillingClock

    package init(database: Database, clock: BillingClock) {
        self.database = database
        self.clock = clock
    }

    /// Stores `plan`, new; refuses it with `duplicateCode` when a plan has its code.
    package func create(_ plan: Plan, actor: String) async throws -> Plan {
        let entry = AuditEntry(
            occurredAt: self.clock.now, actor: actor, action: "plan.created", subjectID: plan.id.rawValue,
            workspaceID: nil, amount: nil,
            details: [
                "code": plan.code, "interval": plan.interval.rawValue, "currency": plan.currency.code,
                "platform_fee": String(plan.platformFee.minorUnits), "included_seats": String(plan.includedSeats),
                "seat_price": String(plan.seatPrice.minorUnits), "monthly_credits": String(plan.monthlyCredits),
                "credit_price": String(plan.creditPrice.minorUnits), "sac": plan.sac,
            ])
        try await self.store(entry) { store in try await store.plans.create(plan) }
        return plan
    }

    /// Stores `meter`, new; refuses it when its pricing is not usable, and with `duplicateCode` when a meter has
    /// its code.
    package func create(_ meter: Meter, actor: String) async throws -> Meter {
        try Self.checkPricing(meter.pricing)
        let entry = AuditEntry(
            occurredAt: self.clock.now, actor: actor, action: "meter.created", subjectID: meter.id.rawValue,
            workspaceID: nil, amount: nil,
            details: [
                "code": meter.code, "unit": meter.unit, "currency": meter.currency.code, "sac": meter.sac,
                "aggregation": meter.aggregation.rawValue, "pricing": Self.summary(of: meter.pricing),
            ])
        try await self.store(entry) { store in try await store.meters.create(meter) }
        return meter
    }

    /// Refuses pricing that cannot price a quantity: a negative price, tiers out of order, a package of nothing.
    package static func checkPricing(_ pricing: MeterPricing) throws(EngineError) {
        if let problem = pricing.problem {
            throw EngineError(.invalidField, "pricing is not usable: \(problem)", param: "pricing")
        }
    }

    /// Runs `create` and writes `entry` in one transaction; a code taken already is `duplicateCode`.
    private func store(_ entry: AuditEntry, _ create: @escaping @Sendable (Store) async throws -> Void) async throws {
        do {
            try await self.database.inTransaction { store in
                try await create(store)
                try await store.auditLog.record(entry)
            }
        } catch let error as StoreError where error.code == .duplicate {
            throw EngineError(.duplicateCode, error.message, param: "code")
        }
    }

    /// Pricing as the audit log keeps it: `per_unit 2.4`, `graduated 100@0.5+0 *@0.4+0` (up to, unit price, flat
    /// fee in minor units), `package 10@50`.
    static func summary(of pricing: MeterPricing) -> String {
        switch pricing {
        case .perUnit(let price):
            return "per_unit \(price)"
        case .graduated(let tiers), .volume(let tiers):
            let bands = tiers.map { "\($0.upTo.map(String.init(describing:)) ?? "*")@\($0.unitPrice)+\($0.flatFee)" }
            return ([pricing.model] + bands).joined(separator: " ")
        case .package(let size, let price):
            return "package \(size)@\(price)"
        }
    }
}
