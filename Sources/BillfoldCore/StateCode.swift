import Foundation

/// A GST state code: the first two digits of a GSTIN and the code printed beside the place of supply.
package struct StateCode: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Two digits: `29`.
    package let code: String
    /// The state's or territory's name: `Karnataka`.
    package let name: String
    /// A union territory without a legislature, where UTGST takes the place of SGST.
    package let isUnionTerritoryWithoutLegislature: Bool
    /// A code no longer issued (25 Daman and Diu, 28 undivided Andhra Pradesh) that old GSTINs still carry.
    package let isHistoric: Bool

    private init(_ code: String, _ name: String, unionTerritory: Bool = false, historic: Bool = false) {
        self.code = code
        self.name = name
        self.isUnionTerritoryWithoutLegislature = unionTerritory
        self.isHistoric = historic
    }

    /// The state with this two-digit code (`"07"`, not `"7"`), or `nil` when there is none.
    package init?(code: String) {
        guard let state = Self.all.first(where: { $0.code == code }) else { return nil }
        self = state
    }

    /// Every code, in order, including 96 (other country), 97 (other territory) and the historic 25 and 28.
    package static let all: [StateCode] = [
        StateCode("01", "Jammu and Kashmir"),
        StateCode("02", "Himachal Pradesh"),
        StateCode("03", "Punjab"),
        StateCode("04", "Chandigarh", unionTerritory: true),
        StateCode("05", "Uttarakhand"),
        StateCode("06", "Haryana"),
        StateCode("07", "Delhi"),
        StateCode("08", "Rajasthan"),
        StateCode("09", "Uttar Pradesh"),
        StateCode("10", "Bihar"),
        StateCode("11", "Sikkim"),
        StateCode("12", "Arunachal Pradesh"),
        StateCode("13", "Nagaland"),
        StateCode("14", "Manipur"),
        StateCode("15", "Mizoram"),
        StateCode("16", "Tripura"),
        StateCode("17", "Meghalaya"),
        StateCode("18", "Assam"),
        StateCode("19", "West Bengal"),
        StateCode("20", "Jharkhand"),
        StateCode("21", "Odisha"),
        StateCode("22", "Chhattisgarh"),
        StateCode("23", "Madhya Pradesh"),
        StateCode("24", "Gujarat"),
        StateCode("25", "Daman and Diu", historic: true),
        StateCode("26", "Dadra and Nagar Haveli and Daman and Diu", unionTerritory: true),
        StateCode("27", "Maharashtra"),
        StateCode("28", "Andhra Pradesh", historic: true),
        StateCode("29", "Karnataka"),
        StateCode("30", "Goa"),
        StateCode("31", "Lakshadweep", unionTerritory: true),
        StateCode("32", "Kerala"),
        StateCode("33", "Tamil Nadu"),
        StateCode("34", "Puducherry"),
        StateCode("35", "Andaman and Nicobar Islands", unionTerritory: true),
        StateCode("36", "Telangana"),
        StateCode("37", "Andhra Pradesh"),
        StateCode("38", "Ladakh", unionTerritory: true),
        StateCode("96", "Other Country"),
        StateCode("97", "Other Territory"),
    ]

    /// The place of supply of an export: outside India.
    package static let otherCountry = StateCode(code: "96")!

    /// The state with this name in any letter case; a current code is preferred over a historic one.
    package static func named(_ name: String) -> StateCode? {
        let wanted = name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let matches = self.all.filter { $0.name.lowercased() == wanted }
        return matches.first { !$0.isHistoric } ?? matches.first
    }

    /// `Karnataka (29)`.
    package var description: String { "\(self.name) (\(self.code))" }

    package static func < (lhs: StateCode, rhs: StateCode) -> Bool {
        lhs.code < rhs.code
    }
}
