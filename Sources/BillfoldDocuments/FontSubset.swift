// A TrueType font program cut down to the glyphs one document uses.
import Crypto

/// The embedded form of a face for one glyph set: the font program and the map from the document's glyph codes.
///
/// Codes in the document's text stay the face's own glyph ids, so text can be written before the glyph set is
/// known; `/CIDToGIDMap` sends each code to its glyph in the compact subset.
struct FontSubset: Sendable {
    /// Six capital letters derived from the glyph set: the `ABCDEF+` before the font's name.
    let tag: String
    /// The subset TrueType program, deflated.
    let fontFile: [UInt8]
    /// The subset program's size before deflating (`/Length1`).
    let fontFileLength: Int
    /// Two bytes per code, deflated: the subset glyph for each of the face's glyph ids up to the largest used.
    let glyphMap: [UInt8]
    /// The ToUnicode CMap, deflated.
    let toUnicode: [UInt8]
    /// A digest of the three streams, which stands in for them in the document's /ID.
    let digest: [UInt8]
}

/// Builds font subsets.
enum FontSubsetter {
    /// Flags in a composite glyph's component records (TrueType `glyf`).
    private static let argumentsAreWords: UInt16 = 0x0001
    private static let hasScale: UInt16 = 0x0008
    private static let moreComponents: UInt16 = 0x0020
    private static let hasXYScale: UInt16 = 0x0040
    private static let hasTwoByTwo: UInt16 = 0x0080

    /// A subset of `face` with `used` (sorted, distinct glyph ids), `.notdef` and every component they refer to;
    /// `toUnicode` is the CMap that maps the codes back to text.
    static func subset(of face: TrueTypeFace, used: [UInt16], toUnicode: [UInt8]) -> FontSubset {
        var kept = Set(used)
        kept.insert(0)
        var pending = Array(kept)
        while let glyph = pending.popLast() {
            for component in self.components(of: face.outline(of: glyph)) where kept.insert(component).inserted {
                pending.append(component)
            }
        }
        let oldGlyphs = kept.sorted()
        var newGlyph = [UInt16](repeating: 0, count: face.numberOfGlyphs)
        for (index, old) in oldGlyphs.enumerated() { newGlyph[Int(old)] = UInt16(index) }

        var glyf: [UInt8] = []
        var loca: [UInt8] = []
        var hmtx: [UInt8] = []
        for old in oldGlyphs {
            loca.appendUInt32(UInt32(glyf.count))
            var outline = Array(face.outline(of: old))
            self.renumberComponents(in: &outline, with: newGlyph)
            glyf.append(contentsOf: outline)
            while glyf.count % 4 != 0 { glyf.append(0) }
            let metrics = face.horizontalMetrics(of: old)
            hmtx.appendUInt16(metrics.advance)
            hmtx.appendUInt16(UInt16(bitPattern: metrics.leftSideBearing))
        }
        loca.appendUInt32(UInt32(glyf.count))

        var head = Array(face.table("head") ?? [])
        head.setUInt32(0, at: 8)
        head.setUInt16(1, at: 50)
        var hhea = Array(face.table("hhea") ?? [])
        hhea.setUInt16(UInt16(oldGlyphs.count), at: 34)
        var maxp = Array(face.table("maxp") ?? [])
        maxp.setUInt16(UInt16(oldGlyphs.count), at: 4)
        var tables: [(tag: String, data: [UInt8])] = [
            ("glyf", glyf), ("head", head), ("hhea", hhea), ("hmtx", hmtx), ("loca", loca), ("maxp", maxp),
        ]
        for tag in ["cvt ", "fpgm", "prep"] {
            if let table = face.table(tag) { tables.append((tag, Array(table))) }
        }
        if let post = face.table("post"), post.count >= 32 {
            // Version 3 keeps the metrics and drops the glyph names, which a subset would have to renumber.
            var short = Array(post.prefix(32))
            short.setUInt32(0x0003_0000, at: 0)
            tables.append(("post", short))
        }
        let program = self.assemble(tables)

        let largestCode = Int(used.last ?? 0)
        var glyphMap: [UInt8] = []
        glyphMap.reserveCapacity(2 * (largestCode + 1))
        for code in 0...largestCode { glyphMap.appendUInt16(kept.contains(UInt16(code)) ? newGlyph[code] : 0) }

        var tagSource = Array(face.postScriptName.utf8)
        for glyph in used { tagSource.appendUInt16(glyph) }
        let tag = String(
            decoding: Array(SHA256.hash(data: tagSource)).prefix(6).map { UInt8(ascii: "A") + $0 % 26 }, as: UTF8.self)
        let fontFile = Zlib.compress(program)
        let compressedMap = Zlib.compress(glyphMap)
        let compressedToUnicode = Zlib.compress(toUnicode)
        return FontSubset(
            tag: tag, fontFile: fontFile, fontFileLength: program.count, glyphMap: compressedMap,
            toUnicode: compressedToUnicode,
            digest: Array(SHA256.hash(data: fontFile + compressedMap + compressedToUnicode)))
    }

