import BillfoldCore
import Testing

/// The codes and names of gst.md, copied by hand.
private let expectedStates: [(code: String, name: String)] = [
    ("01", "Jammu and Kashmir"), ("02", "Himachal Pradesh"), ("03", "Punjab"), ("04", "Chandigarh"),
    ("05", "Uttarakhand"), ("06", "Haryana"), ("07", "Delhi"), ("08", "Rajasthan"), ("09", "Uttar Pradesh"),
    ("10", "Bihar"), ("11", "Sikkim"), ("12", "Arunachal Pradesh"), ("13", "Nagaland"), ("14", "Manipur"),
    ("15", "Mizoram"), ("16", "Tripura"), ("17", "Meghalaya"), ("18", "Assam"), ("19", "West Bengal"),
    ("20", "Jharkhand"), ("21", "Odisha"), ("22", "Chhattisgarh"), ("23", "Madhya Pradesh"), ("24", "Gujarat"),
    ("25", "Daman and Diu"), ("26", "Dadra and Nagar Haveli and Daman and Diu"), ("27", "Maharashtra"),
    ("28", "Andhra Pradesh"), ("29", "Karnataka"), ("30", "Goa"), ("31", "Lakshadweep"), ("32", "Kerala"),
    ("33", "Tamil Nadu"), ("34", "Puducherry"), ("35", "Andaman and Nicobar Islands"), ("36", "Telangana"),
    ("37", "Andhra Pradesh"), ("38", "Ladakh"), ("96", "Other Country"), ("97", "Other Territory"),
]

struct StateCodeTests {
    @Test("Every code of gst.md is known, in order, with its name")
    func allCodes() {
        #expect(StateCode.all.map(\.code) == expectedStates.map(\.code))
        #expect(StateCode.all.map(\.name) == expectedStates.map(\.name))
        #expect(StateCode.all == StateCode.all.sorted())
    }

    @Test("Each code is found by its two digits", arguments: expectedStates)
    func lookupByCode(code: String, name: String) {
        #expect(StateCode(code: code)?.name == name)
    }

    @Test(
        "Only exactly two known digits are a code", arguments: ["7", "007", "99", "00", "", " 29", "29 ", "2a", "39"])
    func unknownCodes(code: String) {
        #expect(StateCode(code: code) == nil)
    }

    @Test("UTGST applies in exactly the five union territories without a legislature")
    func unionTerritories() {
        let codes = StateCode.all.filter(\.isUnionTerritoryWithoutLegislature).map(\.code)
        #expect(codes == ["04", "26", "31", "35", "38"])
    }

    @Test("Only 25 and 28 are historic")
    func historicCodes() {
        #expect(StateCode.all.filter(\.isHistoric).map(\.code) == ["25", "28"])
    }

    @Test("Other country is 96")
    func otherCountry() {
        #expect(StateCode.otherCountry.code == "96")
        #expect(StateCode.otherCountry.name == "Other Country")
        #expect(!StateCode.otherCountry.isUnionTerritoryWithoutLegislature)
    }

    @Test(
        "Names are found in any letter case, preferring the current code",
        arguments: [
            ("Karnataka", "29" as String?),
            ("karnataka", "29"),
            ("ANDHRA PRADESH", "37"),
            ("Daman and Diu", "25"),
            ("  Delhi ", "07"),
            ("other country", "96"),
            ("Narnia", nil),
            ("", nil),
        ]
    )
    func lookupByName(name: String, code: String?) {
        #expect(StateCode.named(name)?.code == code)
    }

    @Test("Printed as name and code; ordered by code")
    func descriptionAndOrder() {
        #expect(StateCode(code: "29")!.description == "Karnataka (29)")
        #expect(StateCode.otherCountry.description == "Other Country (96)")
        #expect(StateCode(code: "07")! < StateCode(code: "29")!)
        #expect(!(StateCode(code: "29")! < StateCode(code: "29")!))
    }
}
