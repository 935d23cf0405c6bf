/// Why a message was not delivered, and whether trying again later can help.
package struct MailDeliveryError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        /// Try again later: a 4xx reply, a refused or lost connection, a timeout.
        case transient
        /// Don't try again as it is: a 5xx reply, a configuration the server won't accept, a bad message.
        case permanent
    }

    package let kind: Kind
    /// What went wrong, with the server's reply text when there was one.
    package let message: String
    /// The server's three-digit reply code, when a reply caused the failure.
    package let replyCode: Int?

    package init(kind: Kind, message: String, replyCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.replyCode = replyCode
    }

    package var description: String {
        "\(self.kind.rawValue) mail delivery failure: \(self.message)"
    }
}

/// Where Billfold's mail goes: an SMTP server, or a folder of files.
package protocol MailTransport: Sendable {
    /// Where mail goes, for the start-up log: "smtp://mail.example.com:587 (STARTTLS)", "./billfold-mail/ (files)".
    var destination: String { get }
    /// Delivers one message; throws MailDeliveryError (transient: retry later; permanent: don't).
    func send(_ message: MailMessage) async throws
}
