import CZlib
import Foundation

/// Writes a ZIP archive entry by entry, so that an archive of thousands of documents never sits in memory: each
/// `append` returns the bytes to send now, and `finish` the central directory that closes the archive.
///
/// Entries are stored, not deflated: PDFs are compressed inside already. The archive is plain ZIP (no ZIP64), so it
/// holds at most 65,535 entries and 4 GiB.
package struct ZIPArchiveWriter: Sendable {
    /// The most entries a plain ZIP archive holds.
    package static let maximumEntries = 65_535

    private struct CentralEntry: Sendable {
        let name: [UInt8]
        let crc: UInt32
        let size: UInt32
        let offset: UInt32
    }

    private var entries: [CentralEntry] = []
    private var offset: UInt64 = 0
    private var names: Set<String> = []
    private let time: UInt16
    private let date: UInt16

    /// An archive whose entries all carry `modified` as their time, in UTC, so the same documents give the same bytes.
    package init(modified: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        let year = min(max((parts.year ?? 1980) - 1980, 0), 127)
        self.date = UInt16(year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        self.time = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
    }

    /// The local header and contents of one entry. A name used before gets ` (2)`, ` (3)` … before its extension.
    package mutating func append(named name: String, contents: [UInt8]) throws(ZIPArchiveError) -> [UInt8] {
        guard self.entries.count < Self.maximumEntries else { throw .tooManyEntries }
        let unique = self.uniqueName(name)
        let nameBytes = Array(unique.utf8)
        guard contents.count < UInt32.max, self.offset + UInt64(30 + nameBytes.count + contents.count) < UInt32.max
        else { throw .tooLarge }
        let crc = CRC32.checksum(contents)
        var header: [UInt8] = []
        header.reserveCapacity(30 + nameBytes.count + contents.count)
        header.append(littleEndian: UInt32(0x0403_4b50))
        header.append(littleEndian: UInt16(20))  // version needed: 2.0
        header.append(littleEndian: UInt16(0x0800))  // names are UTF-8
        header.append(littleEndian: UInt16(0))  // stored
        header.append(littleEndian: self.time)
        header.append(littleEndian: self.date)
        header.append(littleEndian: crc)
        header.append(littleEndian: UInt32(contents.count))
        header.append(littleEndian: UInt32(contents.count))
        header.append(littleEndian: UInt16(nameBytes.count))
        header.append(littleEndian: UInt16(0))
        header.append(contentsOf: nameBytes)
        header.append(contentsOf: contents)
        self.entries.append(
            CentralEntry(name: nameBytes, crc: crc, size: UInt32(contents.count), offset: UInt32(self.offset)))
        self.offset += UInt64(header.count)
        return header
    }

    /// The central directory and end record: the last bytes of the archive.
    package func finish() -> [UInt8] {
        var directory: [UInt8] = []
        for entry in self.entries {
            directory.append(littleEndian: UInt32(0x0201_4b50))
            directory.append(littleEndian: UInt16(0x0314))  // made by: Unix, 2.0
            directory.append(littleEndian: UInt16(20))
            directory.append(littleEndian: UInt16(0x0800))
            directory.append(littleEndian: UInt16(0))
            directory.append(littleEndian: self.time)
            directory.append(littleEndian: self.date)
            directory.append(littleEndian: entry.crc)
            directory.append(littleEndian: entry.size)
            directory.append(littleEndian: entry.size)
            directory.append(littleEndian: UInt16(entry.name.count))
            directory.append(littleEndian: UInt16(0))  // extra field
            directory.append(littleEndian: UInt16(0))  // comment
            directory.append(littleEndian: UInt16(0))  // disk
            directory.append(littleEndian: UInt16(0))  // internal attributes
            directory.append(littleEndian: UInt32(0o100644) << 16)  // a regular file, rw-r--r--
            directory.append(littleEndian: entry.offset)
            directory.append(contentsOf: entry.name)
        }
        var end = directory
        end.append(littleEndian: UInt32(0x0605_4b50))
        end.append(littleEndian: UInt16(0))
        end.append(littleEndian: UInt16(0))
        end.append(littleEndian: UInt16(self.entries.count))
        end.append(littleEndian: UInt16(self.entries.count))
        end.append(littleEndian: UInt32(directory.count))
        end.append(littleEndian: UInt32(self.offset))
        end.append(littleEndian: UInt16(0))
        return end
    }

    private mutating func uniqueName(_ name: String) -> String {
        var candidate = name
        var copy = 1
        while self.names.contains(candidate) {
            copy += 1
            let stem = (name as NSString).deletingPathExtension
            let ext = (name as NSString).pathExtension
            candidate = ext.isEmpty ? "\(stem) (\(copy))" : "\(stem) (\(copy)).\(ext)"
        }
        self.names.insert(candidate)
        return candidate
    }
}

/// Why an entry could not be added to a ZIP archive.
package enum ZIPArchiveError: Error, Sendable, CustomStringConvertible {
    case tooManyEntries
    case tooLarge

    package var description: String {
        switch self {
        case .tooManyEntries: "a ZIP archive holds at most \(ZIPArchiveWriter.maximumEntries) entries"
        case .tooLarge: "a ZIP archive holds at most 4 GiB"
        }
    }
}

/// The CRC-32 of ZIP and PNG (IEEE 802.3), as zlib computes it.
package enum CRC32 {
    package static func checksum(_ bytes: [UInt8], startingWith initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(uLong(initial), buffer.baseAddress, uInt(buffer.count)))
        }
    }
}

extension [UInt8] {
    fileprivate mutating func append<Value: FixedWidthInteger>(littleEndian value: Value) {
        Swift.withUnsafeBytes(of: value.littleEndian) { self.append(contentsOf: $0) }
    }
}
