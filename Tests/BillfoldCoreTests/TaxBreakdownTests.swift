import BillfoldCore
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

private func state(_ code: String) -> StateCode {
    StateCode(code: code)!
}

/// One tax calculation and its expected result, computed by hand.
struct TaxCase: Sendable, CustomTestStringConvertible {
    let name: String
    let supplier: String
    let placeOfSupply: String
    /// Taxable value in paise and the full rate in basis points.
    let items: [(paise: Int64, rate: Int)]
    let supplyType: SupplyType
    let taxablePaise: Int64
    /// Head, the head's rate, taxable paise and tax paise.
    let heads: [(head: TaxHead, rate: Int, taxablePaise: Int64, paise: Int64)]
    let totalPaise: Int64

    var testDescription: String { self.name }
}

private let handComputedCases: [TaxCase] = [
    TaxCase(
        name: "intra-state 18%", supplier: "29", placeOfSupply: "29", items: [(100_000, 1800)],
        supplyType: .intraState, taxablePaise: 100_000,
        heads: [(.cgst, 900, 100_000, 9000), (.sgst, 900, 100_000, 9000)], totalPaise: 18_000),
    TaxCase(
        name: "inter-state 18%", supplier: "29", placeOfSupply: "07", items: [(100_000, 1800)],
        supplyType: .interState, taxablePaise: 100_000, heads: [(.igst, 1800, 100_000, 18_000)],
        totalPaise: 18_000),
    TaxCase(
        name: "from a union territory to a state", supplier: "04", placeOfSupply: "29", items: [(100_000, 1800)],
        supplyType: .interState, taxablePaise: 100_000, heads: [(.igst, 1800, 100_000, 18_000)],
        totalPaise: 18_000),
    TaxCase(
        name: "from a state to a union territory", supplier: "29", placeOfSupply: "38", items: [(100_000, 1800)],
        supplyType: .interState, taxablePaise: 100_000, heads: [(.igst, 1800, 100_000, 18_000)],
        totalPaise: 18_000),
    TaxCase(
        name: "Delhi has a legislature, so SGST", supplier: "07", placeOfSupply: "07", items: [(100_000, 1800)],
        supplyType: .intraState, taxablePaise: 100_000,
        heads: [(.cgst, 900, 100_000, 9000), (.sgst, 900, 100_000, 9000)], totalPaise: 18_000),
    TaxCase(
        name: "Puducherry has a legislature, so SGST", supplier: "34", placeOfSupply: "34",
        items: [(100_000, 1800)],
        supplyType: .intraState, taxablePaise: 100_000,
        heads: [(.cgst, 900, 100_000, 9000), (.sgst, 900, 100_000, 9000)], totalPaise: 18_000),
    TaxCase(
        name: "export under LUT", supplier: "29", placeOfSupply: "96", items: [(100_000, 1800)],
        supplyType: .exportUnderLUT, taxablePaise: 100_000, heads: [], totalPaise: 0),
    TaxCase(
        name: "export from a union territory", supplier: "04", placeOfSupply: "96", items: [(100_000, 1800)],
        supplyType: .exportUnderLUT, taxablePaise: 100_000, heads: [], totalPaise: 0),
    TaxCase(
        name: "multiple rates intra-state", supplier: "27", placeOfSupply: "27",
        items: [(100_000, 1800), (50_000, 500), (20_000, 1800), (30_000, 0)],
        supplyType: .intraState, taxablePaise: 200_000,
        heads: [
            (.cgst, 250, 50_000, 1250), (.cgst, 900, 120_000, 10_800),
            (.sgst, 250, 50_000, 1250), (.sgst, 900, 120_000, 10_800),
        ],
        totalPaise: 24_100),
    TaxCase(
        name: "multiple rates inter-state", supplier: "27", placeOfSupply: "33",
        items: [(100_000, 1800), (50_000, 500), (20_000, 1800), (30_000, 0)],
        supplyType: .interState, taxablePaise: 200_000,
        heads: [(.igst, 500, 50_000, 2500), (.igst, 1800, 120_000, 21_600)], totalPaise: 24_100),
    TaxCase(
        name: "multiple rates in a union territory", supplier: "38", placeOfSupply: "38",
        items: [(1800, 1200), (100_001, 1800)],
        supplyType: .intraUnionTerritory, taxablePaise: 101_801,
        heads: [
            (.cgst, 600, 1800, 108), (.cgst, 900, 100_001, 9000),
            (.utgst, 600, 1800, 108), (.utgst, 900, 100_001, 9000),
        ],
        totalPaise: 18_216),
    TaxCase(
        name: "5 paise at 9% each rounds to nothing", supplier: "29", placeOfSupply: "29", items: [(5, 1800)],
        supplyType: .intraState, taxablePaise: 5, heads: [(.cgst, 900, 5, 0), (.sgst, 900, 5, 0)], totalPaise: 0),
    TaxCase(
        name: "5 paise at 18% IGST rounds up to a paisa", supplier: "29", placeOfSupply: "07", items: [(5, 1800)],
        supplyType: .interState, taxablePaise: 5, heads: [(.igst, 1800, 5, 1)], totalPaise: 1),
    TaxCase(
        name: "half a paisa at 9% rounds away from zero", supplier: "29", placeOfSupply: "29", items: [(50, 1800)],
        supplyType: .intraState, taxablePaise: 50, heads: [(.cgst, 900, 50, 5), (.sgst, 900, 50, 5)], totalPaise: 10
    ),
    TaxCase(
        name: "the same 50 paise inter-state", supplier: "29", placeOfSupply: "07", items: [(50, 1800)],
        supplyType: .interState, taxablePaise: 50, heads: [(.igst, 1800, 50, 9)], totalPaise: 9),
    TaxCase(
        name: "9% of odd paise", supplier: "29", placeOfSupply: "29", items: [(11_111, 1800)],
        supplyType: .intraState, taxablePaise: 11_111,
        heads: [(.cgst, 900, 11_111, 1000), (.sgst, 900, 11_111, 1000)], totalPaise: 2000),
    TaxCase(
        name: "9% of 166.67", supplier: "29", placeOfSupply: "29", items: [(16_667, 1800)],
        supplyType: .intraState, taxablePaise: 16_667,
        heads: [(.cgst, 900, 16_667, 1500), (.sgst, 900, 16_667, 1500)], totalPaise: 3000),
    TaxCase(
        name: "tax is on the summed value per rate, not per line", supplier: "29", placeOfSupply: "29",
        items: Array(repeating: (5, 1800), count: 6),
        supplyType: .intraState, taxablePaise: 30, heads: [(.cgst, 900, 30, 3), (.sgst, 900, 30, 3)],
        totalPaise: 6),
    TaxCase(
        name: "summed value per rate inter-state", supplier: "29", placeOfSupply: "07",
        items: Array(repeating: (5, 1800), count: 6),
        supplyType: .interState, taxablePaise: 30, heads: [(.igst, 1800, 30, 5)], totalPaise: 5),
    TaxCase(
        name: "a negative value rounds away from zero", supplier: "29", placeOfSupply: "29", items: [(-50, 1800)],
        supplyType: .intraState, taxablePaise: -50,
        heads: [(.cgst, 900, -50, -5), (.sgst, 900, -50, -5)], totalPaise: -10),
    TaxCase(
        name: "5% splits into 2.5% each", supplier: "29", placeOfSupply: "29", items: [(100_000, 500)],
        supplyType: .intraState, taxablePaise: 100_000,
        heads: [(.cgst, 250, 100_000, 2500), (.sgst, 250, 100_000, 2500)], totalPaise: 5000),
    TaxCase(
        name: "zero-rated items carry no head", supplier: "29", placeOfSupply: "29", items: [(100_000, 0)],
        supplyType: .intraState, taxablePaise: 100_000, heads: [], totalPaise: 0),
    TaxCase(
        name: "no items", supplier: "29", placeOfSupply: "07", items: [],
        supplyType: .interState, taxablePaise: 0, heads: [], totalPaise: 0),
]

