import BillfoldCore
import Foundation
import Testing

@Suite("Meter aggregation")
struct MeterAggregationTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let start = CalendarDate(year: 2026, month: 10, day: 1)!
    static let end = CalendarDate(year: 2026, month: 11, day: 1)!
    static let names = ["vol-a", "vol-b", "vol-c"]

    /// A plan that charges nothing of its own, so that every line is usage.
    static let plan = Plan(
        id: .generate(), code: "usage", name: "Usage", interval: .month, currency: .inr, platformFee: .zero(.inr),
        includedSeats: 0, seatPrice: .zero(.inr), monthlyCredits: 0, creditPrice: .zero(.inr), sac: "998315",
        createdAt: now)

    /// 0–100 at ₹1 with a ₹50 fee for reaching it, 100–1000 at ₹0.80, beyond at ₹0.50.
    static let graduated = MeterPricing.graduated(tiers: [
        PriceTier(upTo: FixedDecimal(100), unitPrice: FixedDecimal(1), flatFee: 5_000),
        PriceTier(upTo: FixedDecimal(1000), unitPrice: FixedDecimal("0.8")!),
        PriceTier(upTo: nil, unitPrice: FixedDecimal("0.5")!),
    ])
    /// Every unit at ₹1 up to 100, at ₹0.80 (plus a ₹20 fee) up to 1000, at ₹0.50 beyond.
    static let volume = MeterPricing.volume(tiers: [
        PriceTier(upTo: FixedDecimal(100), unitPrice: FixedDecimal(1)),
        PriceTier(upTo: FixedDecimal(1000), unitPrice: FixedDecimal("0.8")!, flatFee: 2_000),
        PriceTier(upTo: nil, unitPrice: FixedDecimal("0.5")!),
    ])
    /// ₹5 per started 10 GB.
    static let package = MeterPricing.package(size: FixedDecimal(10), price: FixedDecimal(5))
    /// A paisa per GB.
    static let perUnit = MeterPricing.perUnit(unitPrice: FixedDecimal("0.01")!)

    static func meter(_ pricing: MeterPricing, _ aggregation: MeterAggregation = .perMeter) -> Meter {
        Meter(
            id: .generate(), code: "storage-gb", name: "Block storage", resourceType: "storage", unit: "GB-month",
            sac: "998315", currency: .inr, pricing: pricing, aggregation: aggregation, createdAt: now)
    }

    static func usageLines(_ meter: Meter, _ quantities: [String]) throws -> [InvoiceLine] {
        let usage = zip(Self.names, quantities).map { name, quantity in
            ServiceUsage(meter: meter, resourceName: name, quantity: FixedDecimal(quantity)!)
        }
        // Handed over in reverse, as nothing promises the store's order.
        return try SubscriptionCharges.lines(
            plan: Self.plan, seats: 0, start: Self.start, end: Self.end, creditsUsed: .zero,
            usage: usage.reversed())
    }

    /// Pricing, the quantity of each resource (`vol-a`, `vol-b`, `vol-c`), the meter's charge for their total, and
    /// each resource's share of it, in paise, worked out by hand. Every boundary is met exactly and passed by one.
    static let shared: [(String, MeterPricing, [String], Int64, [Int64])] = [
        // 100 × 1.00 + 50.00.
        ("graduated, exactly at 100, two", graduated, ["60", "40"], 15_000, [9_000, 6_000]),
        ("graduated, exactly at 100, three", graduated, ["33.3", "33.3", "33.4"], 15_000, [4_995, 4_995, 5_010]),
        // 150.00 + 1 × 0.80; 15,080 × 100/101 = 14,930.69 and × 1/101 = 149.31: the paisa goes to the .69.
        ("graduated, one past 100, two", graduated, ["100", "1"], 15_080, [14_931, 149]),
        // 15,080 × 33/101 = 4,927.13 and × 34/101 = 5,076.44 twice: the paisa left over goes to vol-b by name.
        ("graduated, one past 100, three; a tie", graduated, ["33", "34", "34"], 15_080, [4_927, 5_077, 5_076]),
        // 150.00 + 900 × 0.80.
        ("graduated, exactly at 1000, two", graduated, ["999", "1"], 87_000, [86_913, 87]),
        ("graduated, exactly at 1000, three", graduated, ["500", "300", "200"], 87_000, [43_500, 26_100, 17_400]),
        // 870.00 + 1 × 0.50; 87,050 × 1000/1001 = 86,963.04 and × 1/1001 = 86.96.
        ("graduated, one past 1000, two", graduated, ["1000", "1"], 87_050, [86_963, 87]),
        (
            "graduated, one past 1000, three", graduated, ["333.667", "333.667", "333.666"], 87_050,
            [29_017, 29_017, 29_016]
        ),
        // All 100 at 1.00.
        ("volume, exactly at 100, two", volume, ["60", "40"], 10_000, [6_000, 4_000]),
        ("volume, exactly at 100, three", volume, ["33.3", "33.3", "33.4"], 10_000, [3_330, 3_330, 3_340]),
        // All 101 at 0.80, plus 20.00.
        ("volume, one past 100, two", volume, ["60.5", "40.5"], 10_080, [6_038, 4_042]),
        ("volume, one past 100, three", volume, ["33", "34", "34"], 10_080, [3_294, 3_393, 3_393]),
        // All 1000 at 0.80, plus 20.00.
        ("volume, exactly at 1000, two", volume, ["700", "300"], 82_000, [57_400, 24_600]),
        ("volume, exactly at 1000, three", volume, ["333", "333", "334"], 82_000, [27_306, 27_306, 27_388]),
        // All 1001 at 0.50, no fee.
        ("volume, one past 1000, two", volume, ["1000", "1"], 50_050, [50_000, 50]),
        ("volume, one past 1000, three", volume, ["333", "334", "334"], 50_050, [16_650, 16_700, 16_700]),
        // 5 + 5 fill one package.
        ("package, exactly one, two", package, ["5", "5"], 500, [250, 250]),
        ("package, exactly one, three", package, ["3", "3", "4"], 500, [150, 150, 200]),
        // 11 GB start a second package: 1,000 × 5/11 = 454.55 and × 6/11 = 545.45.
        ("package, one past, two", package, ["5", "6"], 1_000, [455, 545]),
        ("package, one past, three", package, ["3", "4", "4"], 1_000, [273, 364, 363]),
        // 1.5 paise rounded once is 2, where three half-paise rounded each would be 3; the two go by name.
        ("per unit, rounded once, three", perUnit, ["0.5", "0.5", "0.5"], 2, [1, 1, 0]),
        // 2.5 paise rounded once is 3, where 1.25 paise rounded twice would be 2.
        ("per unit, rounded once, two", perUnit, ["1.25", "1.25"], 3, [2, 1]),
    ]

    @Test("a per_meter meter prices its total and shares the charge exactly", arguments: shared)
    func sharedCharge(name: String, pricing: MeterPricing, quantities: [String], charge: Int64, shares: [Int64])
        throws
    {
        let lines = try Self.usageLines(Self.meter(pricing), quantities)
        let total = quantities.map { FixedDecimal($0)! }.reduce(.zero, +)
        #expect(try pricing.amount(for: total, currency: .inr).minorUnits == charge, "\(name)")
        #expect(lines.map(\.amount).sum(in: .inr).minorUnits == charge, "\(name)")
        #expect(lines.map(\.amount.minorUnits) == shares, "\(name)")
        #expect(lines.map(\.resourceName) == Array(Self.names.prefix(quantities.count)), "\(name)")
        #expect(lines.map(\.quantity.description) == quantities, "\(name)")
        #expect(lines.allSatisfy { $0.unit == "GB-month" && $0.category == .usage && $0.resourceType == "storage" })
        // The unit price is the meter's average: its charge over its total, to six decimals.
        let average = Rounding.divideRoundingHalfAwayFromZero(
            Int128(charge) * 1_000_000 * 1_000_000, by: 100 * Int128(total.scaledValue))
        #expect(lines.allSatisfy { Int128($0.unitPrice.scaledValue) == average }, "\(name)")
    }

    /// The same usage on `per_resource` meters: each resource priced alone, as before meters could share.
    static let separate: [(String, MeterPricing, [String], [Int64])] = [
        // 100 × 1.00 + 50.00; 1 × 1.00 + 50.00: each resource pays the first band and its fee.
        ("graduated, one past 100", graduated, ["100", "1"], [15_000, 5_100]),
        ("volume, one past 1000", volume, ["1000", "1"], [82_000, 100]),
        // Two packages for 10 GB.
        ("package, exactly one", package, ["5", "5"], [500, 500]),
        // Half a paisa rounded up three times.
        ("per unit", perUnit, ["0.5", "0.5", "0.5"], [1, 1, 1]),
    ]

    @Test("a per_resource meter prices each resource on its own", arguments: separate)
    func separateCharges(name: String, pricing: MeterPricing, quantities: [String], charges: [Int64]) throws {
        let meter = Self.meter(pricing, .perResource)
        let lines = try Self.usageLines(meter, quantities)
        for (resource, quantity) in zip(Self.names, quantities) {
            let own = lines.filter { $0.resourceName == resource }
            let alone = try SubscriptionCharges.lines(
                plan: Self.plan, seats: 0, start: Self.start, end: Self.end, creditsUsed: .zero,
                usage: [ServiceUsage(meter: meter, resourceName: resource, quantity: FixedDecimal(quantity)!)])
            #expect(own == alone, "\(name): \(resource)")
            #expect(
                own.map(\.amount).sum(in: .inr) == (try pricing.amount(for: FixedDecimal(quantity)!, currency: .inr)),
                "\(name): \(resource)")
        }
        let byResource = Self.names.prefix(quantities.count).map { resource in
            lines.filter { $0.resourceName == resource }.map(\.amount.minorUnits).reduce(0, +)
        }
        #expect(byResource == charges, "\(name)")
    }

    @Test(
        "one resource, or one that used anything, keeps its lines by band, fee and package",
        arguments: [
            (graduated, ["150"]), (graduated, ["150", "0"]), (volume, ["0", "101"]), (package, ["11"]),
            (perUnit, ["0", "0", "7.5"]),
        ])
    func oneResource(pricing: MeterPricing, quantities: [String]) throws {
        let shared = try Self.usageLines(Self.meter(pricing), quantities)
        let separate = try Self.usageLines(Self.meter(pricing, .perResource), quantities)
        #expect(shared == separate)
        #expect(!shared.isEmpty)
        #expect(shared.allSatisfy { !$0.description.contains("meter's total") })
    }

    @Test("a shared line says its price came from the meter's total, naming the bands when that stays short")
    func descriptions() throws {
        let cases: [(MeterPricing, [String], String)] = [
            (
                Self.graduated, ["70", "50.5"],
                "Block storage (priced on the meter's total of 120.5 GB-month: 0–100 at 1 plus a 50.00 fee, 100–1000 at 0.8)"
            ),
            (
                Self.volume, ["60.5", "40.5"],
                "Block storage (priced on the meter's total of 101 GB-month: all in the 100–1000 band at 0.8 plus a 20.00 fee)"
            ),
            (
                Self.package, ["5", "6"],
                "Block storage (priced on the meter's total of 11 GB-month: 2 packages of 10 at 5)"
            ),
            (
                Self.package, ["5", "5"],
                "Block storage (priced on the meter's total of 10 GB-month: 1 package of 10 at 5)"
            ),
            (Self.perUnit, ["60", "60"], "Block storage (priced on the meter's total of 120 GB-month)"),
        ]
        for (pricing, quantities, description) in cases {
            let lines = try Self.usageLines(Self.meter(pricing), quantities)
            #expect(lines.count == quantities.count)
            #expect(lines.allSatisfy { $0.description == description }, "\(lines.map(\.description))")
        }
        // Six bands reached do not fit: the description counts them instead.
        let many = MeterPricing.graduated(
            tiers: (1...5).map { PriceTier(upTo: FixedDecimal(Int64($0 * 100)), unitPrice: FixedDecimal("1.25")!) }
                + [PriceTier(upTo: nil, unitPrice: FixedDecimal("0.75")!)])
        let lines = try Self.usageLines(Self.meter(many), ["400", "200.5"])
        #expect(
            lines.map(\.description)
                == Array(
                    repeating: "Block storage (priced on the meter's total of 600.5 GB-month across 6 price bands)",
                    count: 2))
        // 5 × 100 × 1.25 + 100.5 × 0.75 = 700.375 → 700.38, shared 46,653.12 : 23,384.88; 700.38 ÷ 600.5 = 1.16632806.
        #expect(lines.map(\.amount.minorUnits) == [46_653, 23_385])
        #expect(lines.map(\.unitPrice.description) == ["1.166328", "1.166328"])
    }

    @Test("a meter's lines stay together, meters by code and resources by name, whatever the order given")
    func order() throws {
        let storage = Self.meter(Self.graduated)
        let pods = Meter(
            id: .generate(), code: "pod-vcpu", name: "Pod vCPU", resourceType: "pod", unit: "vCPU-hour", sac: "998315",
            currency: .inr, pricing: .perUnit(unitPrice: FixedDecimal("2.4")!), createdAt: Self.now)
        let usage = [
            ServiceUsage(meter: storage, resourceName: "vol-b", quantity: FixedDecimal(20)),
            ServiceUsage(meter: pods, resourceName: "worker", quantity: FixedDecimal(10)),
            ServiceUsage(meter: storage, resourceName: "vol-a", quantity: FixedDecimal(80)),
            ServiceUsage(meter: pods, resourceName: "api", quantity: FixedDecimal(5)),
        ]
        let lines = try SubscriptionCharges.lines(
            plan: Self.plan, seats: 0, start: Self.start, end: Self.end, creditsUsed: .zero, usage: usage)
        #expect(lines.map(\.resourceName) == ["api", "worker", "vol-a", "vol-b"])
        // Pods: 15 × 2.40 = 36.00 shared 5 : 10; storage: 100 × 1.00 + 50.00 shared 80 : 20.
        #expect(lines.map(\.amount.minorUnits) == [1_200, 2_400, 12_000, 3_000])
        #expect(lines.map(\.unitPrice.description) == ["2.4", "2.4", "1.5", "1.5"])
    }

    @Test("a total beyond what a quantity holds is refused, not wrapped")
    func overflow() {
        let huge = FixedDecimal(scaledValue: .max)
        #expect(throws: MoneyError.self) {
            try Self.usageLines(Self.meter(Self.perUnit), [huge.description, "1"])
        }
    }
}
