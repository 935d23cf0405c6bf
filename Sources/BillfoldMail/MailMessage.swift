import Foundation

/// A file sent with a message, such as an invoice PDF.
package struct MailAttachment: Hashable, Sendable {
    package let filename: String
    /// `application/pdf`, …; anything that is not `type/subtype` is sent as `application/octet-stream`.
    package let contentType: String
    package let data: [UInt8]

    package init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// One email: who it is from and to, what it says, and what comes with it.
package struct MailMessage: Hashable, Sendable {
    package var from: MailAddress
    package var to: [MailAddress]
    package var subject: String
    package var text: String
    package var html: String?
    package var attachments: [MailAttachment]
    /// Without angle brackets: `<unique>@<domain>`.
    package var messageID: String
    package var date: Date

    package init(
        from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil,
        attachments: [MailAttachment] = [], messageID: String, date: Date
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.messageID = messageID
        self.date = date
    }

    /// A new Message-ID: a random local part @ `domain` (the from address's domain, usually).
    package static func newMessageID(domain: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        let seconds = Int64(Date().timeIntervalSince1970)
        let cleanDomain = String(
            domain.unicodeScalars.filter { $0.isASCII && $0.value > 0x20 && !"<>@".unicodeScalars.contains($0) })
        return "\(seconds).\(random)@\(cleanDomain.isEmpty ? "localhost" : cleanDomain)"
    }
}
