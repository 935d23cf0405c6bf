// Reading the TrueType tables a PDF needs: metrics, the character map, and the outlines to subset.
import Foundation
import Synchronization

/// Big-endian reads from a font file, failing rather than trapping on a truncated table.
struct FontBytes {
    let bytes: [UInt8]

    func uint16(_ offset: Int) throws(DocumentError) -> UInt16 {
        guard offset >= 0, offset + 2 <= self.bytes.count else { throw Self.truncated }
        return UInt16(self.bytes[offset]) << 8 | UInt16(self.bytes[offset + 1])
    }

    func int16(_ offset: Int) throws(DocumentError) -> Int {
        Int(Int16(bitPattern: try self.uint16(offset)))
    }

    func uint32(_ offset: Int) throws(DocumentError) -> UInt32 {
        UInt32(try self.uint16(offset)) << 16 | UInt32(try self.uint16(offset + 2))
    }

    static let truncated = DocumentError(
        code: .unreadableFont, message: "The TrueType font is truncated; install the font package again")
}

/// A TrueType font, parsed once: what text measurement and subsetting ask of it is precomputed.
///
/// Only fonts with TrueType outlines (a `glyf` table) are read; OpenType CFF fonts are refused.
final class TrueTypeFace: Sendable {
    /// The PostScript name from the `name` table, reduced to characters a PDF name needs no escape for.
    let postScriptName: String
    let unitsPerEm: Int
    let numberOfGlyphs: Int
    let ascender: Int
    let descender: Int
    let capHeight: Int
    let boundingBox: (xMin: Int, yMin: Int, xMax: Int, yMax: Int)
    let italicAngle: Double
    let weightClass: Int
    let isFixedPitch: Bool

    private let file: FontBytes
    /// Table offsets and lengths by tag.
    private let tables: [String: (offset: Int, length: Int)]
    /// Advance widths in font units, by glyph.
    private let advances: [UInt16]
    private let leftSideBearings: [Int16]
    /// Start of each glyph in `glyf`, one more than there are glyphs.
    private let glyphStarts: [Int]
    /// The glyph for each Basic Multilingual Plane scalar; 0 for none.
    private let basicPlaneGlyphs: [UInt16]
    /// Character-to-glyph groups beyond the Basic Multilingual Plane.
    private let supplementaryGroups: [(start: UInt32, end: UInt32, firstGlyph: UInt32)]
    /// Subsets already made, since a run of similar documents uses the same glyphs.
    let subsetCache = SubsetCache()

