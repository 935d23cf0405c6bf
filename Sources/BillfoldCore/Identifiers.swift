import Foundation

/// The bytes of an id's body, and of codes: ASCII letters, digits, `_` and `-`. Text made only of them needs no
/// quoting or escaping in SQL, JSON, CSV or a URL.
package enum PlainText {
    package static func allows(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x5F
            || byte == 0x2D
    }
}

/// An identifier that reads as what it names: `ws_…`, `inv_…`.
package protocol PrefixedIdentifier: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible
where RawValue == String {
    /// The prefix before the underscore: `ws`.
    static var prefix: String { get }
    init(rawValue: String)
}

extension PrefixedIdentifier {
    /// A new identifier: the prefix, an underscore and 20 lower-case base-32 characters, the first 10 the
    /// milliseconds since 1970 and the last 10 random (50 bits).
    ///
    /// Identifiers made later sort later, so a table keyed by them grows at its end: inserts touch the last
    /// pages of the index instead of random ones, which keeps bulk ingestion fast.
    package static func generate() -> Self {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        var random = generator.next() as UInt64
        var body = [UInt8](repeating: 0, count: 20)
        for index in 0..<10 {
            body[index] = alphabet[Int((milliseconds >> UInt64(5 * (9 - index))) & 31)]
            body[10 + index] = alphabet[Int(random & 31)]
            random >>= 5
        }
        return Self(rawValue: Self.prefix + "_" + String(decoding: body, as: UTF8.self))
    }

    /// The identifier in `string` when it has this type's prefix and a plausible body.
    package init?(validating string: String) {
        let utf8 = string.utf8
        let prefix = Self.prefix.utf8
        let body = utf8.dropFirst(prefix.count + 1)
        guard utf8.count > prefix.count, utf8.starts(with: prefix),
            utf8[utf8.index(utf8.startIndex, offsetBy: prefix.count)] == 0x5F,
            (1...64).contains(body.count),
            body.allSatisfy(PlainText.allows)
        else { return nil }
        self.init(rawValue: string)
    }

    package var description: String { self.rawValue }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(rawValue: try container.decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}

package struct WorkspaceID: PrefixedIdentifier {
    package static let prefix = "ws"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct MemberID: PrefixedIdentifier {
    package static let prefix = "mem"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct APIKeyID: PrefixedIdentifier {
    package static let prefix = "key"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct PlanID: PrefixedIdentifier {
    package static let prefix = "plan"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct SubscriptionID: PrefixedIdentifier {
    package static let prefix = "sub"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct SubscriptionChangeID: PrefixedIdentifier {
    package static let prefix = "sch"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct MeterID: PrefixedIdentifier {
    package static let prefix = "mtr"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct UsageRecordID: PrefixedIdentifier {
    package static let prefix = "use"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct InvoiceID: PrefixedIdentifier {
    package static let prefix = "inv"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct PaymentID: PrefixedIdentifier {
    package static let prefix = "pay"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct RefundID: PrefixedIdentifier {
    package static let prefix = "rfd"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct MandateID: PrefixedIdentifier {
    package static let prefix = "mdt"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct AutoPayChargeID: PrefixedIdentifier {
    package static let prefix = "apc"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct WalletEntryID: PrefixedIdentifier {
    package static let prefix = "wle"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

/// An outbox message's id: `msg_` and 20 base-32 characters (messages queued before mail was delivered kept a UUID).
package struct OutboxMessageID: PrefixedIdentifier {
    package static let prefix = "msg"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct MemberSessionID: PrefixedIdentifier {
    package static let prefix = "ses"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct EventID: PrefixedIdentifier {
    package static let prefix = "evt"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct DisputeID: PrefixedIdentifier {
    package static let prefix = "dsp"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct DisputeCommentID: PrefixedIdentifier {
    package static let prefix = "dcm"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct AttachmentID: PrefixedIdentifier {
    package static let prefix = "att"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct CreditBalanceEntryID: PrefixedIdentifier {
    package static let prefix = "cbe"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct WebhookEndpointID: PrefixedIdentifier {
    package static let prefix = "we"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct WebhookDeliveryID: PrefixedIdentifier {
    package static let prefix = "whd"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}

package struct WebhookAttemptID: PrefixedIdentifier {
    package static let prefix = "wha"
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }
}
