import Foundation

@testable import BillfoldMail

/// Messages and bytes the mail tests send.
enum MailFixtures {
    static let subject = "Invoice INV/2026-27/000123 — ₹1,18,000.00 due"
    static let devanagariName = "अनन्या शर्मा"
    static let kannadaName = "ಅನನ್ಯ"
    /// 20 Nov 2026 04:45:00 UTC.
    static let date = Date(timeIntervalSince1970: 1_795_149_900)

    static func message(
        to recipients: [String] = ["ananya@example.in"], subject: String = subject,
        text: String = "Dear Ananya,\nYour invoice INV/2026-27/000123 for ₹1,18,000.00 is due on 30 Nov 2026.\n",
        html: String? = "<p>Dear Ananya,</p><p>Your invoice <b>INV/2026-27/000123</b> for ₹1,18,000.00 is due.</p>",
        attachments: [MailAttachment] = []
    ) -> MailMessage {
        MailMessage(
            from: MailAddress("billing@billfold.example", displayName: "Billfold Billing")!,
            to: recipients.map { MailAddress($0, displayName: devanagariName)! },
            subject: subject, text: text, html: html, attachments: attachments,
            messageID: MailMessage.newMessageID(domain: "billfold.example"), date: date)
    }

    /// A small but valid one-page PDF with a binary comment and a content stream, its xref offsets computed.
    static let pdf: [UInt8] = {
        var content = ""
        for step in 0..<120 {
            content += "\(step) \(step) m \(step + 50) \(step + 10) l S\n"
        }
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream",
        ]
        var bytes = Array("%PDF-1.4\n".utf8) + [0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(bytes.count)
            bytes += Array("\(index + 1) 0 obj\n\(object)\nendobj\n".utf8)
        }
        let xref = bytes.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return bytes + Array(table.utf8)
    }()

    /// The lines of `raw`, split at CRLF.
    static func lines(_ raw: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + 1 < raw.count {
            if raw[index] == 13 && raw[index + 1] == 10 {
                lines.append(raw[start..<index])
                start = index + 2
                index += 2
            } else {
                index += 1
            }
        }
        if start < raw.count {
            lines.append(raw[start...])
        }
        return lines
    }

    /// Whether `raw` has a CR not followed by LF, or an LF not preceded by CR.
    static func hasBareLineBreak(_ raw: [UInt8]) -> Bool {
        for index in raw.indices {
            if raw[index] == 13 && (index + 1 == raw.count || raw[index + 1] != 10) { return true }
            if raw[index] == 10 && (index == 0 || raw[index - 1] != 13) { return true }
        }
        return false
    }

    /// The header section of `raw`, unfolded: one string per header.
    static func headers(_ raw: [UInt8]) -> [String] {
        var headers: [String] = []
        for line in self.lines(raw) {
            if line.isEmpty { break }
            let text = String(decoding: line, as: UTF8.self)
            if text.first == " " || text.first == "\t", !headers.isEmpty {
                headers[headers.count - 1] += text
            } else {
                headers.append(text)
            }
        }
        return headers
    }
}