/// Every union territory without a legislature charges UTGST in place of SGST.
private let unionTerritoryCases: [TaxCase] = ["04", "26", "31", "35", "38"].map { code in
    TaxCase(
        name: "union territory \(code)", supplier: code, placeOfSupply: code, items: [(100_000, 1800)],
        supplyType: .intraUnionTerritory, taxablePaise: 100_000,
        heads: [(.cgst, 900, 100_000, 9000), (.utgst, 900, 100_000, 9000)], totalPaise: 18_000)
}

struct TaxBreakdownTests {
    @Test("Tax by supply type, rate and rounding", arguments: handComputedCases + unionTerritoryCases)
    func breakdown(taxCase: TaxCase) {
        let breakdown = GSTCalculator.breakdown(
            supplierState: state(taxCase.supplier), placeOfSupply: state(taxCase.placeOfSupply),
            items: taxCase.items.map { TaxableItem(taxableAmount: rupees($0.paise), rateBasisPoints: $0.rate) },
            currency: .inr)
        let expectedHeads = taxCase.heads.map {
            TaxHeadAmount(
                head: $0.head, rateBasisPoints: $0.rate, taxableAmount: rupees($0.taxablePaise),
                amount: rupees($0.paise))
        }
        #expect(breakdown.supplyType == taxCase.supplyType)
        #expect(breakdown.taxableAmount == rupees(taxCase.taxablePaise))
        #expect(breakdown.heads == expectedHeads)
        #expect(breakdown.total == rupees(taxCase.totalPaise))
        #expect(breakdown.endorsement == nil || taxCase.supplyType == .exportUnderLUT)
    }

