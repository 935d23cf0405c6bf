import Foundation

extension MailMessage {
    /// The message as sent: RFC 5322 headers and MIME body, CRLF line endings only, not yet dot-stuffed.
    ///
    /// Text and HTML go as quoted-printable UTF-8, attachments as base64 in 76-column lines, so no line is longer
    /// than 76 characters but for folded headers. With HTML the text and HTML are a `multipart/alternative`; with
    /// attachments everything is in a `multipart/mixed`.
    package func rendered() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return self.rendered(using: &generator)
    }

    func rendered(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var output: [UInt8] = []
        func header(_ name: String, _ value: String) {
            output += Array("\(name): \(value)\r\n".utf8)
        }
        header("Date", HeaderText.date(self.date))
        header("From", Self.mailbox(self.from, nameLength: 4))
        if !self.to.isEmpty {
            header("To", self.to.map { Self.mailbox($0, nameLength: 2) }.joined(separator: ",\r\n "))
        }
        header("Subject", HeaderText.unstructured(self.subject, nameLength: 7))
        let messageID = HeaderText.singleLine(self.messageID).filter { $0 != "<" && $0 != ">" && $0 != " " }
        header("Message-ID", "<\(messageID)>")
        header("MIME-Version", "1.0")

        var body = Self.textPart(self.text, subtype: "plain")
        if let html = self.html {
            body = .multipart("alternative", [body, Self.textPart(html, subtype: "html")])
        }
        if !self.attachments.isEmpty {
            body = .multipart("mixed", [body] + self.attachments.map(Self.attachmentPart))
        }
        body.render(into: &output, using: &generator)
        if output.suffix(2) != [13, 10] {
            output += [13, 10]
        }
        return output
    }

    /// `name <address>`; the address goes on a line of its own when it would make the name's last line long.
    private static func mailbox(_ address: MailAddress, nameLength: Int) -> String {
        guard let name = address.displayName else { return "<\(address.address)>" }
        let phrase = HeaderText.phrase(name, nameLength: nameLength)
        let lastLine = phrase.components(separatedBy: "\r\n").last ?? phrase
        let firstLineExtra = phrase.contains("\r\n") ? 0 : nameLength + 2
        let separator =
            firstLineExtra + lastLine.count + 3 + address.address.count > HeaderText.foldLength ? "\r\n " : " "
        return "\(phrase)\(separator)<\(address.address)>"
    }

    private static func textPart(_ text: String, subtype: String) -> MIMEPart {
        .leaf(
            headers: [
                "Content-Type: text/\(subtype); charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
            ],
            body: BodyEncoding.quotedPrintable(text))
    }

    private static func attachmentPart(_ attachment: MailAttachment) -> MIMEPart {
        .leaf(
            headers: [
                "Content-Type: \(self.mediaType(attachment.contentType));\r\n "
                    + HeaderText.parameter("name", attachment.filename),
                "Content-Disposition: attachment;\r\n " + HeaderText.parameter("filename", attachment.filename),
                "Content-Transfer-Encoding: base64",
            ],
            body: BodyEncoding.base64(attachment.data))
    }

    /// `type/subtype` in lower case, or `application/octet-stream` when `contentType` is not one.
    static func mediaType(_ contentType: String) -> String {
        let tokenCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789!#$&-^_.+")
        let parts = contentType.lowercased().trimmingCharacters(in: .whitespaces).split(
            separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(tokenCharacters.contains) }) else {
            return "application/octet-stream"
        }
        return parts.joined(separator: "/")
    }
}

/// One MIME entity: a leaf with its encoded body, or a multipart of others.
private indirect enum MIMEPart {
    case leaf(headers: [String], body: [UInt8])
    case multipart(String, [MIMEPart])

    func render(into output: inout [UInt8], using generator: inout some RandomNumberGenerator) {
        switch self {
        case .leaf(let headers, let body):
            for header in headers {
                output += Array("\(header)\r\n".utf8)
            }
            output += [13, 10]
            output += body
        case .multipart(let subtype, let parts):
            // Rendered first so the boundary can be checked against what it separates.
            let rendered = parts.map { part in
                var bytes: [UInt8] = []
                part.render(into: &bytes, using: &generator)
                return bytes
            }
            var boundary = Self.boundary(using: &generator)
            while rendered.contains(where: { Self.contains($0, Array(boundary.utf8)) }) {
                boundary = Self.boundary(using: &generator)
            }
            output += Array("Content-Type: multipart/\(subtype);\r\n boundary=\"\(boundary)\"\r\n\r\n".utf8)
            for part in rendered {
                output += Array("--\(boundary)\r\n".utf8)
                output += part
                output += [13, 10]
            }
            output += Array("--\(boundary)--\r\n".utf8)
        }
    }

    /// `=_` cannot occur in quoted-printable or base64, so such a boundary never occurs in an encoded body.
    private static func boundary(using generator: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return "=_billfold_" + String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
