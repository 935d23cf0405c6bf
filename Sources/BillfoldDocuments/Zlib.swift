// zlib's deflate and inflate, as PDF's FlateDecode and PNG's IDAT use them.
import CZlib

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
