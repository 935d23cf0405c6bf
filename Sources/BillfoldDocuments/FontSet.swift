// Which fonts a document is set in, parsed once and shared by every render.
import Foundation

/// The fonts documents are set in: embedded TrueType faces when there are some, the standard Helvetica otherwise.
///
/// Parsing a TrueType file takes far longer than laying out an invoice, so a font set is made once (``discovered()``
/// caches its result for the process) and handed to every ``DocumentRenderer``.
///
/// Text is set character by character with no shaping engine: each character takes the first face in the chain that
/// has a glyph for it, so a Devanagari name falls back to a Devanagari face within a Latin line. Conjuncts and
/// reordered vowel signs may therefore not look as a shaping engine would draw them (a half form shows as consonant
/// plus virama), but the text extracts and searches correctly through its ToUnicode map.
package struct FontSet: Sendable {
    /// Every distinct TrueType face in the set.
    let faces: [TrueTypeFace]
    /// Indexes into `faces`, tried in order for regular text; empty means Helvetica.
    let regularChain: [Int]
    /// Indexes into `faces`, tried in order for bold text; empty means Helvetica-Bold.
    let boldChain: [Int]

    /// Whether text is set in embedded TrueType faces (and so can print the rupee sign and Indic names).
    package var embedsTrueType: Bool { !self.regularChain.isEmpty }

    /// Helvetica and Helvetica-Bold only: nothing is embedded, and only Latin-1 text prints.
    package static let standard = FontSet(faces: [], regularChain: [], boldChain: [])

    private init(faces: [TrueTypeFace], regularChain: [Int], boldChain: [Int]) {
        self.faces = faces
        self.regularChain = regularChain
        self.boldChain = boldChain
    }

    /// A set from TrueType files: `regular` and `bold` for Latin text (bold defaults to regular), then
    /// `fallbacks` tried in order for characters those lack, with `boldFallbacks` for bold text when given.
    package init(
        regular: String, bold: String? = nil, fallbacks: [String] = [], boldFallbacks: [String]? = nil
    ) throws(DocumentError) {
        var faces: [TrueTypeFace] = []
        var indexByPath: [String: Int] = [:]
        func load(_ path: String) throws(DocumentError) -> Int {
            if let index = indexByPath[path] { return index }
            faces.append(try TrueTypeFace(contentsOf: path))
            indexByPath[path] = faces.count - 1
            return faces.count - 1
        }
        var regularChain = [try load(regular)]
        for path in fallbacks { regularChain.append(try load(path)) }
        var boldChain = [try load(bold ?? regular)]
        for path in boldFallbacks ?? fallbacks { boldChain.append(try load(path)) }
        self.init(faces: faces, regularChain: regularChain, boldChain: boldChain)
    }

    /// DejaVu Sans (Debian's fonts-dejavu-core) with a Devanagari fallback (fonts-noto-core's Noto Sans Devanagari
    /// or fonts-lohit-deva's Lohit Devanagari) when installed; ``standard`` when DejaVu is not.
    ///
    /// The files are looked for and parsed once per process.
    package static func discovered() -> FontSet { Self.discoveredOnce }

    private static let discoveredOnce: FontSet = {
        let fileManager = FileManager.default
        func first(_ candidates: [String]) -> String? { candidates.first { fileManager.fileExists(atPath: $0) } }
        let truetype = "/usr/share/fonts/truetype/"
        guard let regular = first([truetype + "dejavu/DejaVuSans.ttf"]) else { return .standard }
        let bold = first([truetype + "dejavu/DejaVuSans-Bold.ttf"])
        let devanagari = first([
            truetype + "noto/NotoSansDevanagari-Regular.ttf", truetype + "lohit-devanagari/Lohit-Devanagari.ttf",
        ])
        let devanagariBold = first([truetype + "noto/NotoSansDevanagari-Bold.ttf"]) ?? devanagari
        do {
            return try FontSet(
                regular: regular, bold: bold, fallbacks: devanagari.map { [$0] } ?? [],
                boldFallbacks: devanagariBold.map { [$0] } ?? [])
        } catch {
            return .standard
        }
    }()
}

/// How heavy a run of text is set.
enum FontWeight: Sendable {
    case regular
    case bold
}

/// The face one piece of text is drawn in.
enum Face: Equatable {
    case standard(StandardFont)
    /// An index into ``FontSet/faces``.
    case embedded(Int)
}

/// Sets text for one document: measures it, writes it into content streams and remembers which glyphs each
/// embedded face must carry.
struct Typesetter {
    let fonts: FontSet
    /// For each embedded face, by glyph, the character the glyph was set for (0 while unused); empty until the
    /// face is first used.
    private(set) var usedGlyphs: [[UInt32]]
    private(set) var usesHelvetica = false
    private(set) var usesHelveticaBold = false

    init(fonts: FontSet) {
        self.fonts = fonts
        self.usedGlyphs = Array(repeating: [], count: fonts.faces.count)
    }

