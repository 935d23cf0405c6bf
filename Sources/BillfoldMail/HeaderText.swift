import Foundation

/// Header values for RFC 5322: one line each, non-ASCII as RFC 2047 encoded-words, folded to stay short.
enum HeaderText {
    /// The longest line an encoded-word may stand on (RFC 2047 §2).
    static let encodedWordLineLength = 76
    /// Where plain ASCII text is folded (RFC 5322 §2.1.1 "SHOULD").
    static let foldLength = 78

    /// `text` on one line: CR, LF and other control characters become spaces, so a value from a user can never
    /// start a header of its own.
    static func singleLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            let isControl = scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
            let isLineSeparator = scalar.value == 0x2028 || scalar.value == 0x2029
            scalars.append(isControl || isLineSeparator ? " " : scalar)
        }
        return String(scalars)
    }

    /// An unstructured value (Subject): ASCII as it is, folded at spaces; anything else as encoded-words.
    /// `nameLength` is the length of the header's name, which shares the first line.
    static func unstructured(_ text: String, nameLength: Int) -> String {
        let line = self.singleLine(text)
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        let isPlain =
            line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !line.contains("=?")
            && words.allSatisfy { $0.count < 900 }
        guard isPlain else { return self.encodedWords(line, nameLength: nameLength) }
        var result = ""
        var lineLength = nameLength + 2
        for (index, word) in words.enumerated() {
            if index == 0 {
                result += word
                lineLength += word.count
            } else if !word.isEmpty && lineLength + 1 + word.count > self.foldLength && lineLength > 1 {
                result += "\r\n " + word
                lineLength = 1 + word.count
            } else {
                result += " " + word
                lineLength += 1 + word.count
            }
        }
        return result
    }

    /// A display name (a phrase): a quoted string when it is ASCII, else encoded-words.
    static func phrase(_ text: String, nameLength: Int) -> String {
        let line = self.singleLine(text)
        let isPlain =
            line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !line.contains("=?")
            && line.count < 900
        guard isPlain else { return self.encodedWords(line, nameLength: nameLength) }
        let escaped = line.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    /// `text` as `=?UTF-8?B?…?=` words, each whole characters and each on a line of at most 76 characters,
    /// separated by folding white space (which a reader drops between encoded-words).
    static func encodedWords(_ text: String, nameLength: Int) -> String {
        let overhead = "=?UTF-8?B??=".count
        var words: [String] = []
        var chunk: [UInt8] = []
        var budget = self.byteBudget(lineRoom: self.encodedWordLineLength - (nameLength + 2) - overhead)
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > budget {
                words.append(self.encodedWord(chunk))
                chunk = []
                budget = self.byteBudget(lineRoom: self.encodedWordLineLength - 1 - overhead)
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append(self.encodedWord(chunk))
        }
        return words.joined(separator: "\r\n ")
    }

    /// How many bytes fit in `lineRoom` base64 characters (at least one whole 4-byte UTF-8 character).
    private static func byteBudget(lineRoom: Int) -> Int {
        max(lineRoom / 4 * 3, 6)
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    /// A MIME parameter (`name`, `filename`): `key="value"` for ASCII, else RFC 2231 `key*0*=UTF-8''…` pieces,
    /// one per line. Quotes and backslashes become `_`.
    static func parameter(_ key: String, _ value: String) -> String {
        let line = self.singleLine(value).replacingOccurrences(of: "\"", with: "_")
            .replacingOccurrences(of: "\\", with: "_")
        if line.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && line.count < 900 {
            return "\(key)=\"\(line)\""
        }
        let attributeCharacters = Set(
            Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8))
        var pieces: [String] = []
        var piece = "UTF-8''"
        // Pieces break between characters, never inside one, for readers that decode each piece alone.
        for scalar in line.unicodeScalars {
            let encoded = String(scalar).utf8.map { byte in
                attributeCharacters.contains(byte) ? String(UnicodeScalar(byte)) : self.percent(byte)
            }.joined()
            if piece.count + encoded.count > 60 {
                pieces.append(piece)
                piece = ""
            }
            piece += encoded
        }
        pieces.append(piece)
        if pieces.count == 1 {
            return "\(key)*=\(pieces[0])"
        }
        return pieces.enumerated().map { "\(key)*\($0.offset)*=\($0.element)" }.joined(separator: ";\r\n ")
    }

    private static func percent(_ byte: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0F)])"
    }

    /// `Thu, 20 Nov 2026 04:45:00 +0000`: RFC 5322 §3.3, in UTC.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) "
            + "\(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