    /// Reads the font at `path`.
    convenience init(contentsOf path: String) throws(DocumentError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DocumentError(code: .unreadableFont, message: "The font \(path) cannot be read; check the path")
        }
        try self.init(bytes: [UInt8](data), source: path)
    }

    init(bytes: [UInt8], source: String) throws(DocumentError) {
        let file = FontBytes(bytes: bytes)
        self.file = file
        let tableCount = Int(try file.uint16(4))
        var tables: [String: (offset: Int, length: Int)] = [:]
        for index in 0..<tableCount {
            let record = 12 + 16 * index
            let tag = String(decoding: bytes[record..<(record + 4)], as: UTF8.self)
            let offset = Int(try file.uint32(record + 8))
            let length = Int(try file.uint32(record + 12))
            guard offset + length <= bytes.count else { throw FontBytes.truncated }
            tables[tag] = (offset, length)
        }
        for required in ["head", "hhea", "hmtx", "maxp", "loca", "glyf", "cmap"] where tables[required] == nil {
            throw DocumentError(
                code: .unreadableFont,
                message: "The font \(source) has no '\(required)' table; use a TrueType (glyf) font such as DejaVu Sans"
            )
        }
        self.tables = tables
        let head = tables["head"]!.offset
        let hhea = tables["hhea"]!.offset
        self.unitsPerEm = max(16, Int(try file.uint16(head + 18)))
        self.boundingBox = (
            try file.int16(head + 36), try file.int16(head + 38), try file.int16(head + 40), try file.int16(head + 42)
        )
        let longOffsets = try file.int16(head + 50) == 1
        self.ascender = try file.int16(hhea + 4)
        self.descender = try file.int16(hhea + 6)
        let metricCount = max(1, Int(try file.uint16(hhea + 34)))
        let glyphCount = Int(try file.uint16(tables["maxp"]!.offset + 4))
        self.numberOfGlyphs = glyphCount

        if let os2 = tables["OS/2"] {
            self.weightClass = Int(try file.uint16(os2.offset + 4))
            let version = try file.uint16(os2.offset)
            self.capHeight = version >= 2 && os2.length >= 90 ? try file.int16(os2.offset + 88) : self.ascender
        } else {
            self.weightClass = 400
            self.capHeight = self.ascender
        }
        if let post = tables["post"] {
            self.italicAngle = Double(Int32(bitPattern: try file.uint32(post.offset + 4))) / 65_536
            self.isFixedPitch = try file.uint32(post.offset + 12) != 0
        } else {
            self.italicAngle = 0
            self.isFixedPitch = false
        }

        let hmtx = tables["hmtx"]!.offset
        var advances = [UInt16](repeating: 0, count: glyphCount)
        var bearings = [Int16](repeating: 0, count: glyphCount)
        var lastAdvance: UInt16 = 0
        for glyph in 0..<glyphCount {
            if glyph < metricCount {
                lastAdvance = try file.uint16(hmtx + 4 * glyph)
                bearings[glyph] = Int16(try file.int16(hmtx + 4 * glyph + 2))
            } else {
                bearings[glyph] = Int16(try file.int16(hmtx + 4 * metricCount + 2 * (glyph - metricCount)))
            }
            advances[glyph] = lastAdvance
        }
        self.advances = advances
        self.leftSideBearings = bearings

        let loca = tables["loca"]!.offset
        let glyfLength = tables["glyf"]!.length
        var starts = [Int](repeating: 0, count: glyphCount + 1)
        for glyph in 0...glyphCount {
            let start =
                longOffsets ? Int(try file.uint32(loca + 4 * glyph)) : Int(try file.uint16(loca + 2 * glyph)) * 2
            starts[glyph] = min(start, glyfLength)
        }
        self.glyphStarts = starts

        let characterMap = try Self.readCharacterMap(file, at: tables["cmap"]!.offset, glyphCount: glyphCount)
        self.basicPlaneGlyphs = characterMap.basicPlane
        self.supplementaryGroups = characterMap.supplementary
        self.postScriptName = try Self.readPostScriptName(file, table: tables["name"], fallback: source)
    }

    /// The glyph that draws `scalar`, or `nil` when the font has none.
    func glyph(for scalar: Unicode.Scalar) -> UInt16? {
        let value = scalar.value
        if value < 0x1_0000 {
            let glyph = self.basicPlaneGlyphs[Int(value)]
            return glyph == 0 ? nil : glyph
        }
        for group in self.supplementaryGroups where group.start <= value && value <= group.end {
            let glyph = group.firstGlyph + (value - group.start)
            return glyph < self.numberOfGlyphs ? UInt16(glyph) : nil
        }
        return nil
    }

    /// The advance of `glyph` in thousandths of the font size, as PDF's /W array gives it.
    func advance(of glyph: UInt16) -> Int {
        let units = Int(self.advances[Int(glyph)])
        return (units * 1000 + self.unitsPerEm / 2) / self.unitsPerEm
    }

    /// The outline of `glyph` as stored in `glyf`: empty for a blank glyph such as the space.
    func outline(of glyph: UInt16) -> ArraySlice<UInt8> {
        let glyf = self.tables["glyf"]!.offset
        let start = self.glyphStarts[Int(glyph)]
        let end = max(start, self.glyphStarts[Int(glyph) + 1])
        return self.file.bytes[(glyf + start)..<(glyf + end)]
    }

    func horizontalMetrics(of glyph: UInt16) -> (advance: UInt16, leftSideBearing: Int16) {
        (self.advances[Int(glyph)], self.leftSideBearings[Int(glyph)])
    }

    /// The raw bytes of table `tag`, when the font has one.
    func table(_ tag: String) -> ArraySlice<UInt8>? {
        guard let table = self.tables[tag] else { return nil }
        return self.file.bytes[table.offset..<(table.offset + table.length)]
    }

    /// The Unicode character map: format 12 when the font has one (it covers every plane), else format 4.
    private static func readCharacterMap(
        _ file: FontBytes, at cmap: Int, glyphCount: Int
    ) throws(DocumentError) -> (basicPlane: [UInt16], supplementary: [(start: UInt32, end: UInt32, firstGlyph: UInt32)])
    {
        let count = Int(try file.uint16(cmap + 2))
        var format4: Int?
        var format12: Int?
        for index in 0..<count {
            let record = cmap + 4 + 8 * index
            let platform = try file.uint16(record)
            let encoding = try file.uint16(record + 2)
            let subtable = cmap + Int(try file.uint32(record + 4))
            let isUnicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
            guard isUnicode else { continue }
            switch try file.uint16(subtable) {
            case 4: format4 = format4 ?? subtable
            case 12: format12 = format12 ?? subtable
            default: break
            }
        }
        var basicPlane = [UInt16](repeating: 0, count: 0x1_0000)
        var supplementary: [(start: UInt32, end: UInt32, firstGlyph: UInt32)] = []
        if let subtable = format12 {
            let groupCount = Int(try file.uint32(subtable + 12))
            for index in 0..<groupCount {
                let group = subtable + 16 + 12 * index
                let start = try file.uint32(group)
                let end = try file.uint32(group + 4)
                let firstGlyph = try file.uint32(group + 8)
                guard start <= end else { continue }
                if start < 0x1_0000 {
                    for scalar in start...min(end, 0xFFFF) {
                        let glyph = firstGlyph + (scalar - start)
                        if glyph < glyphCount { basicPlane[Int(scalar)] = UInt16(glyph) }
                    }
                }
                if end >= 0x1_0000 {
                    let from = max(start, 0x1_0000)
                    supplementary.append((from, end, firstGlyph + (from - start)))
                }
            }
        } else if let subtable = format4 {
            let segmentCount = Int(try file.uint16(subtable + 6)) / 2
            let ends = subtable + 14
            let starts = ends + 2 * segmentCount + 2
            let deltas = starts + 2 * segmentCount
            let rangeOffsets = deltas + 2 * segmentCount
            for segment in 0..<segmentCount {
                let end = Int(try file.uint16(ends + 2 * segment))
                let start = Int(try file.uint16(starts + 2 * segment))
                let delta = Int(try file.uint16(deltas + 2 * segment))
                let rangeOffsetPosition = rangeOffsets + 2 * segment
                let rangeOffset = Int(try file.uint16(rangeOffsetPosition))
                guard start <= end else { continue }
                for scalar in start...end where scalar != 0xFFFF {
                    var glyph: Int
                    if rangeOffset == 0 {
                        glyph = (scalar + delta) & 0xFFFF
                    } else {
                        glyph = Int(try file.uint16(rangeOffsetPosition + rangeOffset + 2 * (scalar - start)))
                        if glyph != 0 { glyph = (glyph + delta) & 0xFFFF }
                    }
                    if glyph < glyphCount { basicPlane[scalar] = UInt16(glyph) }
                }
            }
        } else {
            throw DocumentError(
                code: .unreadableFont, message: "The font has no Unicode character map (cmap format 4 or 12)")
        }
        return (basicPlane, supplementary)
    }

    /// Name 6 (the PostScript name), from the Windows or the Macintosh record.
    private static func readPostScriptName(
        _ file: FontBytes, table: (offset: Int, length: Int)?, fallback: String
    ) throws(DocumentError) -> String {
        var name = ""
        if let table {
            let count = Int(try file.uint16(table.offset + 2))
            let strings = table.offset + Int(try file.uint16(table.offset + 4))
            for index in 0..<count {
                let record = table.offset + 6 + 12 * index
                let platform = try file.uint16(record)
                guard try file.uint16(record + 6) == 6 else { continue }
                let length = Int(try file.uint16(record + 8))
                let start = strings + Int(try file.uint16(record + 10))
                guard start + length <= file.bytes.count else { continue }
                let raw = file.bytes[start..<(start + length)]
                if platform == 3 || platform == 0 {
                    var units: [UInt16] = []
                    var offset = start
                    while offset + 1 < start + length {
                        units.append(try file.uint16(offset))
                        offset += 2
                    }
                    name = String(decoding: units, as: UTF16.self)
                    break
                }
                if platform == 1 { name = String(decoding: raw, as: UTF8.self) }
            }
        }
        if name.isEmpty {
            name = String(fallback.split(separator: "/").last?.split(separator: ".").first ?? "Font")
        }
        let allowed = name.unicodeScalars.filter {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
        }
        return allowed.isEmpty ? "Font" : String(String.UnicodeScalarView(allowed))
    }
}

/// Subset font programs already built for a face, keyed by the glyphs and the characters they were set for;
/// a handful is kept, since documents of one layout use much the same characters.
final class SubsetCache: Sendable {
    private let entries = Mutex<[(glyphs: [UInt64], subset: FontSubset)]>([])
    private static let capacity = 8

    func subset(for glyphs: [UInt64], make: () -> FontSubset) -> FontSubset {
        if let found = self.entries.withLock({ entries in entries.first { $0.glyphs == glyphs }?.subset }) {
            return found
        }
        // Made outside the lock: two documents may make the same subset at once, and both are right.
        let made = make()
        self.entries.withLock { entries in
            entries.append((glyphs, made))
            if entries.count > Self.capacity { entries.removeFirst() }
        }
        return made
    }
}
