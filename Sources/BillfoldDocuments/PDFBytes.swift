// Appending PDF syntax to a byte buffer without going through String formatting.

/// A growing buffer of PDF syntax: numbers, names, strings and raw text.
struct PDFBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        self.bytes.reserveCapacity(capacity)
    }

    var count: Int { self.bytes.count }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { self.bytes.append(contentsOf: $0) }
    }

    mutating func append(_ text: String) {
        self.bytes.append(contentsOf: text.utf8)
    }

    mutating func append(byte: UInt8) {
        self.bytes.append(byte)
    }

    mutating func append(bytes: [UInt8]) {
        self.bytes.append(contentsOf: bytes)
    }

    /// A whole number in decimal.
    mutating func append(integer: Int) {
        if integer < 0 {
            self.bytes.append(UInt8(ascii: "-"))
        }
        var magnitude = integer.magnitude
        var divisor: UInt = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            self.bytes.append(UInt8(48 + magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        }
    }

    /// A real number with at most two decimals, trailing zeros dropped: `595.28`, `12.5`, `0`.
    mutating func append(number: Double) {
        let hundredths = Int((number * 100).rounded())
        if hundredths < 0 {
            self.bytes.append(UInt8(ascii: "-"))
        }
        let magnitude = hundredths.magnitude
        self.append(integer: Int(magnitude / 100))
        let fraction = Int(magnitude % 100)
        if fraction != 0 {
            self.bytes.append(UInt8(ascii: "."))
            self.bytes.append(UInt8(48 + fraction / 10))
            if fraction % 10 != 0 {
                self.bytes.append(UInt8(48 + fraction % 10))
            }
        }
    }

    /// A literal string `( … )` of raw bytes, with the delimiters and backslash escaped.
    mutating func append(literal: [UInt8]) {
        self.bytes.append(UInt8(ascii: "("))
        for byte in literal {
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
                self.bytes.append(UInt8(ascii: "\\"))
                self.bytes.append(byte)
            case 0x0A:
                self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D:
                self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default:
                self.bytes.append(byte)
            }
        }
        self.bytes.append(UInt8(ascii: ")"))
    }

    /// A text string for the document outline or info: PDFDocEncoding when ASCII, otherwise UTF-16BE with a BOM.
    mutating func append(textString: String) {
        if textString.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            self.append(literal: Array(textString.utf8))
            return
        }
        self.bytes.append(UInt8(ascii: "<"))
        self.append(hex: [0xFE, 0xFF])
        for unit in textString.utf16 {
            self.append(hex: [UInt8(unit >> 8), UInt8(unit & 0xFF)])
        }
        self.bytes.append(UInt8(ascii: ">"))
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Bytes as upper-case hexadecimal digits, without delimiters.
    mutating func append(hex: [UInt8]) {
        for byte in hex {
            self.bytes.append(Self.hexDigits[Int(byte >> 4)])
            self.bytes.append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    /// A 16-bit value as four hexadecimal digits.
    mutating func append(hex16 value: UInt16) {
        self.bytes.append(Self.hexDigits[Int(value >> 12)])
        self.bytes.append(Self.hexDigits[Int((value >> 8) & 0x0F)])
        self.bytes.append(Self.hexDigits[Int((value >> 4) & 0x0F)])
        self.bytes.append(Self.hexDigits[Int(value & 0x0F)])
    }
}
