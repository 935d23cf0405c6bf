import Foundation

/// A GST identification number, validated: `27AAPFU0939F1ZV`.
package struct GSTIN: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The 15 characters, upper case.
    package let value: String

    /// Validates `string` after trimming spaces and upper-casing it.
    package init(_ string: String) throws(GSTINError) {
        let value = string.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard value.count == 15 else {
            throw GSTINError(code: .wrongLength, message: Self.lengthMessage(value))
        }
        let characters = Array(value)
        for (index, rule) in Self.positionRules.enumerated() where !rule.allows(characters[index]) {
            throw GSTINError(
                code: .invalidFormat,
                message: "GSTIN \(value) has '\(characters[index])' at position \(index + 1), where \(rule.meaning) "
                    + "belongs; a GSTIN looks like 27AAPFU0939F1ZV")
        }
        let stateDigits = String(value.prefix(2))
        guard let state = StateCode(code: stateDigits), state != .otherCountry else {
            throw GSTINError(
                code: .unknownStateCode,
                message: "GSTIN \(value) starts with \(stateDigits), which is not the code of an Indian state "
                    + "or union territory; check the first two digits")
        }
        let expected = Self.checkCharacter(for: value.prefix(14))
        guard expected == characters[14] else {
            throw GSTINError(
                code: .checkCharacterMismatch,
                message: "GSTIN \(value) has check character \(characters[14]) but should end in "
                    + "\(expected.map { String($0) } ?? "?"); a character is probably mistyped")
        }
        self.value = value
    }

    /// The state or territory where the taxpayer is registered: the first two digits.
    package var stateCode: StateCode {
        StateCode(code: String(self.value.prefix(2)))!
    }

    /// The taxpayer's PAN: characters 3 to 12.
    package var pan: String {
        String(self.value.dropFirst(2).prefix(10))
    }

    package var description: String { self.value }

    /// The 15th character for these 14, or `nil` when they are not 14 digits and upper-case letters.
    package static func checkCharacter(for first14: some StringProtocol) -> Character? {
        guard first14.count == 14 else { return nil }
        var sum = 0
        for (index, character) in first14.enumerated() {
            guard let position = Self.alphabet.firstIndex(of: character) else { return nil }
            let product = position * (index.isMultiple(of: 2) ? 1 : 2)
            sum += product / 36 + product % 36
        }
        return Self.alphabet[(36 - sum % 36) % 36]
    }

    /// Decodes the GSTIN's string and validates it.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        do {
            try self.init(string)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes the GSTIN as its 15-character string.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.value)
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// What may stand at each position: `[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][Z1-9ABD-J][0-9A-Z]`.
    private static let positionRules: [PositionRule] = {
        let digits = PositionRule(allowed: "0123456789", meaning: "a digit of the state code")
        let panLetter = PositionRule(allowed: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", meaning: "a letter of the PAN")
        let panDigit = PositionRule(allowed: "0123456789", meaning: "a digit of the PAN")
        let entity = PositionRule(
            allowed: "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", meaning: "the entity number (1-9, A-Z)")
        let fourteenth = PositionRule(allowed: "Z123456789ABDEFGHIJ", meaning: "the default Z")
        let check = PositionRule(
            allowed: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", meaning: "the check character (a digit or letter)")
        return [digits, digits] + Array(repeating: panLetter, count: 5) + Array(repeating: panDigit, count: 4)
            + [panLetter, entity, fourteenth, check]
    }()

    private static func lengthMessage(_ value: String) -> String {
        if value.isEmpty {
            return "GSTIN is empty; enter the 15-character GSTIN, like 27AAPFU0939F1ZV"
        }
        let shown = value.count <= 32 ? "GSTIN \(value)" : "GSTIN"
        return "\(shown) has \(value.count) characters but a GSTIN has exactly 15, like 27AAPFU0939F1ZV"
    }
}

/// The characters one position of a GSTIN allows, and what that position holds.
private struct PositionRule: Sendable {
    let allowed: Set<Character>
    let meaning: String

    init(allowed: String, meaning: String) {
        self.allowed = Set(allowed)
        self.meaning = meaning
    }

    func allows(_ character: Character) -> Bool {
        self.allowed.contains(character)
    }
}

/// Why a string is not a valid GSTIN.
package struct GSTINError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of mistake it is, stable for API clients.
    package enum Code: String, Sendable {
        case wrongLength = "wrong_length"
        case invalidFormat = "invalid_format"
        case unknownStateCode = "unknown_state_code"
        case checkCharacterMismatch = "check_character_mismatch"
    }

    /// The kind of mistake.
    package let code: Code
    /// What is wrong and how to correct it.
    package let message: String

    package var description: String { self.message }
}
