import Foundation

/// The bytes of an id's body, and of codes: ASCII letters, digits, `_` and `-`. Text made only of them needs no
/// quoting or escaping in SQL, JSON, CSV or a URL.
public enum PlainText {
    public static func allows(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x5F
            || byte == 0x2D
    }
}

/// An identifier that reads as what it names: `ws_…`, `inv_…`.
public protocol PrefixedIdentifier: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible
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
    public static func generate() -> Self {
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
    public init?(validating string: String) {
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

    public var description: String { self.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(rawValue: try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}

public struct WorkspaceID: PrefixedIdentifier {
    public static let prefix = "ws"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct MemberID: PrefixedIdentifier {
    public static let prefix = "mem"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct APIKeyID: PrefixedIdentifier {
    public static let prefix = "key"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct PlanID: PrefixedIdentifier {
    public static let prefix = "plan"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct SubscriptionID: PrefixedIdentifier {
    public static let prefix = "sub"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct SubscriptionChangeID: PrefixedIdentifier {
    public static let prefix = "sch"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct MeterID: PrefixedIdentifier {
    public static let prefix = "mtr"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct UsageRecordID: PrefixedIdentifier {
    public static let prefix = "use"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct InvoiceID: PrefixedIdentifier {
    public static let prefix = "inv"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct PaymentID: PrefixedIdentifier {
    public static let prefix = "pay"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct RefundID: PrefixedIdentifier {
    public static let prefix = "rfd"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct MandateID: PrefixedIdentifier {
    public static let prefix = "mdt"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct AutoPayChargeID: PrefixedIdentifier {
    public static let prefix = "apc"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct WalletEntryID: PrefixedIdentifier {
    public static let prefix = "wle"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

/// An outbox message's id: `msg_` and a lower-case UUID.
public struct OutboxMessageID: PrefixedIdentifier {
    public static let prefix = "msg"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A new id, `msg_` and a random UUID.
    public static func random() -> OutboxMessageID {
        OutboxMessageID(rawValue: "msg_" + UUID().uuidString.lowercased())
    }
}

public struct MemberSessionID: PrefixedIdentifier {
    public static let prefix = "ses"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