    @Test(
        "Supply type from the supplier's state and the place of supply",
        arguments: [
            ("29", "29", SupplyType.intraState),
            ("29", "07", .interState),
            ("07", "29", .interState),
            ("04", "04", .intraUnionTerritory),
            ("26", "26", .intraUnionTerritory),
            ("31", "31", .intraUnionTerritory),
            ("35", "35", .intraUnionTerritory),
            ("38", "38", .intraUnionTerritory),
            ("04", "38", .interState),
            ("34", "34", .intraState),
            ("97", "97", .intraState),
            ("29", "97", .interState),
            ("29", "96", .exportUnderLUT),
            ("38", "96", .exportUnderLUT),
        ]
    )
    func supplyType(supplier: String, placeOfSupply: String, expected: SupplyType) {
        #expect(
            GSTCalculator.supplyType(supplierState: state(supplier), placeOfSupply: state(placeOfSupply)) == expected)
    }

    @Test("Per-head totals add up over rates")
    func headTotals() {
        let intraState = GSTCalculator.breakdown(
            supplierState: state("29"), placeOfSupply: state("29"),
            items: [
                TaxableItem(taxableAmount: rupees(100_000), rateBasisPoints: 1800),
                TaxableItem(taxableAmount: rupees(40_000), rateBasisPoints: 1200),
            ],
            currency: .inr)
        #expect(intraState.cgst == rupees(9000 + 2400))
        #expect(intraState.sgst == rupees(9000 + 2400))
        #expect(intraState.amount(for: .sgst) == rupees(11_400))
        #expect(intraState.utgst == rupees(0))
        #expect(intraState.igst == rupees(0))
        #expect(intraState.total == rupees(22_800))

        let unionTerritory = GSTCalculator.breakdown(
            supplierState: state("35"), placeOfSupply: state("35"),
            items: [TaxableItem(taxableAmount: rupees(100_000), rateBasisPoints: 1800)], currency: .inr)
        #expect(unionTerritory.cgst == rupees(9000))
        #expect(unionTerritory.utgst == rupees(9000))
        #expect(unionTerritory.sgst == rupees(0))
        #expect(unionTerritory.igst == rupees(0))
    }

    @Test("An export is zero-rated and carries the LUT endorsement, in any currency")
    func export() {
        let breakdown = GSTCalculator.breakdown(
            supplierState: state("29"), placeOfSupply: .otherCountry,
            items: [TaxableItem(taxableAmount: Money(minorUnits: 250_000, currency: .usd), rateBasisPoints: 1800)],
            currency: .usd)
        #expect(breakdown.supplyType == .exportUnderLUT)
        #expect(breakdown.taxableAmount == Money(minorUnits: 250_000, currency: .usd))
        #expect(breakdown.heads.isEmpty)
        #expect(breakdown.total == Money(minorUnits: 0, currency: .usd))
        #expect(breakdown.igst == Money(minorUnits: 0, currency: .usd))
        #expect(
            breakdown.endorsement
                == "SUPPLY MEANT FOR EXPORT UNDER LETTER OF UNDERTAKING WITHOUT PAYMENT OF INTEGRATED TAX")
    }

    @Test("Other supplies carry no endorsement", arguments: [SupplyType.intraState, .intraUnionTerritory, .interState])
    func noEndorsement(supplyType: SupplyType) {
        let breakdown = TaxBreakdown(supplyType: supplyType, taxableAmount: rupees(100), heads: [])
        #expect(breakdown.endorsement == nil)
    }

    @Test("An odd rate in basis points still splits the tax exactly in half")
    func oddRate() {
        let intraState = GSTCalculator.breakdown(
            supplierState: state("29"), placeOfSupply: state("29"),
            items: [TaxableItem(taxableAmount: rupees(100_000), rateBasisPoints: 25)], currency: .inr)
        let interState = GSTCalculator.breakdown(
            supplierState: state("29"), placeOfSupply: state("07"),
            items: [TaxableItem(taxableAmount: rupees(100_000), rateBasisPoints: 25)], currency: .inr)
        #expect(intraState.cgst == rupees(125))
        #expect(intraState.sgst == rupees(125))
        #expect(interState.igst == rupees(250))
    }

    @Test("The standard rate is 18%")
    func standardRate() {
        #expect(GSTCalculator.standardRateBasisPoints == 1800)
        #expect(TaxHead.allCases == [.cgst, .sgst, .utgst, .igst])
        #expect(SupplyType.exportUnderLUT.rawValue == "export_under_lut")
        #expect(SupplyType.intraUnionTerritory.rawValue == "intra_union_territory")
    }
}
