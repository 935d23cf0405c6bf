/// JSON written by hand as UTF-8 bytes, where `JSONEncoder`'s generic path costs more than the work it does.
package enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string literal, quotes included, escaped as `JSONEncoder` escapes it with
    /// `.withoutEscapingSlashes`: quotes, backslashes and control characters; everything else as it is.
    package static func appendQuoted(_ value: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        // Most text (ids, numbers, dates, descriptions) needs no escape and is copied whole.
        let plain = !value.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        if plain {
            json.append(contentsOf: value.utf8)
        } else {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): json.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): json.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): json.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): json.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): json.append(contentsOf: "\\t".utf8)
                case 0x08: json.append(contentsOf: "\\b".utf8)
                case 0x0C: json.append(contentsOf: "\\f".utf8)
                case ..<0x20:
                    json.append(contentsOf: "\\u00".utf8)
                    json.append(Self.hexDigits[Int(byte >> 4)])
                    json.append(Self.hexDigits[Int(byte & 0x0F)])
                // Every byte of a multi-byte character is 0x80 or above: copied as it is.
                default: json.append(byte)
                }
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
