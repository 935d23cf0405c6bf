import BillfoldCore
import BillfoldMail
import Foundation
import Hummingbird

/// Checks of request fields that fail with a 422 naming the field and saying what is accepted.
enum Validate {
    static func text(
        _ value: String?, param: String, maximumLength: Int = 200, allowsBlank: Bool = false
    ) throws -> String {
        guard let value else { throw APIError.missing(param) }
        // Printable ASCII with no space at either end, the common case, needs no trimming or Unicode checks.
        let utf8 = value.utf8
        if let first = utf8.first, let last = utf8.last, first != 0x20, last != 0x20, utf8.count <= maximumLength,
            utf8.allSatisfy({ (0x20...0x7E).contains($0) })
        {
            return value
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard allowsBlank || !trimmed.isEmpty else { throw APIError.invalid(param, "\(param) must not be blank") }
        guard trimmed.count <= maximumLength else {
            throw APIError.invalid(param, "\(param) must be at most \(maximumLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalid(param, "\(param) must not contain control characters")
        }
        return trimmed
    }

    static func email(_ value: String?, param: String) throws -> String {
        let email = try self.text(value, param: param, maximumLength: 254)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !email.contains(" ")
        else { throw APIError.invalid(param, "\(param) must be an email address like billing@example.com") }
        guard MailAddress(email) != nil else {
            throw APIError.invalid(
                param,
                "\(param) must be an address mail can be sent to: ASCII, with an internationalized domain in its "
                    + "xn-- form, and none of ( ) < > , ; \" \\ [ ]")
        }
        return email
    }

    static func address(_ body: WorkspacesController.AddressBody, over existing: Address? = nil) throws -> Address {
        let country = try self.country(body.country ?? existing?.country ?? "IN")
        let line1 = try self.text(body.line1 ?? existing?.line1, param: "address.line1")
        let line2 = try (body.line2 ?? existing?.line2).flatMap { value -> String? in
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : try self.text(trimmed, param: "address.line2")
        }
        let city = try self.text(body.city ?? existing?.city, param: "address.city", maximumLength: 100)
        // Some countries have no postal codes; an Indian address always has a PIN.
        let pinText = try self.text(
            body.pin ?? existing?.pin ?? (country == "IN" ? nil : ""), param: "address.pin", maximumLength: 12,
            allowsBlank: country != "IN")
        let stateCode: String?
        if country == "IN" {
            // When the country changes, a state code from the old address no longer applies.
            let code = body.stateCode ?? (existing?.country == "IN" ? existing?.stateCode : nil)
            guard let code else { throw APIError.missing("address.state_code") }
            guard let state = StateCode(code: code), !state.isHistoric, state != .otherCountry, code != "97" else {
                throw APIError.invalid(
                    "address.state_code", "\(code) is not a GST state code; use two digits such as 29 for Karnataka")
            }
            stateCode = state.code
            guard pinText.count == 6, pinText.allSatisfy({ $0.isASCII && $0.isNumber }), !pinText.hasPrefix("0") else {
                throw APIError.invalid("address.pin", "an Indian PIN code is six digits and does not start with 0")
            }
        } else {
            if let code = body.stateCode, !code.isEmpty {
                throw APIError.invalid("address.state_code", "a GST state code applies only to an address in India")
            }
            stateCode = nil
            guard pinText.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-") }) else {
                throw APIError.invalid("address.pin", "a postal code holds only letters, digits, spaces and hyphens")
            }
        }
        if let stateName = body.stateName {
            try self.stateName(stateName, of: stateCode.flatMap(StateCode.init(code:)))
        }
        return Address(line1: line1, line2: line2, city: city, stateCode: stateCode, pin: pinText, country: country)
    }

    /// `address.state_name` as sent back: the name of the address's state, in any letter case, or blank abroad.
    private static func stateName(_ value: String, of state: StateCode?) throws {
        let name = try self.text(value, param: "address.state_name", maximumLength: 100, allowsBlank: true)
        guard let state else {
            guard name.isEmpty else {
                throw APIError.invalid(
                    "address.state_name", "an address outside India has no state_name; leave it out")
            }
            return
        }
        guard name.caseInsensitiveCompare(state.name) == .orderedSame else {
            throw APIError.invalid(
                "address.state_name",
                "state_name is read from state_code, and \(state.code) is \(state.name); send that or leave it out")
        }
    }

    static func country(_ value: String) throws -> String {
        let upper = value.uppercased()
        guard upper.count == 2, upper.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw APIError.invalid("address.country", "country must be an ISO 3166-1 alpha-2 code such as IN")
        }
        return upper
    }

