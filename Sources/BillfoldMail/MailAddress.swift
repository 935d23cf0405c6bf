import Foundation

/// An email address with an optional display name, as it goes into `From` and `To`.
package struct MailAddress: Hashable, Sendable, CustomStringConvertible {
    /// The addr-spec, e.g. `a@b.in`: ASCII, one `@`, no spaces, controls or `<>,;"\()[]`.
    package let address: String
    /// The name shown beside the address, e.g. "Asha Rao" or "ಅನನ್ಯ"; line breaks are taken out.
    package let displayName: String?

    /// Returns nil when `address` is not a plain addr-spec. Addresses are ASCII only: an internationalized domain
    /// goes in its punycode form, since Billfold does not speak SMTPUTF8.
    package init?(_ address: String, displayName: String? = nil) {
        guard Self.isValid(address) else { return nil }
        self.address = address
        let name = displayName.map(HeaderText.singleLine)?.trimmingCharacters(in: .whitespaces)
        self.displayName = (name?.isEmpty ?? true) ? nil : name
    }

    /// An address as a person writes it in a setting: `billing@example.com`, or `Acme Billing <billing@example.com>`
    /// (the name may be quoted).
    package init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") else {
            self.init(trimmed)
            return
        }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
        self.init(address, displayName: name.isEmpty ? nil : name)
    }

    package var description: String {
        guard let displayName else { return self.address }
        return "\(displayName) <\(self.address)>"
    }

    /// The part after the `@`.
    package var domain: String {
        String(self.address[self.address.index(after: self.address.lastIndex(of: "@")!)...])
    }

    private static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254 else { return false }
        let forbidden: Set<UInt8> = Array(" <>,;\"\\()[]".utf8).reduce(into: []) { $0.insert($1) }
        return address.utf8.allSatisfy { byte in byte > 0x20 && byte < 0x7F && !forbidden.contains(byte) }
    }
}
