import BillfoldCore
import Testing

struct PlaceOfSupplyTests {
    @Test(
        "Abroad is 96; in India the GSTIN's state wins over the address",
        arguments: [
            ("29AAACB1234C1ZB" as String?, "07" as String?, "IN", "29" as String?),
            (nil, "07", "IN", "07"),
            (nil, nil, "IN", nil),
            ("29AAACB1234C1ZB", "07", "US", "96"),
            (nil, nil, "us", "96"),
            (nil, "07", "de", "96"),
            (nil, "07", "in", "07"),
            (nil, "07", " IN ", "07"),
            ("04AABCC9012F1Z7", "29", "IN", "04"),
            ("04AABCC9012F1Z7", nil, "in", "04"),
            ("04AABCC9012F1Z7", nil, "", "04"),
            (nil, "33", "", "33"),
            (nil, nil, "", nil),
        ]
    )
    func determine(gstin: String?, addressStateCode: String?, country: String, expected: String?) throws {
        let customerGSTIN = try gstin.map { gstin throws(GSTINError) in try GSTIN(gstin) }
        let place = PlaceOfSupply.determine(
            customerGSTIN: customerGSTIN, addressStateCode: addressStateCode.flatMap(StateCode.init(code:)),
            country: country)
        #expect(place?.code == expected)
    }
}