    static func gstin(_ value: String, for address: Address) throws -> GSTIN {
        let gstin: GSTIN
        do {
            gstin = try GSTIN(value)
        } catch {
            throw APIError.invalid("gstin", error.message, code: "invalid_gstin")
        }
        guard address.isInIndia else {
            throw APIError.invalid(
                "gstin", "a GSTIN belongs to an address in India; this address is in \(address.country)")
        }
        return gstin
    }

    static func currency(_ value: String, param: String) throws -> Currency {
        guard let currency = Currency.named(value) else {
            let codes = Currency.supported.map(\.code).joined(separator: ", ")
            throw APIError.invalid(param, "\(value) is not a supported currency; use one of \(codes)")
        }
        return currency
    }

    static func enumeration<Value: RawRepresentable & CaseIterable>(_ value: String, param: String) throws -> Value
    where Value.RawValue == String {
        guard let result = Value(rawValue: value) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.invalid(param, "\(param) must be one of \(allowed)")
        }
        return result
    }

    static func paymentTerms(_ days: Int) throws -> Int {
        guard (0...365).contains(days) else {
            throw APIError.invalid("payment_terms_days", "payment_terms_days must be between 0 and 365")
        }
        return days
    }

    static func amount(_ value: Int64?, param: String) throws -> Int64 {
        guard let value else { throw APIError.missing(param) }
        guard (0...1_000_000_000_000).contains(value) else {
            throw APIError.invalid(param, "\(param) must be a whole number of minor units from 0 to 10^12")
        }
        return value
    }

    static func count(_ value: Int?, param: String, maximum: Int = 1_000_000) throws -> Int {
        guard let value else { throw APIError.missing(param) }
        guard (0...maximum).contains(value) else {
            throw APIError.invalid(param, "\(param) must be between 0 and \(maximum)")
        }
        return value
    }

    static func limit(_ value: String?) throws -> Int {
        guard let value else { return 25 }
        guard let limit = Int(value), (1...100).contains(limit) else {
            throw APIError.invalid("limit", "limit must be a whole number from 1 to 100")
        }
        return limit
    }

    static func date(_ value: String?, param: String) throws -> CalendarDate? {
        guard let value else { return nil }
        guard let date = CalendarDate(iso8601: value) else {
            throw APIError.invalid(param, "\(param) must be a date written YYYY-MM-DD")
        }
        return date
    }

    static func identifier<ID: PrefixedIdentifier>(_ value: String, as type: ID.Type, param: String) throws -> ID {
        guard let id = ID(validating: value) else {
            throw APIError.invalid(param, "\(param) must be an id starting with \(ID.prefix)_")
        }
        return id
    }

    /// A machine name: 1 to 64 of lower-case letters, digits, `-` and `_`.
    static func code(_ value: String?, param: String) throws -> String {
        let code = try self.text(value, param: param, maximumLength: 64)
        let allowed = code.utf8.allSatisfy { byte in
            (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F
        }
        guard allowed else {
            throw APIError.invalid(param, "\(param) may hold only lower-case letters, digits, - and _")
        }
        return code
    }

    static func sac(_ value: String) throws -> String {
        guard [4, 6, 8].contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw APIError.invalid("sac", "sac must be a SAC code of 4, 6 or 8 digits, such as 998315")
        }
        return value
    }

    /// A quantity or price sent as a decimal string: `"12.5"`, at most six decimals, from 0 to 10^12.
    static func decimal(_ value: String, param: String) throws -> FixedDecimal {
        guard let decimal = FixedDecimal(value) else {
            throw APIError.invalid(param, "\(param) must be a decimal string such as \"12.5\", with at most 6 decimals")
        }
        guard !decimal.isNegative, decimal <= FixedDecimal(1_000_000_000_000) else {
            throw APIError.invalid(param, "\(param) must be from 0 to 1000000000000")
        }
        return decimal
    }

    /// An ISO 8601 instant with a zone: `2026-11-01T10:00:00Z`, fractional seconds allowed.
    static func timestamp(_ value: String?, param: String) throws -> Date {
        guard let value else { throw APIError.missing(param) }
        if let date = ISO8601Instant.parse(value) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(value) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(value) { return date }
        throw APIError.invalid(param, "\(param) must be an ISO 8601 time with a zone, such as 2026-11-01T10:00:00Z")
    }
}

extension Validate {
    /// A password as typed: never trimmed, `length` characters long.
    static func password(_ value: String?, length: ClosedRange<Int>) throws -> String {
        guard let value else { throw APIError.missing("password") }
        guard length.contains(value.count) else {
            throw APIError.invalid(
                "password", "password must be \(length.lowerBound) to \(length.upperBound) characters")
        }
        return value
    }
}
