/// One SMTP reply: a three-digit code and its lines of text (more than one for `250-…` continuations).
struct SMTPReply: Hashable, Sendable, CustomStringConvertible {
    let code: Int
    let lines: [String]

    var isPositive: Bool { (200..<400).contains(self.code) }

    /// The reply as the server wrote it, lines joined by " / ".
    var description: String {
        "\(self.code) \(self.lines.joined(separator: " / "))"
    }
}

/// A reply the server wrote in a way SMTP does not allow.
struct SMTPProtocolError: Error, Hashable, Sendable {
    let message: String
}

/// Splits the bytes a server sends into replies (RFC 5321 §4.2): `250-…` lines continue, `250 …` ends a reply.
struct SMTPReplyParser: Sendable {
    /// A line longer than this is not an SMTP reply (RFC 5321 allows 512 octets).
    static let maximumLineLength = 4096
    /// More lines than this in one reply is a broken or hostile server.
    static let maximumLines = 200

    private var buffer: [UInt8] = []
    private var pendingLines: [String] = []
    private var pendingCode: Int?

    /// Whether bytes have arrived that are not yet a whole reply.
    var hasPartialInput: Bool { !self.buffer.isEmpty || self.pendingCode != nil }

    /// Takes `bytes` and returns the replies they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(SMTPProtocolError) -> [SMTPReply] {
        self.buffer.append(contentsOf: bytes)
        var replies: [SMTPReply] = []
        while let newline = self.buffer.firstIndex(of: 10) {
            var line = self.buffer[..<newline]
            if line.last == 13 {
                line = line.dropLast()
            }
            self.buffer.removeSubrange(...newline)
            if let reply = try self.take(line) {
                replies.append(reply)
            }
        }
        guard self.buffer.count <= Self.maximumLineLength else {
            throw SMTPProtocolError(message: "the server sent a line longer than \(Self.maximumLineLength) bytes")
        }
        return replies
    }

    private mutating func take(_ line: ArraySlice<UInt8>) throws(SMTPProtocolError) -> SMTPReply? {
        let bytes = Array(line)
        let text = String(decoding: bytes, as: UTF8.self)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (48...57).contains($0) }), (50...53).contains(bytes[0]),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else {
            throw SMTPProtocolError(
                message: "the server sent a line that is not an SMTP reply: \"\(text.prefix(200))\"")
        }
        let code = Int(String(decoding: bytes[0...2], as: UTF8.self))!
        if let pendingCode = self.pendingCode, pendingCode != code {
            throw SMTPProtocolError(
                message: "the server changed its reply code within one reply: \"\(text.prefix(200))\"")
        }
        self.pendingLines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard self.pendingLines.count <= Self.maximumLines else {
            throw SMTPProtocolError(message: "the server sent a reply of more than \(Self.maximumLines) lines")
        }
        if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") {
            self.pendingCode = code
            return nil
        }
        let reply = SMTPReply(code: code, lines: self.pendingLines)
        self.pendingLines = []
        self.pendingCode = nil
        return reply
    }
}

/// What a server said it can do in its reply to EHLO (RFC 5321 §4.1.1.1).
struct SMTPCapabilities: Hashable, Sendable {
    /// The extension keywords, upper-cased: `STARTTLS`, `AUTH`, `SIZE`, `8BITMIME`, `PIPELINING`, …
    let keywords: Set<String>
    /// The SASL mechanisms after `AUTH`, upper-cased: `PLAIN`, `LOGIN`, …
    let authMechanisms: Set<String>

    init(keywords: Set<String> = [], authMechanisms: Set<String> = []) {
        self.keywords = keywords
        self.authMechanisms = authMechanisms
    }

    /// The capabilities in a `250` reply to EHLO; its first line greets and names the server.
    init(ehloReply reply: SMTPReply) {
        var keywords: Set<String> = []
        var mechanisms: Set<String> = []
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" })
            guard let keyword = words.first else { continue }
            keywords.insert(String(keyword))
            if keyword == "AUTH" {
                mechanisms.formUnion(words.dropFirst().map(String.init))
            }
        }
        self.keywords = keywords
        self.authMechanisms = mechanisms
    }

    var offersStartTLS: Bool { self.keywords.contains("STARTTLS") }
}
