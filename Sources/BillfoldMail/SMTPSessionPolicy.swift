/// The security decisions of an SMTP session, apart from any I/O so each can be tested as a table.
enum SMTPSessionPolicy {
    /// What to do after the first EHLO of an `smtp://` session.
    enum Upgrade: Hashable, Sendable {
        case startTLS
        /// Only to a loopback host, whose traffic never leaves the machine.
        case continueInCleartext
        case refuse(MailDeliveryError)
    }

    /// How to authenticate once the channel is as secure as it will get.
    enum Authentication: Hashable, Sendable {
        case none
        case plain
        case login
        case refuse(MailDeliveryError)
    }

    /// `localhost`, 127.0.0.0/8 and ::1: addresses whose traffic stays on this machine.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "localhost." || host == "::1" || host == "[::1]" {
            return true
        }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { octet in octet.count <= 3 && UInt8(octet) != nil }
    }

    static func upgrade(host: String, capabilities: SMTPCapabilities) -> Upgrade {
        if capabilities.offersStartTLS {
            return .startTLS
        }
        if self.isLoopback(host) {
            return .continueInCleartext
        }
        return .refuse(
            MailDeliveryError(
                kind: .permanent,
                message: "\(host) does not offer STARTTLS, and Billfold sends mail in the clear only to a loopback "
                    + "host; use smtps:// if the server speaks TLS from the start, or enable STARTTLS on it"))
    }

    static func authentication(
        host: String, username: String?, channelIsEncrypted: Bool, capabilities: SMTPCapabilities
    ) -> Authentication {
        guard username != nil else { return .none }
        guard channelIsEncrypted || self.isLoopback(host) else {
            return .refuse(
                MailDeliveryError(
                    kind: .permanent,
                    message: "refusing to send the SMTP password to \(host) over an unencrypted connection"))
        }
        if capabilities.authMechanisms.contains("PLAIN") {
            return .plain
        }
        if capabilities.authMechanisms.contains("LOGIN") {
            return .login
        }
        let offered = capabilities.authMechanisms.sorted().joined(separator: " ")
        return .refuse(
            MailDeliveryError(
                kind: .permanent,
                message: capabilities.keywords.contains("AUTH")
                    ? "\(host) offers AUTH \(offered) but Billfold speaks only PLAIN and LOGIN"
                    : "a user name is configured but \(host) does not offer AUTH"
                        + (channelIsEncrypted ? "" : " (some servers offer it only after STARTTLS)")))
    }
}
