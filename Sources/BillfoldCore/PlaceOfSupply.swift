import Foundation

/// Where a service is supplied for GST: the recipient's location.
package enum PlaceOfSupply {
    /// 96 for a customer outside India (`country` is ISO 3166-1 alpha-2); else the GSTIN's state, else the address's.
    ///
    /// An empty `country` is treated as unknown rather than as abroad, so a missing country never zero-rates a sale.
    package static func determine(customerGSTIN: GSTIN?, addressStateCode: StateCode?, country: String) -> StateCode? {
        let countryCode = country.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        if !countryCode.isEmpty && countryCode != "IN" {
            return .otherCountry
        }
        return customerGSTIN?.stateCode ?? addressStateCode
    }
}
