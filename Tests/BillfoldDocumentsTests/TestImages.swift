import Foundation

/// Small PNG files made in memory, with stored (uncompressed) deflate blocks, so tests need no image files.
enum TestImages {
    /// A `width`×`height` PNG of colour type 6 (RGBA) or 2 (RGB): a blue-to-teal gradient, with a round alpha
    /// mask when `alpha` is set.
    static func png(width: Int, height: Int, alpha: Bool) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                raw += [UInt8(20 + 60 * x / width), UInt8(70 + 120 * y / height), 160]
                if alpha {
                    let dx = Double(x) - Double(width) / 2
                    let dy = Double(y) - Double(height) / 2
                    let inside = dx * dx + dy * dy <= Double(min(width, height) * min(width, height)) / 4
                    raw.append(inside ? 255 : 0)
                }
            }
        }
        var header: [UInt8] = []
        header.appendWord(UInt32(width))
        header.appendWord(UInt32(height))
        header += [8, alpha ? 6 : 2, 0, 0, 0]
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file.appendChunk("IHDR", header)
        file.appendChunk("IDAT", self.storedZlib(raw))
        file.appendChunk("IEND", [])
        return file
    }

    /// A zlib stream of `data` in stored blocks, with its Adler-32.
    private static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var output: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65_535, data.count - offset)
            let final: UInt8 = offset + count == data.count ? 1 : 0
            output += [
                final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF),
            ]
            output += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        output.appendWord(b << 16 | a)
        return output
    }

    fileprivate static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

extension [UInt8] {
    fileprivate mutating func appendWord(_ value: UInt32) {
        self += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    fileprivate mutating func appendChunk(_ type: String, _ body: [UInt8]) {
        self.appendWord(UInt32(body.count))
        let typed = Array(type.utf8) + body
        self += typed
        self.appendWord(TestImages.crc32(typed))
    }
}
