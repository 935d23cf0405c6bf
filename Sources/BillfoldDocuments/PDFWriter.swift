// The file structure of PDF 1.7: numbered objects, streams, the cross-reference table and the trailer.
import Crypto

/// A reference to an indirect object: `12 0 R`.
struct PDFReference: Hashable, Sendable {
    let number: Int
}

extension PDFBytes {
    /// `12 0 R`.
    mutating func append(reference: PDFReference) {
        self.append(integer: reference.number)
        self.append(" 0 R")
    }
}

/// Writes a PDF file object by object and closes it with a cross-reference table of exact byte offsets.
///
/// Objects may be written in any order once reserved; the table lists them by number. Nothing here reads the
/// clock or a random source, so the same objects give the same bytes.
struct PDFWriter {
    private var output: PDFBytes
    /// The byte offset of each object, by object number; object 0 is the head of the free list.
    private var offsets: [Int] = [0]
    private let deflater = Deflater()
    /// Stream data left out of the /ID digest, each with a digest of its own standing in for it, so the bytes of a
    /// cached font program are not hashed again for every document.
    private var digestedRanges: [(range: Range<Int>, digest: [UInt8])] = []

    init(capacity: Int = 32_768) {
        self.output = PDFBytes(capacity: capacity)
        self.output.append("%PDF-1.7\n")
        // A comment of bytes above 127 tells transfer programs that the file is binary.
        self.output.append(bytes: [0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A])
    }

    /// A number for an object to be written later.
    mutating func reserve() -> PDFReference {
        self.offsets.append(-1)
        return PDFReference(number: self.offsets.count - 1)
    }

    /// Writes `reference` as the object `body` appends (a dictionary, an array, a number).
    mutating func writeObject(_ reference: PDFReference, body: (inout PDFBytes) -> Void) {
        self.beginObject(reference)
        body(&self.output)
        self.output.append("\nendobj\n")
    }

    /// Writes `reference` as a stream of `data`, deflated when `compress` is set (and it helps).
    ///
    /// `dictionary` appends the stream's own entries; `/Length` and `/Filter` are added here.
    mutating func writeStream(
        _ reference: PDFReference, data: [UInt8], compress: Bool = true,
        dictionary: (inout PDFBytes) -> Void = { _ in }
    ) {
        let deflated = compress ? self.deflater.compress(data) : nil
        self.writeStream(reference, encoded: deflated ?? data, filter: deflated == nil ? nil : "FlateDecode") {
            dictionary(&$0)
        }
    }

    /// Writes `reference` as a stream whose bytes are already encoded with `filter` (or not at all).
    ///
    /// When `digest` is given it is a digest of `encoded`, and the /ID is computed over it instead of the bytes.
    mutating func writeStream(
        _ reference: PDFReference, encoded: [UInt8], filter: StaticString?, digest: [UInt8]? = nil,
        dictionary: (inout PDFBytes) -> Void
    ) {
        self.beginObject(reference)
        self.output.append("<<")
        dictionary(&self.output)
        if let filter {
            self.output.append(" /Filter /")
            self.output.append(filter)
        }
        self.output.append(" /Length ")
        self.output.append(integer: encoded.count)
        self.output.append(" >>\nstream\n")
        if let digest { self.digestedRanges.append((self.output.count..<(self.output.count + encoded.count), digest)) }
        self.output.append(bytes: encoded)
        self.output.append("\nendstream\nendobj\n")
    }

    private mutating func beginObject(_ reference: PDFReference) {
        precondition(self.offsets[reference.number] == -1, "PDF object \(reference.number) written twice")
        self.offsets[reference.number] = self.output.count
        self.output.append(integer: reference.number)
        self.output.append(" 0 obj\n")
    }

    /// The finished file: the cross-reference table, and a trailer whose /ID is a digest of everything before it.
    consuming func finish(root: PDFReference, info: PDFReference) -> [UInt8] {
        precondition(!self.offsets.dropFirst().contains(-1), "a reserved PDF object was never written")
        var digestInput: [UInt8] = []
        digestInput.reserveCapacity(self.output.count)
        var position = 0
        for (range, digest) in self.digestedRanges {
            digestInput.append(contentsOf: self.output.bytes[position..<range.lowerBound])
            digestInput.append(contentsOf: digest)
            position = range.upperBound
        }
        digestInput.append(contentsOf: self.output.bytes[position...])
        let identifier = Array(SHA256.hash(data: digestInput).prefix(16))
        let tableOffset = self.output.count
        self.output.append("xref\n0 ")
        self.output.append(integer: self.offsets.count)
        self.output.append("\n0000000000 65535 f \n")
        for offset in self.offsets.dropFirst() {
            // Each entry is exactly 20 bytes: ten digits, a space, the generation, a space, `n`, space, newline.
            var digits = 1_000_000_000
            while digits > 0 {
                self.output.append(byte: UInt8(48 + offset / digits % 10))
                digits /= 10
            }
            self.output.append(" 00000 n \n")
        }
        self.output.append("trailer\n<< /Size ")
        self.output.append(integer: self.offsets.count)
        self.output.append(" /Root ")
        self.output.append(reference: root)
        self.output.append(" /Info ")
        self.output.append(reference: info)
        self.output.append(" /ID [<")
        self.output.append(hex: identifier)
        self.output.append("> <")
        self.output.append(hex: identifier)
        self.output.append(">] >>\nstartxref\n")
        self.output.append(integer: tableOffset)
        self.output.append("\n%%EOF\n")
        return self.output.bytes
    }
}
