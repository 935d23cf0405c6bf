// zlib's deflate and inflate, as PDF's FlateDecode and PNG's IDAT use them.
import CZlib

/// A deflate stream set up once and reset between inputs: setting one up allocates and clears a few hundred
/// kilobytes, more than compressing a page's content takes.
///
/// Content streams are deflated at level 1: measured on a ten-line invoice it renders about twice as fast as
/// level 6 for a file about 3% larger. Font programs, deflated once per glyph set, use ``Zlib/compress(_:level:)``.
final class Deflater {
    private var stream = z_stream()
    private var isReady = false

    init(level: Int32 = 1) {
        let status = deflateInit_(&self.stream, level, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        self.isReady = status == Z_OK
    }

    deinit {
        if self.isReady { deflateEnd(&self.stream) }
    }

    /// `bytes` deflated into a zlib stream.
    func compress(_ bytes: [UInt8]) -> [UInt8] {
        guard self.isReady else { return Zlib.compress(bytes) }
        deflateReset(&self.stream)
        let capacity = Int(deflateBound(&self.stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: capacity)
        let produced = output.withUnsafeMutableBufferPointer { outputBuffer in
            bytes.withUnsafeBufferPointer { inputBuffer in
                self.stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
                self.stream.avail_in = uInt(inputBuffer.count)
                self.stream.next_out = outputBuffer.baseAddress
                self.stream.avail_out = uInt(outputBuffer.count)
                let status = deflate(&self.stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "zlib deflate failed with status \(status)")
                return capacity - Int(self.stream.avail_out)
            }
        }
        output.removeLast(output.count - produced)
        return output
    }
}

/// Compression and decompression in the zlib format (RFC 1950).
enum Zlib {
    /// `bytes` deflated into a zlib stream.
    static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { outputBuffer in
            bytes.withUnsafeBufferPointer { inputBuffer in
                compress2(
                    outputBuffer.baseAddress, &capacity, inputBuffer.baseAddress, uLong(inputBuffer.count), level)
            }
        }
        // compressBound guarantees room, so only memory exhaustion could fail, and that traps anyway.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        output.removeLast(output.count - Int(capacity))
        return output
    }

    /// The zlib stream `bytes` inflated, which must come to exactly `expectedCount` bytes.
    static func decompress(_ bytes: [UInt8], expectedCount: Int) -> [UInt8]? {
        var size = uLongf(expectedCount)
        var output = [UInt8](repeating: 0, count: expectedCount)
        let status = output.withUnsafeMutableBufferPointer { outputBuffer in
            bytes.withUnsafeBufferPointer { inputBuffer in
                uncompress(outputBuffer.baseAddress, &size, inputBuffer.baseAddress, uLong(inputBuffer.count))
            }
        }
        guard status == Z_OK, Int(size) == expectedCount else { return nil }
        return output
    }
}
