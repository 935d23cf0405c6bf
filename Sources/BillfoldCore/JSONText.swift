/// JSON written by hand as UTF-8 bytes, where `JSONEncoder`'s generic path costs more than the work it does.
package enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string literal, quotes included, escaped as `JSONEncoder` escapes it with
    /// `.withoutEscapingSlashes`: quotes, backslashes and control characters; everything else as it is.
    package static func appendQuoted(_ value: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        // Most text (ids, numbers, dates, descriptions) needs no escape and is copied whole from the string's own
        // bytes; the rest is escaped byte by byte.
        let copiedWhole =
            value.utf8.withContiguousStorageIfAvailable { bytes in
                guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
                else { return false }
                json.append(contentsOf: bytes)
                return true
            } ?? false
        if !copiedWhole {
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

    /// Appends `value` in decimal, as `JSONEncoder` writes an integer, without making a `String` of it first.
    package static func appendInteger(_ value: Int64, to json: inout [UInt8]) {
        if value < 0 { json.append(UInt8(ascii: "-")) }
        // The magnitude is unsigned, so Int64.min has one too; its 19 digits fit the 24 bytes, written from the end.
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            json.append(contentsOf: buffer[start...])
        }
    }
}
