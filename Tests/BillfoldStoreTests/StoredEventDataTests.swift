import BillfoldCore
import Foundation
import Testing

@testable import BillfoldStore

@Suite("An event's data as stored: JSON written by hand, read back as it was recorded")
struct StoredEventDataTests {
    /// What the stored form was written with before it was written by hand: `JSONEncoder`, keys sorted, money as
    /// an object with its currency.
    enum EncoderMirror: Encodable {
        case value(EventValue)

        enum MoneyKeys: String, CodingKey {
            case minorUnits = "minor_units"
            case currency
        }

        func encode(to encoder: any Encoder) throws {
            guard case .value(let value) = self else { return }
            if case .money(let money) = value {
                var container = encoder.container(keyedBy: MoneyKeys.self)
                try container.encode(money.minorUnits, forKey: .minorUnits)
                try container.encode(money.currency.code, forKey: .currency)
            } else {
                try value.encode(to: encoder)
            }
        }
    }

    static let samples: [[String: EventValue]] = [
        [:],
        ["invoice_number": "BF/2026-27/000123", "amount_due": .money(Money(minorUnits: 121_540, currency: .inr))],
        [
            "note": #"say "hi" \ back\slash / slash"#, "lines": "one\ntwo\r\tthree\u{08}\u{0C}\u{01}\u{1F}",
            "rupee": "₹ 1,18,000 — paid ✓ 🧾", "zero": 0, "min": .integer(Int64.min), "max": .integer(Int64.max),
            "yes": true, "no": false, "nothing": .null, "refund": .money(Money(minorUnits: -5, currency: .inr)),
            "Capital": "sorts before lower case", "a_b": "underscore", "a-b": "hyphen", "ab": "plain",
        ],
    ]

    @Test("every kind of value reads back as it was recorded")
    func roundTrip() throws {
        for data in Self.samples {
            #expect(try StoredEventData.decode(StoredEventData.encode(data)) == data)
        }
    }

    @Test("byte for byte what JSONEncoder writes with sorted keys and unescaped slashes")
    func sameAsEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for data in Self.samples {
            let expected = String(decoding: try encoder.encode(data.mapValues(EncoderMirror.value)), as: UTF8.self)
            #expect(StoredEventData.encode(data) == expected)
        }
    }

    @Test("rows written by JSONEncoder before, slashes escaped, still read")
    func readsEarlierRows() throws {
        let earlier = #"{"amount":{"currency":"INR","minor_units":118000},"path":"a\/b","paid":true}"#
        let data = try StoredEventData.decode(earlier)
        #expect(data["amount"] == .money(Money(minorUnits: 118_000, currency: .inr)))
        #expect(data["path"] == "a/b" && data["paid"] == true)
    }
}
