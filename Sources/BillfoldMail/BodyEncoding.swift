import Foundation

/// Content-transfer-encodings that keep every line of a body short and 7-bit, with CRLF line ends.
enum BodyEncoding {
    /// The lines of `text`, whichever of CRLF, LF or CR ends them.
    static func lines(of text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\r") || bytes[index] == UInt8(ascii: "\n") {
                lines.append(bytes[start..<index])
                if bytes[index] == UInt8(ascii: "\r") && index + 1 < bytes.count
                    && bytes[index + 1] == UInt8(ascii: "\n")
                {
                    index += 1
                }
                start = index + 1
            }
            index += 1
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }

    /// Quoted-printable (RFC 2045 §6.7): line breaks in `text` become CRLF, encoded lines are at most 76
    /// characters (soft breaks `=` CRLF), and trailing spaces are encoded so no relay can strip them.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for (lineIndex, line) in self.lines(of: text).enumerated() {
            if lineIndex > 0 {
                output += [13, 10]
            }
            var lineLength = 0
            for index in line.indices {
                let byte = line[index]
                let isLast = index == line.index(before: line.endIndex)
                let piece: [UInt8]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    piece = isLast ? [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]] : [byte]
                } else if byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=") {
                    piece = [byte]
                } else {
                    piece = [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                }
                if lineLength + piece.count > (isLast ? 76 : 75) {
                    output += [UInt8(ascii: "="), 13, 10]
                    lineLength = 0
                }
                output += piece
                lineLength += piece.count
            }
        }
        return output
    }

    /// Base64 in lines of 76 characters, CRLF between them (RFC 2045 §6.8).
    static func base64(_ data: [UInt8]) -> [UInt8] {
        let encoded = Array(Data(data).base64EncodedString().utf8)
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count + encoded.count / 38 + 2)
        var start = 0
        while start < encoded.count {
            if start > 0 {
                output += [13, 10]
            }
            let end = min(start + 76, encoded.count)
            output += encoded[start..<end]
            start = end
        }
        return output
    }

    /// SMTP transparency (RFC 5321 §4.5.2): a line that starts with `.` gets another `.` in front. `message` must
    /// already have CRLF line ends only; the result ends in CRLF, ready for the `.` CRLF that ends DATA.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + message.count / 64 + 2)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") {
                output.append(UInt8(ascii: "."))
            }
            output.append(byte)
            atLineStart = byte == 10
        }
        if !output.isEmpty && !(output.count >= 2 && output[output.count - 2] == 13 && output.last == 10) {
            output += [13, 10]
        }
        return output
    }
}
