import BillfoldCore
import Testing

@Suite("Meter pricing")
struct MeterPricingTests {
    static let tiers = [
        PriceTier(upTo: FixedDecimal(100), unitPrice: FixedDecimal(1)),
        PriceTier(upTo: FixedDecimal(1000), unitPrice: FixedDecimal("0.8")!),
        PriceTier(upTo: nil, unitPrice: FixedDecimal("0.5")!),
    ]
    static let tiersWithFee = [
        PriceTier(upTo: FixedDecimal(10), unitPrice: FixedDecimal(1), flatFee: 50_000),
        PriceTier(upTo: nil, unitPrice: FixedDecimal("0.5")!, flatFee: 1_000),
    ]

    /// Pricing, quantity, and the charge in paise worked out by hand.
    static let cases: [(String, MeterPricing, String, Int64)] = [
        ("per unit", .perUnit(unitPrice: FixedDecimal("2.4")!), "12.5", 3_000),
        ("per unit, 0.75 paise rounds up", .perUnit(unitPrice: FixedDecimal("0.005")!), "1.5", 1),
        ("per unit, 0.33 paise rounds down", .perUnit(unitPrice: FixedDecimal("0.01")!), "0.333333", 0),
        ("per unit, no usage", .perUnit(unitPrice: FixedDecimal("2.4")!), "0", 0),
        ("graduated, on the first boundary", .graduated(tiers: tiers), "100", 10_000),
        ("graduated, just past it", .graduated(tiers: tiers), "100.5", 10_040),
        ("graduated, on the second boundary", .graduated(tiers: tiers), "1000", 82_000),
        ("graduated, into the last band", .graduated(tiers: tiers), "1500", 107_000),
        ("graduated with fees, nothing used", .graduated(tiers: tiersWithFee), "0", 0),
        ("graduated with fees, first band", .graduated(tiers: tiersWithFee), "1", 50_100),
        ("graduated with fees, both bands", .graduated(tiers: tiersWithFee), "12", 52_100),
        ("volume, on the first boundary", .volume(tiers: tiers), "100", 10_000),
        ("volume, just past it", .volume(tiers: tiers), "100.5", 8_040),
        ("volume, last band", .volume(tiers: tiers), "1500", 75_000),
        ("volume with fees, second band", .volume(tiers: tiersWithFee), "12", 1_600),
        ("volume with fees, nothing used", .volume(tiers: tiersWithFee), "0", 0),
        ("package, nothing used", .package(size: FixedDecimal(1000), price: FixedDecimal(5)), "0", 0),
        ("package, one unit starts a package", .package(size: FixedDecimal(1000), price: FixedDecimal(5)), "1", 500),
        ("package, exactly full", .package(size: FixedDecimal(1000), price: FixedDecimal(5)), "1000", 500),
        (
            "package, a millionth over", .package(size: FixedDecimal(1000), price: FixedDecimal(5)), "1000.000001",
            1_000
        ),
    ]

    @Test("charges match the hand-worked table", arguments: cases)
    func charges(name: String, pricing: MeterPricing, quantity: String, paise: Int64) throws {
        let amount = try pricing.amount(for: FixedDecimal(quantity)!, currency: .inr)
        #expect(amount == Money(minorUnits: paise, currency: .inr), "\(name)")
    }

    static let problems: [(MeterPricing, String?)] = [
        (.perUnit(unitPrice: FixedDecimal("-1")!), "unit_price must not be negative"),
        (.graduated(tiers: []), "tiers must not be empty"),
        (
            .graduated(tiers: [PriceTier(upTo: FixedDecimal(5), unitPrice: FixedDecimal(1))]),
            "only the last tier, and it alone, has no up_to"
        ),
        (
            .volume(tiers: [
                PriceTier(upTo: FixedDecimal(5), unitPrice: FixedDecimal(1)),
                PriceTier(upTo: FixedDecimal(5), unitPrice: FixedDecimal(1)),
                PriceTier(upTo: nil, unitPrice: FixedDecimal(1)),
            ]), "tiers[1].up_to must be above the tier before it"
        ),
        (.package(size: .zero, price: FixedDecimal(1)), "package_size must be positive"),
        (.graduated(tiers: tiers), nil),
    ]

    @Test("invalid pricing is described, valid pricing is not", arguments: problems)
    func validation(pricing: MeterPricing, problem: String?) {
        #expect(pricing.problem == problem)
    }
}

@Suite("Meter pricing at the edges")
struct MeterPricingEdgeTests {
    @Test("enormous quantities report overflow instead of crashing")
    func overflow() {
        let huge = FixedDecimal(scaledValue: .max)
        let pricings: [MeterPricing] = [
            .perUnit(unitPrice: huge),
            .package(size: FixedDecimal(scaledValue: 1), price: huge),
            .graduated(tiers: [PriceTier(upTo: nil, unitPrice: huge, flatFee: .max)]),
        ]
        for pricing in pricings {
            #expect(throws: MoneyError.overflow) { try pricing.amount(for: huge, currency: .inr) }
        }
    }

    @Test("pricing with a problem charges nothing rather than guess")
    func invalidPricing() throws {
        #expect(try MeterPricing.volume(tiers: []).amount(for: FixedDecimal(5), currency: .inr).isZero)
    }
}

@Suite("Meter pricing as invoice lines")
struct MeterPortionTests {
    @Test("graduated usage splits into one portion per band and one per flat fee")
    func graduatedPortions() throws {
        let pricing = MeterPricing.graduated(tiers: [
            PriceTier(upTo: FixedDecimal(1000), unitPrice: FixedDecimal("2.4")!),
            PriceTier(upTo: nil, unitPrice: FixedDecimal("1.8")!, flatFee: 5_000),
        ])
        let portions = try pricing.portions(for: FixedDecimal("1500.5")!, currency: .inr)
        #expect(portions.map(\.quantity.description) == ["1000", "500.5", "1"])
        #expect(portions.map(\.unitPrice.description) == ["2.4", "1.8", "50"])
        #expect(portions.map(\.band) == ["0–1000", "above 1000", "above 1000"])
        #expect(portions.map(\.basis) == [.units, .units, .flatFee])
        // 2,400.00 + 900.90 + 50.00, each portion rounded on its own line.
        #expect(try pricing.amount(for: FixedDecimal("1500.5")!, currency: .inr).minorUnits == 335_090)
    }

    @Test("volume and package usage each become one priced portion")
    func singlePortions() throws {
        let volume = MeterPricing.volume(tiers: [
            PriceTier(upTo: FixedDecimal(10), unitPrice: FixedDecimal(1)),
            PriceTier(upTo: nil, unitPrice: FixedDecimal("0.5")!),
        ])
        let band = try volume.portions(for: FixedDecimal(12), currency: .inr)
        #expect(band.map(\.band) == ["above 10"] && band.map(\.unitPrice) == [FixedDecimal("0.5")!])
        let package = MeterPricing.package(size: FixedDecimal(1000), price: FixedDecimal(5))
        let packages = try package.portions(for: FixedDecimal(2001), currency: .inr)
        #expect(packages.map(\.quantity) == [FixedDecimal(3)] && packages.map(\.basis) == [.packages])
        #expect(try package.portions(for: .zero, currency: .inr).isEmpty)
    }
}
