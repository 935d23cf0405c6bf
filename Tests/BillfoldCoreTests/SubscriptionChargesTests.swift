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

    static func scale() -> Plan {
        Plan(
            id: .generate(), code: "scale", name: "Scale", interval: .month, currency: .inr,
            platformFee: Money(minorUnits: 2_499_900, currency: .inr), includedSeats: 25,
            seatPrice: Money(minorUnits: 34_900, currency: .inr), monthlyCredits: 200_000,
            creditPrice: Money(minorUnits: 15, currency: .inr), sac: "998315", createdAt: now)
    }

    @Test("seats added on the 21st of a 31-day month: a credit for the old seats, a charge for the new, by the day")
    func seatChange() throws {
        let growth = Self.plan()
        let change = PricedChange(
            effectiveDate: CalendarDate(year: 2026, month: 10, day: 21)!, from: PlanTerms(plan: growth, seats: 18),
            to: PlanTerms(plan: growth, seats: 20))
        let lines = try SubscriptionCharges.lines(
            plan: growth, seats: 20, start: Self.start, end: Self.end, creditsUsed: .zero, usage: [],
            changes: [change])
        #expect(
            lines.map(\.description) == [
                "Growth plan platform fee", "3 seats beyond the 15 included",
                "Unused time on 3 additional seats on Growth from 2026-10-21 (11 of 31 days)",
                "Remaining time on 5 additional seats on Growth from 2026-10-21 (11 of 31 days)",
            ])
        // 3 × 399.00 × 11/31 = 424.7419… → 424.74; 5 × 399.00 × 11/31 = 707.9032… → 707.90.
        #expect(lines.map(\.amount.minorUnits) == [999_900, 119_700, -42_474, 70_790])
        #expect(lines.map(\.quantity.description) == ["1", "3", "-3", "5"])
        #expect(lines.suffix(2).allSatisfy { $0.periodStart.description == "2026-10-21" })
        #expect(lines.suffix(2).allSatisfy { $0.periodEnd.description == "2026-10-31" })
    }

    @Test("an upgrade mid-period credits the old plan's fee and seats and charges the new plan's fee")
    func planChange() throws {
        let growth = Self.plan()
        let scale = Self.scale()
        let change = PricedChange(
            effectiveDate: CalendarDate(year: 2026, month: 10, day: 21)!, from: PlanTerms(plan: growth, seats: 18),
            to: PlanTerms(plan: scale, seats: 18))
        let lines = try SubscriptionCharges.lines(
            plan: scale, seats: 18, start: Self.start, end: Self.end, creditsUsed: FixedDecimal(60_000), usage: [],
            changes: [change])
        #expect(lines.map(\.category) == [.platformFee, .seats, .platformFee, .seats, .platformFee])
        // 9,999.00 × 11/31 = 3,548.03; 24,999.00 × 11/31 = 8,870.61; 18 seats fit in Scale's 25; the 60,000
        // credits fit in Scale's allowance, which counts because Scale is the plan at the period's end.
        #expect(lines.map(\.amount.minorUnits) == [999_900, 119_700, -354_803, -42_474, 887_061])
    }

    @Test("a change on the period's first day replaces its terms without proration; later changes chain")
    func changesInOrder() throws {
        let growth = Self.plan()
        let start = PricedChange(
            effectiveDate: Self.start, from: PlanTerms(plan: growth, seats: 15), to: PlanTerms(plan: growth, seats: 16))
        let first = PricedChange(
            effectiveDate: CalendarDate(year: 2026, month: 10, day: 11)!, from: PlanTerms(plan: growth, seats: 16),
            to: PlanTerms(plan: growth, seats: 17))
        let second = PricedChange(
            effectiveDate: CalendarDate(year: 2026, month: 10, day: 31)!, from: PlanTerms(plan: growth, seats: 17),
            to: PlanTerms(plan: growth, seats: 15))
        let lines = try SubscriptionCharges.lines(
            plan: growth, seats: 15, start: Self.start, end: Self.end, creditsUsed: .zero, usage: [],
            changes: [start, first, second])
        // One seat all month; from the 11th (21 days) two; from the 31st (1 day) none:
        // 399.00 − 399.00 × 21/31 + 2 × 399.00 × 21/31 − 2 × 399.00 × 1/31.
        #expect(lines.map(\.amount.minorUnits) == [999_900, 39_900, -27_029, 54_058, -2_574])
        #expect(lines.map(\.quantity.description) == ["1", "1", "-1", "2", "-2"])
        let net = lines.map(\.amount).sum(in: .inr).minorUnits - 999_900
        // By hand, seat-days: 1 × 10 + 2 × 20 + 0 × 1 = 50 of 31 → 399.00 × 50/31 = 643.55; rounding per line
        // may differ by a paisa from the whole.
        #expect(abs(net - 64_355) <= 1)
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
