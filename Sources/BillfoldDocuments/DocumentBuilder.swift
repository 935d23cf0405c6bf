// Pages drawn from the top-left corner, and the objects that make them a PDF: fonts, images, links, info.
import BillfoldCore
import Foundation

/// An RGB colour with components from 0 to 1.
struct Color: Equatable {
    let red: Double
    let green: Double
    let blue: Double

    static let black = Color(red: 0.1, green: 0.1, blue: 0.12)
    static let muted = Color(red: 0.4, green: 0.42, blue: 0.46)
    static let rule = Color(red: 0.8, green: 0.82, blue: 0.85)
    static let band = Color(red: 0.94, green: 0.95, blue: 0.97)
    static let accent = Color(red: 0.11, green: 0.3, blue: 0.55)
    static let white = Color(red: 1, green: 1, blue: 1)
}

/// Where a piece of text stands relative to its x coordinate.
enum TextAlignment {
    case left
    case right
    case center
}

/// One page being drawn: its content stream and its link areas.
private struct Page {
    var content = PDFBytes(capacity: 8_192)
    var links: [(x: Double, y: Double, width: Double, height: Double, uri: String)] = []
}

/// Draws A4 pages in points from the top-left corner and writes them out as a PDF.
struct DocumentBuilder {
    static let pageWidth = 595.28
    static let pageHeight = 841.89

    private(set) var typesetter: Typesetter
    private var pages: [Page] = []
    private let logo: PNGImage?
    private var usesLogo = false

    init(fonts: FontSet, logo: PNGImage?) {
        self.typesetter = Typesetter(fonts: fonts)
        self.logo = logo
    }

    var pageCount: Int { self.pages.count }

    /// Starts a new page; drawing goes to it until the next.
    mutating func addPage() {
        self.pages.append(Page())
        self.currentPage = self.pages.count - 1
    }

    /// Makes page `index` (from 0) the one drawing goes to, to add what is known only at the end (page numbers).
    mutating func selectPage(_ index: Int) {
        self.currentPage = index
    }

    private var currentPage = 0

    // MARK: Measuring

    func width(_ text: String, size: Double, weight: FontWeight = .regular) -> Double {
        self.typesetter.width(text, weight: weight, size: size)
    }

    func wrap(_ text: String, width: Double, size: Double, weight: FontWeight = .regular) -> [String] {
        self.typesetter.wrap(text, width: width, weight: weight, size: size)
    }

    // MARK: Drawing

    /// Draws `text` with its baseline at `y` points from the top, starting, ending or centred at `x`.
    mutating func text(
        _ text: String, x: Double, y: Double, size: Double, weight: FontWeight = .regular, color: Color = .black,
        alignment: TextAlignment = .left
    ) {
        guard !text.isEmpty else { return }
        var left = x
        if alignment != .left {
            let width = self.width(text, size: size, weight: weight)
            left = alignment == .right ? x - width : x - width / 2
        }
        var content = self.takeContent()
        Self.setFill(color, in: &content)
        content.append("BT ")
        content.append(number: left)
        content.append(byte: UInt8(ascii: " "))
        content.append(number: Self.pageHeight - y)
        content.append(" Td ")
        self.typesetter.show(text, weight: weight, size: size, into: &content)
        content.append(" ET\n")
        self.putContent(content)
    }

