import Foundation

/// A URL that does not describe an SMTP server, and what is wrong with it.
package struct SMTPConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    package let message: String

    package var description: String {
        "invalid SMTP URL: \(self.message)"
    }
}

/// Where and how to reach the SMTP server that sends Billfold's mail.
package struct SMTPConfiguration: Sendable, Hashable {
    package enum Security: String, Sendable, Hashable {
        /// `smtp://`: connect in the clear, then upgrade with STARTTLS (port 587).
        case startTLS
        /// `smtps://`: TLS from the first byte (port 465, RFC 8314).
        case implicitTLS
    }

    package var host: String
    package var port: Int
    package var security: Security
    package var username: String?
    package var password: String?
    /// The name this machine gives in EHLO.
    package var heloName: String
    /// How long each step (connecting, every command's reply) may take.
    package var timeout: Duration
    /// A PEM file of certificates to trust besides the system's, such as a private CA.
    package var trustRootsFile: String?

    /// Parses `smtp://user:password@host:587` (STARTTLS; default port 587) or `smtps://…` (implicit TLS; default
    /// 465). User and password are percent-decoded. Throws a clear error naming what is wrong.
    package init(url: String, trustRootsFile: String? = nil) throws {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw SMTPConfigurationError(
                message: "expected smtp://host:port or smtps://host:port, got \"\(Self.redacted(trimmed))\"")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "smtp": self.security = .startTLS
        case "smtps": self.security = .implicitTLS
        default:
            throw SMTPConfigurationError(
                message: "the scheme must be smtp (STARTTLS) or smtps (TLS), not \"\(scheme)\"")
        }
        var authority = Substring(trimmed[schemeEnd.upperBound...])
        if let slash = authority.firstIndex(of: "/") {
            guard authority[slash...].allSatisfy({ $0 == "/" }) else {
                throw SMTPConfigurationError(
                    message: "an SMTP URL has no path (a \"/\" in the password must be written %2F)")
            }
            authority = authority[..<slash]
        }
        if authority.contains("?") || authority.contains("#") {
            throw SMTPConfigurationError(
                message: "an SMTP URL has no query or fragment (write \"?\" and \"#\" in a password as %3F and %23)")
        }
        var hostPort = authority
        self.username = nil
        self.password = nil
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let user: Substring
            if let colon = userInfo.firstIndex(of: ":") {
                user = userInfo[..<colon]
                self.password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], what: "password")
            } else {
                user = userInfo
            }
            guard !user.isEmpty else {
                throw SMTPConfigurationError(message: "the user name before \"@\" is empty")
            }
            self.username = try Self.percentDecoded(user, what: "user name")
        }
        let (host, port) = try Self.hostAndPort(hostPort)
        self.host = host
        self.port = port ?? (self.security == .startTLS ? 587 : 465)
        self.heloName = Self.defaultHeloName
        self.timeout = .seconds(30)
        self.trustRootsFile = trustRootsFile
    }

    /// How the URL reads in a log: without the password.
    package var redactedURL: String {
        let scheme = self.security == .startTLS ? "smtp" : "smtps"
        let user = self.username.map { "\($0)@" } ?? ""
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(scheme)://\(user)\(host):\(self.port)"
    }

    private static func hostAndPort(_ text: Substring) throws -> (String, Int?) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw SMTPConfigurationError(message: "an IPv6 address must be closed with \"]\"")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else {
                    throw SMTPConfigurationError(message: "expected \":port\" after the IPv6 address")
                }
                portText = rest.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw SMTPConfigurationError(message: "\"\(host)\" is not an IPv6 address")
            }
        } else {
            if let colon = text.lastIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
            }
            guard !host.isEmpty else {
                throw SMTPConfigurationError(message: "the host name is missing")
            }
            let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_")
            guard host.allSatisfy(allowed.contains), !host.hasPrefix("."), !host.hasPrefix("-") else {
                throw SMTPConfigurationError(
                    message:
                        "\"\(host)\" is not a host name (a \"@\" or \":\" in a password must be written %40 or %3A)")
            }
        }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), portText.allSatisfy(\.isASCII), (1...65535).contains(port) else {
            throw SMTPConfigurationError(message: "the port \"\(portText)\" is not a number from 1 to 65535")
        }
        return (String(host), port)
    }

    private static func percentDecoded(_ text: Substring, what: String) throws -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex, utf8.index(after: first) < utf8.endIndex,
                    let high = Self.hexValue(utf8[first]), let low = Self.hexValue(utf8[utf8.index(after: first)])
                else {
                    throw SMTPConfigurationError(message: "the \(what) has a \"%\" not followed by two hex digits")
                }
                bytes.append(high << 4 | low)
                index = utf8.index(index, offsetBy: 3)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw SMTPConfigurationError(message: "the \(what) is not UTF-8 once percent-decoded")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The URL with any password replaced, for error messages.
    private static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://"), schemeEnd.upperBound < at else {
            return url
        }
        return String(url[..<schemeEnd.upperBound]) + "…" + url[at...]
    }

    /// This machine's name when it looks like a domain name, else `localhost`.
    private static var defaultHeloName: String {
        let name = ProcessInfo.processInfo.hostName
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
        guard name.contains("."), name.allSatisfy(allowed.contains), !name.hasPrefix("."), !name.hasSuffix(".") else {
            return "localhost"
        }
        return name
    }
}
