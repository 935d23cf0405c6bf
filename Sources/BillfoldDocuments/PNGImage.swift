// Reading a PNG into the form a PDF image XObject takes.
import Foundation

/// A PNG image, such as the supplier's logo, decoded once into what the PDF embeds.
///
/// Greyscale, RGB and palette images without transparency keep their compressed IDAT data as it is (PDF's Flate
/// filter with the PNG predictors reads it directly). Images with an alpha channel are inflated, unfiltered and split
/// into colour and an /SMask. Interlaced images and 16-bit images with alpha are refused; a palette's tRNS chunk
/// is ignored.
package struct PNGImage: Sendable, Hashable {
    package let width: Int
    package let height: Int

    enum ColorSpace: Hashable, Sendable {
        case gray
        case rgb
        /// A palette of RGB triples.
        case indexed([UInt8])

        var components: Int {
            switch self {
            case .gray, .indexed: return 1
            case .rgb: return 3
            }
        }
    }

    let colorSpace: ColorSpace
    let bitsPerComponent: Int
    /// A zlib stream of PNG-filtered rows, for /FlateDecode with /Predictor 15.
    let pixelData: [UInt8]
    /// The alpha channel as a zlib stream of PNG-filtered rows, when the image has one.
    let alphaData: [UInt8]?

    /// Reads the PNG file at `path`.
    package init(contentsOf path: String) throws(DocumentError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DocumentError(code: .unreadableImage, message: "The image \(path) cannot be read; check the path")
        }
        try self.init(bytes: [UInt8](data))
    }

    /// Reads a PNG from its bytes.
    package init(bytes: [UInt8]) throws(DocumentError) {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count > 8, Array(bytes.prefix(8)) == signature else {
            throw Self.failure("it is not a PNG file (the signature is missing)")
        }
        var offset = 8
        var header: [UInt8] = []
        var palette: [UInt8] = []
        var compressed: [UInt8] = []
        while offset + 12 <= bytes.count {
            let length = Int(
                UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                    | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let start = offset + 8
            guard length >= 0, start + length + 4 <= bytes.count else { throw Self.failure("a chunk is truncated") }
            let body = bytes[start..<(start + length)]
            switch type {
            case "IHDR": header = Array(body)
            case "PLTE": palette = Array(body)
            case "IDAT": compressed.append(contentsOf: body)
            default: break
            }
            offset = start + length + 4
            if type == "IEND" { break }
        }
        guard header.count == 13, !compressed.isEmpty else { throw Self.failure("IHDR or IDAT is missing") }
        func word(_ at: Int) -> Int {
            Int(header[at]) << 24 | Int(header[at + 1]) << 16 | Int(header[at + 2]) << 8 | Int(header[at + 3])
        }
        let width = word(0)
        let height = word(4)
        let bitDepth = Int(header[8])
        let colorType = header[9]
        guard width > 0, height > 0, width <= 10_000, height <= 10_000 else {
            throw Self.failure("its size \(width)×\(height) is out of range")
        }
        guard header[12] == 0 else { throw Self.failure("it is interlaced; save it without interlacing") }
        self.width = width
        self.height = height
        self.bitsPerComponent = bitDepth
        switch colorType {
        case 0, 2, 3:
            guard [1, 2, 4, 8, 16].contains(bitDepth), colorType != 2 || bitDepth >= 8,
                colorType != 3 || bitDepth <= 8
            else { throw Self.failure("bit depth \(bitDepth) is invalid for colour type \(colorType)") }
            if colorType == 3 {
                guard !palette.isEmpty, palette.count % 3 == 0 else { throw Self.failure("its palette is missing") }
                self.colorSpace = .indexed(palette)
            } else {
                self.colorSpace = colorType == 0 ? .gray : .rgb
            }
            self.pixelData = compressed
            self.alphaData = nil
        case 4, 6:
            guard bitDepth == 8 else { throw Self.failure("it has alpha at \(bitDepth) bits; use 8 bits") }
            let colors = colorType == 4 ? 1 : 3
            let split = try Self.separateAlpha(compressed, width: width, height: height, colors: colors)
            self.colorSpace = colorType == 4 ? .gray : .rgb
            self.pixelData = split.color
            self.alphaData = split.alpha
        default:
            throw Self.failure("colour type \(colorType) is unknown")
        }
    }

    private static func failure(_ reason: String) -> DocumentError {
        DocumentError(code: .unreadableImage, message: "The logo cannot be embedded: \(reason)")
    }

    /// Inflates and unfilters 8-bit pixels with alpha, and deflates colour and alpha as separate images whose rows
    /// carry PNG filter type 0.
    private static func separateAlpha(
        _ compressed: [UInt8], width: Int, height: Int, colors: Int
    ) throws(DocumentError) -> (color: [UInt8], alpha: [UInt8]) {
        let pixelBytes = colors + 1
        let stride = width * pixelBytes
        guard let raw = Zlib.decompress(compressed, expectedCount: height * (stride + 1)) else {
            throw self.failure("its image data does not inflate to \(width)×\(height) pixels")
        }
        var previous = [UInt8](repeating: 0, count: stride)
        var row = [UInt8](repeating: 0, count: stride)
        var color: [UInt8] = []
        var alpha: [UInt8] = []
        color.reserveCapacity(height * (width * colors + 1))
        alpha.reserveCapacity(height * (width + 1))
        for y in 0..<height {
            let start = y * (stride + 1)
            let filter = raw[start]
            for x in 0..<stride {
                let value = raw[start + 1 + x]
                let left = x >= pixelBytes ? Int(row[x - pixelBytes]) : 0
                let up = Int(previous[x])
                let upperLeft = x >= pixelBytes ? Int(previous[x - pixelBytes]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = left
                case 2: predicted = up
                case 3: predicted = (left + up) / 2
                case 4: predicted = self.paeth(left, up, upperLeft)
                default: throw self.failure("row \(y) has unknown filter type \(filter)")
                }
                row[x] = value &+ UInt8(truncatingIfNeeded: predicted)
            }
            color.append(0)
            alpha.append(0)
            for x in 0..<width {
                let pixel = x * pixelBytes
                color.append(contentsOf: row[pixel..<(pixel + colors)])
                alpha.append(row[pixel + colors])
            }
            swap(&previous, &row)
        }
        return (Zlib.compress(color), Zlib.compress(alpha))
    }

    private static func paeth(_ left: Int, _ up: Int, _ upperLeft: Int) -> Int {
        let estimate = left + up - upperLeft
        let toLeft = abs(estimate - left)
        let toUp = abs(estimate - up)
        let toUpperLeft = abs(estimate - upperLeft)
        if toLeft <= toUp && toLeft <= toUpperLeft { return left }
        return toUp <= toUpperLeft ? up : upperLeft
    }
}
