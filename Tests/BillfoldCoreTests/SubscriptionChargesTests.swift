import BillfoldCore
import Foundation
import Testing

@Suite("Subscription charges")
struct SubscriptionChargesTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let start = CalendarDate(year: 2026, month: 10, day: 1)!
    static let end = CalendarDate(year: 2026, month: 11, day: 1)!

    static func plan(_ interval: BillingInterval = .month) -> Plan {
        Plan(
            id: .generate(), code: "growth", name: "Growth", interval: interval, currency: .inr,
            platformFee: Money(minorUnits: 999_900, currency: .inr), includedSeats: 15,
            seatPrice: Money(minorUnits: 39_900, currency: .inr), monthlyCredits: 50_000,
            creditPrice: Money(minorUnits: 20, currency: .inr), sac: "998315", createdAt: now)
    }

    static let pods = Meter(
        id: .generate(), code: "pod-vcpu", name: "Pod vCPU", resourceType: "pod", unit: "vCPU-hour", sac: "998315",
        currency: .inr,
        pricing: .graduated(tiers: [
            PriceTier(upTo: FixedDecimal(1000), unitPrice: FixedDecimal("2.4")!),
            PriceTier(upTo: nil, unitPrice: FixedDecimal("1.8")!),
        ]), createdAt: now)

    static let storage = Meter(
        id: .generate(), code: "storage-gb", name: "Block storage", resourceType: "storage", unit: "GB-month",
        sac: "998315", currency: .inr, pricing: .perUnit(unitPrice: FixedDecimal("6.5")!), createdAt: now)

    @Test("every line of a month: fee, seats, credits, and usage by band")
    func month() throws {
        let lines = try SubscriptionCharges.lines(
            plan: Self.plan(), seats: 18, start: Self.start, end: Self.end, creditsUsed: FixedDecimal(56_000),
            usage: [
                ServiceUsage(meter: Self.storage, resourceName: "backups", quantity: FixedDecimal("500.25")!),
                ServiceUsage(meter: Self.pods, resourceName: "api", quantity: FixedDecimal("1500.5")!),
            ])
        #expect(lines.map(\.category) == [.platformFee, .seats, .credits, .usage, .usage, .usage])
        #expect(
            lines.map(\.description) == [
                "Growth plan platform fee", "3 seats beyond the 15 included", "56000 credits used, 50000 included",
                "Pod vCPU (0–1000 vCPU-hour)", "Pod vCPU (above 1000 vCPU-hour)", "Block storage",
            ])
        // 9,999.00; 3 × 399.00; 6,000 × 0.20; 1,000 × 2.40; 500.5 × 1.80; 500.25 × 6.50 = 3,251.625 → 3,251.63.
        #expect(lines.map(\.amount.minorUnits) == [999_900, 119_700, 120_000, 240_000, 90_090, 325_163])
        #expect(lines.allSatisfy { $0.periodStart == Self.start && $0.periodEnd.description == "2026-10-31" })
        #expect(lines.map(\.quantity.description) == ["1", "3", "6000", "1000", "500.5", "500.25"])
        #expect(lines.map(\.unit) == ["month", "seat", "credit", "vCPU-hour", "vCPU-hour", "GB-month"])
    }

    @Test("nothing beyond the allowance and no fee: no lines")
    func nothingToCharge() throws {
        var plan = Self.plan()
        plan.platformFee = .zero(.inr)
        let lines = try SubscriptionCharges.lines(
            plan: plan, seats: 15, start: Self.start, end: Self.end, creditsUsed: FixedDecimal(50_000), usage: [])
        #expect(lines.isEmpty)
    }

    @Test("an annual plan's credit allowance is twelve months of credits")
    func annual() throws {
        let lines = try SubscriptionCharges.lines(
            plan: Self.plan(.year), seats: 15, start: Self.start, end: Self.start.adding(months: 12),
            creditsUsed: FixedDecimal(600_001), usage: [])
        #expect(lines.map(\.description) == ["Growth plan platform fee", "600001 credits used, 600000 included"])
        #expect(lines.map(\.unit) == ["year", "credit"])
        #expect(lines.last?.periodEnd.description == "2027-09-30")
    }

    @Test("a meter in another currency than the plan is refused")
    func currencyMismatch() {
        var meter = Self.storage
        meter.currency = .usd
        #expect(throws: MoneyError.self) {
            try SubscriptionCharges.lines(
                plan: Self.plan(), seats: 15, start: Self.start, end: Self.end, creditsUsed: .zero,
                usage: [ServiceUsage(meter: meter, resourceName: "x", quantity: FixedDecimal(1))])
        }
    }
}
