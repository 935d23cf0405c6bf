import Foundation
import Testing

@testable import BillfoldMail

/// Decodes the `=?UTF-8?B?…?=` words of a header value, dropping the folding white space between them.
private func decodeEncodedWords(_ value: String) -> String? {
    var bytes: [UInt8] = []
    for word in value.split(whereSeparator: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
        else { return nil }
        bytes += data
    }
    return String(validating: bytes, as: UTF8.self)
}

/// Decodes quoted-printable, soft line breaks and all.
private func decodeQuotedPrintable(_ text: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    var index = 0
    while index < text.count {
        if text[index] == UInt8(ascii: "=") {
            if index + 2 < text.count && text[index + 1] == 13 && text[index + 2] == 10 {
                index += 3
                continue
            }
            output.append(UInt8(String(decoding: text[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)!)
            index += 3
        } else {
            output.append(text[index])
            index += 1
        }
    }
    return output
}

@Suite("Rendering a message")
struct MailMessageRenderingTests {
    @Test(
        "non-ASCII subjects become encoded-words of at most 75 characters that decode back",
        arguments: [
            MailFixtures.subject,
            "ಅನನ್ಯ ಅವರಿಗೆ ನಿಮ್ಮ ಇನ್‌ವಾಯ್ಸ್ ಸಿದ್ಧವಾಗಿದೆ — ₹1,18,000.00, ದಯವಿಟ್ಟು ಪಾವತಿಸಿ; ಧನ್ಯವಾದಗಳು! 🙏",
            String(repeating: "चालान देय है ", count: 20),
        ])
    func encodedSubject(subject: String) throws {
        let raw = MailFixtures.message(subject: subject).rendered()
        let header = try #require(MailFixtures.headers(raw).first { $0.hasPrefix("Subject: ") })
        let value = String(header.dropFirst("Subject: ".count))
        let words = value.split(separator: " ")
        #expect(words.allSatisfy { $0.count <= 75 })
        #expect(decodeEncodedWords(value) == subject)
        let subjectLines = MailFixtures.lines(raw).map { String(decoding: $0, as: UTF8.self) }
            .drop { !$0.hasPrefix("Subject: ") }.prefix { $0.hasPrefix("Subject: ") || $0.hasPrefix(" ") }
        #expect(subjectLines.allSatisfy { $0.count <= 76 })
    }

    @Test("an ASCII subject stays readable, folded at spaces to lines of at most 78")
    func asciiSubject() throws {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let raw = MailFixtures.message(subject: subject).rendered()
        let header = try #require(MailFixtures.headers(raw).first { $0.hasPrefix("Subject: ") })
        #expect(header == "Subject: " + subject)
        #expect(MailFixtures.lines(raw).allSatisfy { $0.count <= 78 })
    }

    @Test(
        "CR and LF in a subject, display name or file name never start a header of their own",
        arguments: ["Hi\r\nBcc: x@y", "Hi\nBcc: x@y", "Hi\rBcc: x@y", "Hi\u{2028}Bcc: x@y", "Hi\r\n\r\nBcc: x@y"])
    func headerInjection(injected: String) {
        var message = MailFixtures.message(
            subject: injected,
            attachments: [MailAttachment(filename: injected + ".pdf", contentType: "application/pdf", data: [1, 2, 3])])
        message.from = MailAddress("billing@billfold.example", displayName: injected)!
        let raw = message.rendered()
        for line in MailFixtures.lines(raw) {
            #expect(!String(decoding: line, as: UTF8.self).lowercased().hasPrefix("bcc"))
        }
        #expect(!MailFixtures.hasBareLineBreak(raw))
    }

    @Test("text and HTML are quoted-printable with lines of at most 76 that decode to the input with CRLF")
    func quotedPrintable() {
        let long = String(repeating: "<td>₹1,18,000.00</td>", count: 100)
        let text = "Line one  \nline=two\ttab\r\n.dot\n\(long)\nend "
        let encoded = BodyEncoding.quotedPrintable(text)
        #expect(MailFixtures.lines(encoded).allSatisfy { $0.count <= 76 })
        #expect(!MailFixtures.hasBareLineBreak(encoded))
        #expect(encoded.allSatisfy { $0 < 0x80 })
        let expected = "Line one  \r\nline=two\ttab\r\n.dot\r\n\(long)\r\nend "
        #expect(decodeQuotedPrintable(encoded) == Array(expected.utf8))
        // Trailing white space is encoded so no relay can strip it.
        #expect(MailFixtures.lines(encoded).allSatisfy { $0.last != 32 && $0.last != 9 })
    }

    @Test("base64 comes in lines of 76 and decodes to the input")
    func base64() {
        let data = (0..<1000).map { UInt8($0 % 256) }
        let encoded = BodyEncoding.base64(data)
        let lines = MailFixtures.lines(encoded)
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(lines.last!.count <= 76)
        let joined = lines.map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(Data(base64Encoded: joined).map(Array.init) == data)
    }

    @Test(
        "dot-stuffing doubles a leading dot and ends the data with CRLF",
        arguments: [
            (".\r\n", "..\r\n"), ("a\r\n.b\r\n", "a\r\n..b\r\n"), ("a.b", "a.b\r\n"), ("..\r\n.", "...\r\n..\r\n"),
            ("", ""),
        ])
    func dotStuffing(input: String, output: String) {
        #expect(BodyEncoding.dotStuffed(Array(input.utf8)) == Array(output.utf8))
    }

    @Test("the headers every message carries, and a Date in RFC 5322 form")
    func headers() {
        let message = MailFixtures.message()
        let headers = MailFixtures.headers(message.rendered())
        #expect(headers.contains("Date: Fri, 20 Nov 2026 04:45:00 +0000"))
        #expect(headers.contains("From: \"Billfold Billing\" <billing@billfold.example>"))
        #expect(headers.contains("Message-ID: <\(message.messageID)>"))
        #expect(headers.contains("MIME-Version: 1.0"))
        #expect(headers.contains { $0.hasPrefix("To: =?UTF-8?B?") && $0.hasSuffix(" <ananya@example.in>") })
    }

    @Test("the layout: text alone, text with HTML, and attachments around both")
    func layout() {
        let pdf = MailAttachment(filename: "INV-1.pdf", contentType: "application/pdf", data: MailFixtures.pdf)
        func contentType(_ message: MailMessage) -> String? {
            MailFixtures.headers(message.rendered()).first { $0.hasPrefix("Content-Type:") }
        }
        #expect(contentType(MailFixtures.message(html: nil)) == "Content-Type: text/plain; charset=utf-8")
        #expect(contentType(MailFixtures.message())?.hasPrefix("Content-Type: multipart/alternative;") == true)
        #expect(
            contentType(MailFixtures.message(attachments: [pdf]))?.hasPrefix("Content-Type: multipart/mixed;") == true)
    }

    @Test("boundaries are random and never occur in what they separate")
    func boundaries() throws {
        let pdf = MailAttachment(filename: "INV-1.pdf", contentType: "application/pdf", data: MailFixtures.pdf)
        let message = MailFixtures.message(attachments: [pdf])
        let first = message.rendered()
        let second = message.rendered()
        #expect(first != second)
        let text = String(decoding: first, as: UTF8.self)
        let boundaries = text.components(separatedBy: "boundary=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        try #require(boundaries.count == 2)
        #expect(boundaries[0] != boundaries[1])
        for boundary in boundaries {
            // Two delimiters and the closing one for the outer part; text and HTML for the inner one.
            #expect(text.components(separatedBy: "--" + boundary).count - 1 == 3)
        }
    }

    @Test(
        "content types are kept when they are type/subtype",
        arguments: [
            ("application/pdf", "application/pdf"), ("Text/CSV", "text/csv"), ("pdf", "application/octet-stream"),
            ("application/pdf\r\nBcc: x", "application/octet-stream"), ("a/b/c", "application/octet-stream"),
        ])
    func mediaType(input: String, output: String) {
        #expect(MailMessage.mediaType(input) == output)
    }

    @Test("a non-ASCII file name goes as RFC 2231 parameters, in short lines")
    func attachmentFilename() {
        let name = String(repeating: MailFixtures.kannadaName, count: 8) + ".pdf"
        let message = MailFixtures.message(
            attachments: [MailAttachment(filename: name, contentType: "application/pdf", data: [1])])
        let raw = message.rendered()
        let text = String(decoding: raw, as: UTF8.self)
        #expect(text.contains("filename*0*=UTF-8''%E0%B2"))
        #expect(MailFixtures.lines(raw).allSatisfy { $0.count <= 78 })
        // Each piece is whole characters, and the pieces together are the name.
        let pieces = MailFixtures.lines(raw).map { String(decoding: $0, as: UTF8.self) }
            .filter { $0.hasPrefix(" filename*") }
            .map { $0.split(separator: "=", maxSplits: 1)[1].replacingOccurrences(of: "UTF-8''", with: "") }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
        #expect(pieces.count > 2)
        let decoded = pieces.map { $0.removingPercentEncoding }
        #expect(decoded.allSatisfy { $0 != nil })
        #expect(decoded.compactMap { $0 }.joined() == name)
    }

    @Test(
        "addresses: one @, no spaces, brackets or line breaks",
        arguments: [
            ("a@b.in", true), ("asha.rao+billing@example.co.in", true), ("a@b", true), ("ab.in", false),
            ("a@@b.in", false), ("a@b@c.in", false), ("@b.in", false), ("a@", false), ("a b@c.in", false),
            ("a@b.in\r\n", false), ("<a@b.in>", false), ("a@b.in,c@d.in", false), ("", false), ("अ@b.in", false),
        ])
    func address(address: String, isValid: Bool) {
        #expect((MailAddress(address) != nil) == isValid)
    }

    @Test("display names lose their line breaks; an empty one is none")
    func displayName() {
        #expect(MailAddress("a@b.in", displayName: "Asha\r\nRao")?.displayName == "Asha Rao")
        #expect(MailAddress("a@b.in", displayName: "  ")?.displayName == nil)
        #expect(MailAddress("a@b.in", displayName: "ಅನನ್ಯ")?.description == "ಅನನ್ಯ <a@b.in>")
        #expect(MailAddress("a@b.in")?.description == "a@b.in")
    }

    @Test("a new Message-ID is unique and ends with the domain")
    func messageID() {
        let first = MailMessage.newMessageID(domain: "billfold.example")
        let second = MailMessage.newMessageID(domain: "billfold.example")
        #expect(first != second)
        #expect(first.hasSuffix("@billfold.example"))
        #expect(!first.contains("<") && !first.contains(" "))
    }
}
