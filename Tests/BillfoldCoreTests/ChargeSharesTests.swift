import BillfoldCore
import PropertyBased
import Testing

@Suite("Charge shares")
struct ChargeSharesTests {
    /// A charge in paise, resources and their quantities, and each one's share worked out by hand.
    static let cases: [(String, Int64, [(String, String)], [Int64])] = [
        ("divides exactly", 700, [("a", "1"), ("b", "2"), ("c", "4")], [100, 200, 400]),
        ("the leftover paisa goes to the largest remainder", 100, [("a", "1"), ("b", "2")], [33, 67]),
        ("equal remainders: the name that sorts first", 100, [("a", "1"), ("b", "1"), ("c", "1")], [34, 33, 33]),
        (
            "equal remainders, resources given in another order: still by name", 100,
            [("c", "1"), ("b", "1"), ("a", "1")], [33, 33, 34]
        ),
        // 10 × 1/6 = 1.67 four times and 10 × 2/6 = 3.33: three paise left over, to a, b and c.
        (
            "several leftovers", 10, [("a", "1"), ("b", "1"), ("c", "1"), ("d", "1"), ("e", "2")],
            [2, 2, 2, 1, 3]
        ),
        ("a credit is cut toward zero like a charge", -100, [("a", "1"), ("b", "1"), ("c", "1")], [-34, -33, -33]),
        ("nothing to share", 0, [("a", "2"), ("b", "3")], [0, 0]),
        ("a resource that used nothing gets nothing", 1, [("a", "0"), ("b", "5")], [0, 1]),
        ("one resource takes it all", 12_345, [("only", "0.000001")], [12_345]),
        ("millionths", 1, [("a", "0.000001"), ("b", "0.000002")], [0, 1]),
        (
            "the largest amount, halved", .max, [("a", "1"), ("b", "1")],
            [4_611_686_018_427_387_904, 4_611_686_018_427_387_903]
        ),
        (
            "the largest quantities", 3, [("a", "9223372036854.775807"), ("b", "9223372036854.775807")], [2, 1]
        ),
    ]

    @Test("shares match the hand-worked table", arguments: cases)
    func shares(name: String, paise: Int64, resources: [(String, String)], expected: [Int64]) throws {
        let charge = Money(minorUnits: paise, currency: .inr)
        let shares = try charge.shares(among: resources.map { ($0.0, FixedDecimal($0.1)!) })
        #expect(shares.map(\.minorUnits) == expected, "\(name)")
        #expect(shares.allSatisfy { $0.currency == .inr })
    }

    static let nothingToShareBy: [[(String, String)]] = [
        [], [("a", "0")], [("a", "0"), ("b", "0")], [("a", "-1"), ("b", "2")],
    ]

    @Test("nothing to share by is refused", arguments: nothingToShareBy)
    func refused(resources: [(String, String)]) {
        #expect(throws: MoneyError.self) {
            try Money(minorUnits: 100, currency: .inr).shares(among: resources.map { ($0.0, FixedDecimal($0.1)!) })
        }
    }

    @Test("shares add up to the charge, each within a paisa of its exact part, whatever the order")
    func property() async {
        let quantities = Gen.int64(in: 0...5_000_000_000).array(of: 1...8)
        await propertyCheck(input: Gen.int64(in: -10_000_000_000...10_000_000_000), quantities) { paise, scaled in
            guard scaled.contains(where: { $0 > 0 }) else { return }
            let resources = scaled.enumerated().map { ("resource-\($0.offset)", FixedDecimal(scaledValue: $0.element)) }
            let charge = Money(minorUnits: paise, currency: .inr)
            guard let shares = try? charge.shares(among: resources) else {
                Issue.record("no shares for \(paise) among \(scaled)")
                return
            }
            #expect(shares.map(\.minorUnits).reduce(0, +) == paise)
            let total = Int128(scaled.reduce(0, +))
            for (share, quantity) in zip(shares, scaled) {
                // |share − charge × quantity ÷ total| < 1, without dividing.
                let gap = Int128(share.minorUnits) * total - Int128(paise) * Int128(quantity)
                #expect(gap.magnitude < total.magnitude)
            }
            let reversed = (try? charge.shares(among: resources.reversed())) ?? []
            #expect(Array(reversed.reversed()) == shares)
        }
    }
}