    /// A straight line from (`x1`, `y1`) to (`x2`, `y2`).
    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, width: Double = 0.5, color: Color = .rule) {
        var content = self.takeContent()
        Self.setStroke(color, width: width, in: &content)
        content.append(number: x1)
        content.append(byte: UInt8(ascii: " "))
        content.append(number: Self.pageHeight - y1)
        content.append(" m ")
        content.append(number: x2)
        content.append(byte: UInt8(ascii: " "))
        content.append(number: Self.pageHeight - y2)
        content.append(" l S\n")
        self.putContent(content)
    }

    /// A rectangle with its top-left corner at (`x`, `y`), filled, stroked, or both.
    mutating func rectangle(
        x: Double, y: Double, width: Double, height: Double, fill: Color? = nil, stroke: Color? = nil,
        lineWidth: Double = 0.5
    ) {
        var content = self.takeContent()
        if let fill { Self.setFill(fill, in: &content) }
        if let stroke { Self.setStroke(stroke, width: lineWidth, in: &content) }
        for value in [x, Self.pageHeight - y - height, width, height] {
            content.append(number: value)
            content.append(byte: UInt8(ascii: " "))
        }
        switch (fill != nil, stroke != nil) {
        case (true, true): content.append("re B\n")
        case (true, false): content.append("re f\n")
        case (false, true): content.append("re S\n")
        case (false, false): content.append("re n\n")
        }
        self.putContent(content)
    }

    /// Draws the logo scaled into the box at (`x`, `y`) of `width` by `height`, keeping its proportions;
    /// returns the width it took.
    @discardableResult
    mutating func drawLogo(x: Double, y: Double, maximumWidth: Double, maximumHeight: Double) -> Double {
        guard let logo = self.logo else { return 0 }
        let scale = min(maximumWidth / Double(logo.width), maximumHeight / Double(logo.height))
        let width = Double(logo.width) * scale
        let height = Double(logo.height) * scale
        self.usesLogo = true
        var content = self.takeContent()
        content.append("q ")
        for value in [width, 0, 0, height, x, Self.pageHeight - y - height] {
            content.append(number: value)
            content.append(byte: UInt8(ascii: " "))
        }
        content.append("cm /Im1 Do Q\n")
        self.putContent(content)
        return width
    }

    /// Makes the area at (`x`, `y`) of `width` by `height` open `uri` when clicked.
    mutating func link(_ uri: String, x: Double, y: Double, width: Double, height: Double) {
        self.pages[self.currentPage].links.append((x, y, width, height, uri))
    }

    /// Moves the current page's content out, so appending to it does not copy the buffer.
    private mutating func takeContent() -> PDFBytes {
        precondition(!self.pages.isEmpty, "draw after addPage()")
        var content = PDFBytes()
        swap(&content, &self.pages[self.currentPage].content)
        return content
    }

    private mutating func putContent(_ content: PDFBytes) {
        self.pages[self.currentPage].content = content
    }

    private static func setFill(_ color: Color, in content: inout PDFBytes) {
        self.appendColor(color, in: &content)
        content.append(" rg ")
    }

    private static func setStroke(_ color: Color, width: Double, in content: inout PDFBytes) {
        self.appendColor(color, in: &content)
        content.append(" RG ")
        content.append(number: width)
        content.append(" w ")
    }

    private static func appendColor(_ color: Color, in content: inout PDFBytes) {
        content.append(number: color.red)
        content.append(byte: UInt8(ascii: " "))
        content.append(number: color.green)
        content.append(byte: UInt8(ascii: " "))
        content.append(number: color.blue)
    }

    // MARK: Writing

    /// The finished PDF, with `title`, `author` and a creation date of `date` in the document info.
    consuming func finish(title: String, author: String, date: CalendarDate, timeZone: TimeZone) -> [UInt8] {
        let ordered = self.pages
        var writer = PDFWriter(capacity: 16_384 + ordered.reduce(0) { $0 + $1.content.count / 3 })
        let catalog = writer.reserve()
        let pageTree = writer.reserve()
        let info = writer.reserve()
        let resources = writer.reserve()
        let pageReferences = ordered.map { _ in writer.reserve() }

        var fontEntries: [(name: String, reference: PDFReference)] = []
        if self.typesetter.usesHelvetica {
            fontEntries.append(("F1", Self.writeStandardFont(.helvetica, to: &writer)))
        }
        if self.typesetter.usesHelveticaBold {
            fontEntries.append(("F2", Self.writeStandardFont(.helveticaBold, to: &writer)))
        }
        for (index, used) in self.typesetter.usedGlyphs.enumerated() where !used.isEmpty {
            let face = self.typesetter.fonts.faces[index]
            fontEntries.append(("T\(index)", Self.writeEmbeddedFont(face, used: used, to: &writer)))
        }
        var imageReference: PDFReference?
        if self.usesLogo, let logo = self.logo {
            imageReference = Self.writeImage(logo, to: &writer)
        }
        writer.writeObject(resources) { bytes in
            bytes.append("<< /Font <<")
            for entry in fontEntries {
                bytes.append(" /")
                bytes.append(entry.name)
                bytes.append(byte: UInt8(ascii: " "))
                bytes.append(reference: entry.reference)
            }
            bytes.append(" >>")
            if let imageReference {
                bytes.append(" /XObject << /Im1 ")
                bytes.append(reference: imageReference)
                bytes.append(" >>")
            }
            bytes.append(" >>")
        }

        for (page, reference) in zip(ordered, pageReferences) {
            let contents = writer.reserve()
            writer.writeStream(contents, data: page.content.bytes)
            let annotations = page.links.map { _ in writer.reserve() }
            for (link, annotation) in zip(page.links, annotations) {
                writer.writeObject(annotation) { bytes in
                    bytes.append("<< /Type /Annot /Subtype /Link /Rect [")
                    bytes.append(number: link.x)
                    bytes.append(byte: UInt8(ascii: " "))
                    bytes.append(number: Self.pageHeight - link.y - link.height)
                    bytes.append(byte: UInt8(ascii: " "))
                    bytes.append(number: link.x + link.width)
                    bytes.append(byte: UInt8(ascii: " "))
                    bytes.append(number: Self.pageHeight - link.y)
                    bytes.append("] /Border [0 0 0] /A << /S /URI /URI ")
                    bytes.append(literal: Array(link.uri.utf8))
                    bytes.append(" >> >>")
                }
            }
            writer.writeObject(reference) { bytes in
                bytes.append("<< /Type /Page /Parent ")
                bytes.append(reference: pageTree)
                bytes.append(" /MediaBox [0 0 595.28 841.89] /Resources ")
                bytes.append(reference: resources)
                bytes.append(" /Contents ")
                bytes.append(reference: contents)
                if !annotations.isEmpty {
                    bytes.append(" /Annots [")
                    for annotation in annotations {
                        bytes.append(reference: annotation)
                        bytes.append(byte: UInt8(ascii: " "))
                    }
                    bytes.append("]")
                }
                bytes.append(" >>")
            }
        }
        writer.writeObject(pageTree) { bytes in
            bytes.append("<< /Type /Pages /Count ")
            bytes.append(integer: pageReferences.count)
            bytes.append(" /Kids [")
            for reference in pageReferences {
                bytes.append(reference: reference)
                bytes.append(byte: UInt8(ascii: " "))
            }
            bytes.append("] >>")
        }
        writer.writeObject(catalog) { bytes in
            bytes.append("<< /Type /Catalog /Pages ")
            bytes.append(reference: pageTree)
            bytes.append(" >>")
        }
        let pdfDate = Self.pdfDate(date, timeZone: timeZone)
        writer.writeObject(info) { bytes in
            bytes.append("<< /Title ")
            bytes.append(textString: title)
            bytes.append(" /Author ")
            bytes.append(textString: author)
            bytes.append(" /Producer (Billfold) /CreationDate ")
            bytes.append(literal: Array(pdfDate.utf8))
            bytes.append(" /ModDate ")
            bytes.append(literal: Array(pdfDate.utf8))
            bytes.append(" >>")
        }
        return writer.finish(root: catalog, info: info)
    }

    /// `D:20261121000000+05'30'`: the start of `date` where the documents are dated.
    private static func pdfDate(_ date: CalendarDate, timeZone: TimeZone) -> String {
        let offset = timeZone.secondsFromGMT(for: date.start(in: timeZone)) / 60
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let sign = offset < 0 ? "-" : "+"
        let compact = date.description.replacingOccurrences(of: "-", with: "")
        return "D:\(compact)000000\(sign)\(twoDigits(abs(offset) / 60))'\(twoDigits(abs(offset) % 60))'"
    }

    private static func writeStandardFont(_ font: StandardFont, to writer: inout PDFWriter) -> PDFReference {
        let reference = writer.reserve()
        writer.writeObject(reference) { bytes in
            bytes.append("<< /Type /Font /Subtype /Type1 /BaseFont /")
            bytes.append(font.baseFont)
            bytes.append(" /Encoding /WinAnsiEncoding >>")
        }
        return reference
    }

    /// A Type 0 font over a CIDFontType2 subset of `face`, with widths, a ToUnicode map and the font program.
    private static func writeEmbeddedFont(
        _ face: TrueTypeFace, used: [UInt32], to writer: inout PDFWriter
    ) -> PDFReference {
        var glyphs: [UInt16] = []
        var key: [UInt64] = []
        for (glyph, scalar) in used.enumerated() where scalar != 0 {
            glyphs.append(UInt16(glyph))
            key.append(UInt64(glyph) << 32 | UInt64(scalar))
        }
        let subset = face.subsetCache.subset(for: key) {
            FontSubsetter.subset(of: face, used: glyphs, toUnicode: Self.toUnicodeMap(glyphs: glyphs, used: used))
        }
        let baseFont = subset.tag + "+" + face.postScriptName
        let type0 = writer.reserve()
        let cidFont = writer.reserve()
        let descriptor = writer.reserve()
        let fontFile = writer.reserve()
        let glyphMap = writer.reserve()
        let toUnicode = writer.reserve()
        func scaled(_ units: Int) -> Int { units * 1000 / face.unitsPerEm }

        writer.writeObject(type0) { bytes in
            bytes.append("<< /Type /Font /Subtype /Type0 /BaseFont /")
            bytes.append(baseFont)
            bytes.append(" /Encoding /Identity-H /DescendantFonts [")
            bytes.append(reference: cidFont)
            bytes.append("] /ToUnicode ")
            bytes.append(reference: toUnicode)
            bytes.append(" >>")
        }
        writer.writeObject(cidFont) { bytes in
            bytes.append("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /")
            bytes.append(baseFont)
            bytes.append(" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor ")
            bytes.append(reference: descriptor)
            bytes.append(" /DW 1000 /W [")
            // Runs of consecutive codes share one array: `12 [556 556 600]`.
            var index = 0
            while index < glyphs.count {
                bytes.append(integer: Int(glyphs[index]))
                bytes.append(" [")
                var next = index
                repeat {
                    bytes.append(integer: face.advance(of: glyphs[next]))
                    bytes.append(byte: UInt8(ascii: " "))
                    next += 1
                } while next < glyphs.count && glyphs[next] == glyphs[next - 1] + 1
                bytes.append("] ")
                index = next
            }
            bytes.append("] /CIDToGIDMap ")
            bytes.append(reference: glyphMap)
            bytes.append(" >>")
        }
        writer.writeObject(descriptor) { bytes in
            bytes.append("<< /Type /FontDescriptor /FontName /")
            bytes.append(baseFont)
            bytes.append(" /Flags ")
            bytes.append(integer: face.isFixedPitch ? 5 : 4)
            bytes.append(" /FontBBox [")
            let box = face.boundingBox
            for value in [box.xMin, box.yMin, box.xMax, box.yMax] {
                bytes.append(integer: scaled(value))
                bytes.append(byte: UInt8(ascii: " "))
            }
            bytes.append("] /ItalicAngle ")
            bytes.append(number: face.italicAngle)
            bytes.append(" /Ascent ")
            bytes.append(integer: scaled(face.ascender))
            bytes.append(" /Descent ")
            bytes.append(integer: scaled(face.descender))
            bytes.append(" /CapHeight ")
            bytes.append(integer: scaled(face.capHeight))
            bytes.append(" /StemV ")
            // No table gives the stem width; this is the usual estimate from the weight class.
            bytes.append(integer: 10 + 220 * max(0, face.weightClass - 50) / 900)
            bytes.append(" /FontFile2 ")
            bytes.append(reference: fontFile)
            bytes.append(" >>")
        }
        // The three cached streams enter the /ID through one digest of them, written with the font program.
        writer.writeStream(fontFile, encoded: subset.fontFile, filter: "FlateDecode", digest: subset.digest) { bytes in
            bytes.append(" /Length1 ")
            bytes.append(integer: subset.fontFileLength)
        }
        writer.writeStream(glyphMap, encoded: subset.glyphMap, filter: "FlateDecode", digest: []) { _ in }
        writer.writeStream(toUnicode, encoded: subset.toUnicode, filter: "FlateDecode", digest: []) { _ in }
        return type0
    }

    /// A CMap from each glyph code to the character it was set for, so text copies and searches as written.
    private static func toUnicodeMap(glyphs: [UInt16], used: [UInt32]) -> [UInt8] {
        var map = PDFBytes(capacity: 256 + glyphs.count * 16)
        map.append(
            """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """)
        var start = 0
        while start < glyphs.count {
            let chunk = glyphs[start..<min(start + 100, glyphs.count)]
            map.append(integer: chunk.count)
            map.append(" beginbfchar\n")
            for glyph in chunk {
                map.append(byte: UInt8(ascii: "<"))
                map.append(hex16: glyph)
                map.append("> <")
                let scalar = Unicode.Scalar(used[Int(glyph)]) ?? "?"
                for unit in UTF16.encode(scalar)! { map.append(hex16: unit) }
                map.append(">\n")
            }
            map.append("endbfchar\n")
            start += 100
        }
        map.append(
            """
            endcmap
            CMapName currentdict /CMap defineresource pop
            end
            end

            """)
        return map.bytes
    }

    private static func writeImage(_ image: PNGImage, to writer: inout PDFWriter) -> PDFReference {
        let reference = writer.reserve()
        var mask: PDFReference?
        if let alpha = image.alphaData {
            let maskReference = writer.reserve()
            mask = maskReference
            writer.writeStream(maskReference, encoded: alpha, filter: "FlateDecode") { bytes in
                Self.appendImageEntries(of: image, colorSpace: nil, colors: 1, to: &bytes)
            }
        }
        writer.writeStream(reference, encoded: image.pixelData, filter: "FlateDecode") { bytes in
            Self.appendImageEntries(
                of: image, colorSpace: image.colorSpace, colors: image.colorSpace.components, to: &bytes)
            if let mask {
                bytes.append(" /SMask ")
                bytes.append(reference: mask)
            }
        }
        return reference
    }

    /// The entries of an image XObject; a `nil` colour space is the greyscale soft mask.
    private static func appendImageEntries(
        of image: PNGImage, colorSpace: PNGImage.ColorSpace?, colors: Int, to bytes: inout PDFBytes
    ) {
        let bits = colorSpace == nil ? 8 : image.bitsPerComponent
        bytes.append(" /Type /XObject /Subtype /Image /Width ")
        bytes.append(integer: image.width)
        bytes.append(" /Height ")
        bytes.append(integer: image.height)
        bytes.append(" /ColorSpace ")
        switch colorSpace {
        case nil, .gray:
            bytes.append("/DeviceGray")
        case .rgb:
            bytes.append("/DeviceRGB")
        case .indexed(let palette):
            bytes.append("[/Indexed /DeviceRGB ")
            bytes.append(integer: palette.count / 3 - 1)
            bytes.append(" <")
            bytes.append(hex: palette)
            bytes.append(">]")
        }
        bytes.append(" /BitsPerComponent ")
        bytes.append(integer: bits)
        bytes.append(" /DecodeParms << /Predictor 15 /Colors ")
        bytes.append(integer: colors)
        bytes.append(" /BitsPerComponent ")
        bytes.append(integer: bits)
        bytes.append(" /Columns ")
        bytes.append(integer: image.width)
        bytes.append(" >>")
    }
}
