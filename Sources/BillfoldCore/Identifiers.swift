/// An identifier that reads as what it names: `ws_…`, `inv_…`.
public protocol PrefixedIdentifier: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible
where RawValue == String {
    /// The prefix before the underscore: `ws`.
    static var prefix: String { get }
    init(rawValue: String)
}

extension PrefixedIdentifier {
    /// A new random identifier: the prefix, an underscore and 20 lower-case base-32 characters.
    public static func generate() -> Self {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var generator = SystemRandomNumberGenerator()
        let body = String((0..<20).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        return Self(rawValue: "\(Self.prefix)_\(body)")
    }

    /// The identifier in `string` when it has this type's prefix and a plausible body.
    public init?(validating string: String) {
        let body = string.dropFirst(Self.prefix.count + 1)
        guard string.hasPrefix("\(Self.prefix)_"), (1...64).contains(body.count),
            body.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
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

public struct WalletEntryID: PrefixedIdentifier {
    public static let prefix = "wle"
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
