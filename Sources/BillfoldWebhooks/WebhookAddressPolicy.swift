import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a webhook URL may point at. URLs are supplied by whoever holds an API key, and Billfold posts to them from
/// inside the operator's network, so by default only `https://` URLs whose host resolves to public addresses are
/// taken: not loopback, private, carrier-grade NAT, link-local (where cloud metadata services listen), multicast
/// or reserved ranges. `allowsInsecure` (`--allow-http-webhooks`, for tests and the demo) lifts both rules.
package struct WebhookAddressPolicy: Hashable, Sendable {
    package let allowsInsecure: Bool

    package init(allowsInsecure: Bool) {
        self.allowsInsecure = allowsInsecure
    }

    /// The longest URL taken.
    package static let longestURL = 2_048

    /// Why `text` is not a URL this policy posts to, checked without the network; `nil` when it is one.
    package func problem(with text: String) -> String? {
        guard text.utf8.count <= Self.longestURL else { return "url may be at most \(Self.longestURL) bytes" }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            return "url must be an absolute URL such as https://platform.example.com/billing/webhooks"
        }
        guard scheme == "https" || (scheme == "http" && self.allowsInsecure) else {
            return scheme == "http"
                ? "url must use https://; plain http:// is taken only by a server started with --allow-http-webhooks"
                : "url must use https://, not \(scheme)://"
        }
        guard components.user == nil, components.password == nil else {
            return "url must not carry a user name or password; authenticate the webhook by its signature"
        }
        guard components.fragment == nil else { return "url must not have a #fragment" }
        if !self.allowsInsecure, let reason = Self.forbiddenLiteral(host) {
            return "url points at \(reason) (\(host)); webhooks go to public addresses only"
        }
        return nil
    }

    /// Why the host of `url` may not be posted to once resolved: one of its addresses is not public. `nil` when
    /// every address is public, when the policy allows any, and when the host does not resolve (then there is
    /// nothing to post to, and the request fails by itself).
    package func problem(resolving url: String) async -> String? {
        guard !self.allowsInsecure else { return nil }
        guard let host = URLComponents(string: url)?.host else { return "url has no host" }
        let name = Self.bare(host)
        for address in await Self.resolve(name) {
            if let reason = Self.reason(forbidding: address) {
                return "the host \(host) resolves to \(reason) (\(Self.text(address))); webhooks go to public "
                    + "addresses only"
            }
        }
        return nil
    }

    /// The reason a host that is an IP literal may not be used, or `nil`.
    static func forbiddenLiteral(_ host: String) -> String? {
        let name = Self.bare(host)
        if name.lowercased() == "localhost" || name.lowercased().hasSuffix(".localhost") { return "loopback" }
        guard let address = Self.parse(name) else { return nil }
        return Self.reason(forbidding: address)
    }

    /// A URL's host without the brackets an IPv6 literal is written in.
    static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// An address as its bytes: 4 for IPv4, 16 for IPv6.
    package static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Why `address` is not public, or `nil` when it is.
    package static func reason(forbidding address: [UInt8]) -> String? {
        if address.count == 4 { return Self.reason(forbiddingIPv4: address) }
        guard address.count == 16 else { return "an unknown kind of address" }
        let a = address
        if a.allSatisfy({ $0 == 0 }) { return "an unspecified address" }
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return "loopback" }
        // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address that decides.
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xFF && a[11] == 0xFF {
            return Self.reason(forbiddingIPv4: Array(a[12..<16]))
        }
        if a[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return Self.reason(forbiddingIPv4: Array(a[12..<16]))
        }
        if a[0] & 0xFE == 0xFC { return "a private (unique local) address" }
        if a[0] == 0xFE && a[1] & 0xC0 == 0x80 { return "a link-local address" }
        if a[0] == 0xFF { return "a multicast address" }
        return nil
    }

    private static func reason(forbiddingIPv4 a: [UInt8]) -> String? {
        switch (a[0], a[1]) {
        case (0, _): return "an unspecified address"
        case (10, _), (172, 16...31), (192, 168): return "a private address"
        case (100, 64...127): return "a carrier-grade NAT address"
        case (127, _): return "loopback"
        case (169, 254): return "a link-local address, where cloud metadata services listen"
        case (192, 0) where a[2] == 0: return "a reserved address"
        case (198, 18...19): return "a benchmarking address"
        case (224...239, _): return "a multicast address"
        case (240...255, _): return "a reserved address"
        default: return nil
        }
    }

    static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        let written = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Every address `host` resolves to, looked up on a thread of its own (the lookup blocks).
    static func resolve(_ host: String) async -> [[UInt8]] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var hints = addrinfo()
                hints.ai_family = AF_UNSPEC
                #if canImport(Glibc)
                    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                #else
                    hints.ai_socktype = SOCK_STREAM
                #endif
                var list: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &list) == 0 else {
                    continuation.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(list) }
                var addresses: [[UInt8]] = []
                var entry = list
                while let info = entry?.pointee {
                    if info.ai_family == AF_INET, let pointer = info.ai_addr {
                        pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                            var address = $0.pointee.sin_addr
                            addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                        }
                    } else if info.ai_family == AF_INET6, let pointer = info.ai_addr {
                        pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                            var address = $0.pointee.sin6_addr
                            addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                        }
                    }
                    entry = info.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}