    /// The face and glyph (or WinAnsi code) for `scalar`.
    private func select(_ scalar: Unicode.Scalar, weight: FontWeight) -> (face: Face, code: UInt16) {
        let chain = weight == .bold ? self.fonts.boldChain : self.fonts.regularChain
        guard !chain.isEmpty else {
            let font: StandardFont = weight == .bold ? .helveticaBold : .helvetica
            return (.standard(font), UInt16(StandardFont.winAnsiCode(for: scalar) ?? UInt8(ascii: "?")))
        }
        for index in chain {
            if let glyph = self.fonts.faces[index].glyph(for: scalar) { return (.embedded(index), glyph) }
        }
        let primary = chain[0]
        return (.embedded(primary), self.fonts.faces[primary].glyph(for: "?") ?? 0)
    }

    private func advance(of code: UInt16, in face: Face) -> Int {
        switch face {
        case .standard(let font): return font.width(of: UInt8(code))
        case .embedded(let index): return self.fonts.faces[index].advance(of: code)
        }
    }

    /// The width of `text` set at `size` points.
    func width(_ text: String, weight: FontWeight, size: Double) -> Double {
        var thousandths = 0
        for scalar in text.unicodeScalars {
            let (face, code) = self.select(scalar, weight: weight)
            thousandths += self.advance(of: code, in: face)
        }
        return Double(thousandths) * size / 1000
    }

    /// Appends the operators that show `text` from the current text position, switching face where the
    /// characters need it.
    mutating func show(_ text: String, weight: FontWeight, size: Double, into content: inout PDFBytes) {
        var currentFace: Face?
        var open = false
        for scalar in text.unicodeScalars {
            let (face, code) = self.select(scalar, weight: weight)
            if face != currentFace {
                if open {
                    content.append(byte: currentFace.isStandard ? UInt8(ascii: ")") : UInt8(ascii: ">"))
                    content.append(" Tj ")
                }
                self.appendResourceName(of: face, to: &content)
                content.append(byte: UInt8(ascii: " "))
                content.append(number: size)
                content.append(" Tf ")
                content.append(byte: face.isStandard ? UInt8(ascii: "(") : UInt8(ascii: "<"))
                currentFace = face
                open = true
            }
            switch face {
            case .standard(let font):
                if font == .helvetica { self.usesHelvetica = true } else { self.usesHelveticaBold = true }
                let byte = UInt8(code)
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "\\") {
                    content.append(byte: UInt8(ascii: "\\"))
                }
                content.append(byte: byte)
            case .embedded(let index):
                if self.usedGlyphs[index].isEmpty {
                    self.usedGlyphs[index] = Array(repeating: 0, count: self.fonts.faces[index].numberOfGlyphs)
                }
                if self.usedGlyphs[index][Int(code)] == 0 { self.usedGlyphs[index][Int(code)] = scalar.value }
                content.append(hex16: code)
            }
        }
        if open {
            content.append(byte: currentFace.isStandard ? UInt8(ascii: ")") : UInt8(ascii: ">"))
            content.append(" Tj")
        }
    }

    /// The name a face goes by in the page resources: `/F1`, `/F2` for Helvetica, `/T0`, `/T1`, … for embedded faces.
    func appendResourceName(of face: Face, to bytes: inout PDFBytes) {
        switch face {
        case .standard(.helvetica):
            bytes.append("/F1")
        case .standard(.helveticaBold):
            bytes.append("/F2")
        case .embedded(let index):
            bytes.append("/T")
            bytes.append(integer: index)
        }
    }

    /// Splits `text` into lines no wider than `width`, breaking at spaces, and inside a word only when it must.
    func wrap(_ text: String, width: Double, weight: FontWeight, size: Double) -> [String] {
        if !text.utf8.contains(10) && self.width(text, weight: weight, size: size) <= width { return [text] }
        let spaceWidth = self.width(" ", weight: weight, size: size)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0.0
            for word in paragraph.split(separator: " ") {
                let wordWidth = self.width(String(word), weight: weight, size: size)
                if line.isEmpty && wordWidth <= width {
                    line = String(word)
                    lineWidth = wordWidth
                    continue
                }
                if !line.isEmpty && lineWidth + spaceWidth + wordWidth <= width {
                    line += " " + word
                    lineWidth += spaceWidth + wordWidth
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                line = ""
                lineWidth = 0
                // A word wider than the column is broken where it must be.
                for character in word {
                    let characterWidth = self.width(String(character), weight: weight, size: size)
                    if !line.isEmpty && lineWidth + characterWidth > width {
                        lines.append(line)
                        line = ""
                        lineWidth = 0
                    }
                    line.append(character)
                    lineWidth += characterWidth
                }
            }
            lines.append(line)
        }
        return lines
    }
}

extension Optional where Wrapped == Face {
    fileprivate var isStandard: Bool {
        if case .standard = self { return true }
        return false
    }
}

extension Face {
    fileprivate var isStandard: Bool {
        if case .standard = self { return true }
        return false
    }
}