    /// The glyphs a composite glyph is built from; none for a simple glyph.
    private static func components(of outline: ArraySlice<UInt8>) -> [UInt16] {
        var result: [UInt16] = []
        self.walkComponents(Array(outline)) { offset, bytes in
            result.append(UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
        }
        return result
    }

    private static func renumberComponents(in outline: inout [UInt8], with newGlyph: [UInt16]) {
        var positions: [Int] = []
        self.walkComponents(outline) { offset, _ in positions.append(offset) }
        for offset in positions {
            let old = Int(UInt16(outline[offset]) << 8 | UInt16(outline[offset + 1]))
            outline.setUInt16(old < newGlyph.count ? newGlyph[old] : 0, at: offset)
        }
    }

    /// Calls `visit` with the offset of each component's glyph index in a composite glyph.
    private static func walkComponents(_ outline: [UInt8], visit: (Int, [UInt8]) -> Void) {
        guard outline.count >= 10, Int16(bitPattern: UInt16(outline[0]) << 8 | UInt16(outline[1])) < 0 else { return }
        var offset = 10
        while offset + 4 <= outline.count {
            let flags = UInt16(outline[offset]) << 8 | UInt16(outline[offset + 1])
            visit(offset + 2, outline)
            offset += 4 + (flags & self.argumentsAreWords != 0 ? 4 : 2)
            if flags & self.hasScale != 0 {
                offset += 2
            } else if flags & self.hasXYScale != 0 {
                offset += 4
            } else if flags & self.hasTwoByTwo != 0 {
                offset += 8
            }
            guard flags & self.moreComponents != 0 else { break }
        }
    }

    /// An sfnt file of `tables`: the directory sorted by tag, each table 4-byte aligned, checksums set.
    private static func assemble(_ unsorted: [(tag: String, data: [UInt8])]) -> [UInt8] {
        let tables = unsorted.sorted { $0.tag < $1.tag }
        var power = 1
        var exponent = 0
        while power * 2 <= tables.count {
            power *= 2
            exponent += 1
        }
        var file: [UInt8] = []
        file.appendUInt32(0x0001_0000)
        file.appendUInt16(UInt16(tables.count))
        file.appendUInt16(UInt16(power * 16))
        file.appendUInt16(UInt16(exponent))
        file.appendUInt16(UInt16(tables.count * 16 - power * 16))
        var offset = 12 + 16 * tables.count
        var headOffset = 0
        for table in tables {
            file.append(contentsOf: Array(table.tag.utf8))
            file.appendUInt32(self.checksum(table.data))
            file.appendUInt32(UInt32(offset))
            file.appendUInt32(UInt32(table.data.count))
            if table.tag == "head" { headOffset = offset }
            offset += (table.data.count + 3) & ~3
        }
        for table in tables {
            file.append(contentsOf: table.data)
            while file.count % 4 != 0 { file.append(0) }
        }
        file.setUInt32(0xB1B0_AFBA &- self.checksum(file), at: headOffset + 8)
        return file
    }

    private static func checksum(_ data: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        var index = 0
        while index < data.count {
            var word: UInt32 = 0
            for byte in 0..<4 {
                word <<= 8
                if index + byte < data.count { word |= UInt32(data[index + byte]) }
            }
            sum &+= word
            index += 4
        }
        return sum
    }
}

extension [UInt8] {
    fileprivate mutating func appendUInt16(_ value: UInt16) {
        self.append(UInt8(value >> 8))
        self.append(UInt8(value & 0xFF))
    }

    fileprivate mutating func appendUInt32(_ value: UInt32) {
        self.appendUInt16(UInt16(value >> 16))
        self.appendUInt16(UInt16(value & 0xFFFF))
    }

    fileprivate mutating func setUInt16(_ value: UInt16, at offset: Int) {
        guard offset + 2 <= self.count else { return }
        self[offset] = UInt8(value >> 8)
        self[offset + 1] = UInt8(value & 0xFF)
    }

    fileprivate mutating func setUInt32(_ value: UInt32, at offset: Int) {
        self.setUInt16(UInt16(value >> 16), at: offset)
        self.setUInt16(UInt16(value & 0xFFFF), at: offset + 2)
    }
}
