import BillfoldDocuments
import ChildProcesses
import Foundation
import Testing

@Suite("ZIP archives written entry by entry")
struct ZIPArchiveWriterTests {
    @Test("CRC-32 matches the standard check value")
    func checkValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // Fed in two parts, the checksum is the same as in one.
        let first = CRC32.checksum(Array("12345".utf8))
        #expect(CRC32.checksum(Array("6789".utf8), startingWith: first) == 0xCBF4_3926)
    }

    @Test("Python's zipfile opens the archive and reads every entry back")
    func readBack() throws {
        var writer = ZIPArchiveWriter(modified: Date(timeIntervalSince1970: 1_795_248_000))
        var archive: [UInt8] = []
        let entries: [(String, [UInt8])] = [
            ("INV-26-27-000001.pdf", Array("%PDF-1.7 first".utf8)),
            ("INV-26-27-000001.pdf", Array("%PDF-1.7 second, same name".utf8)),
            ("अनन्या.pdf", (0..<70_000).map { UInt8($0 % 251) }),
            ("empty.txt", []),
        ]
        for (name, contents) in entries { archive += try writer.append(named: name, contents: contents) }
        archive += writer.finish()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("documents.zip")
        try Data(archive).write(to: file)
        let script = """
            import hashlib, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as archive:
                assert archive.testzip() is None
                for info in archive.infolist():
                    data = archive.read(info)
                    print(info.filename, len(data), hashlib.sha256(data).hexdigest(), info.date_time)
            """
        let output = try Self.run("/usr/bin/env", ["python3", "-c", script, file.path])
        let expectedNames = [
            "INV-26-27-000001.pdf", "INV-26-27-000001 (2).pdf", "अनन्या.pdf", "empty.txt",
        ]
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        for (index, line) in lines.enumerated() where index < entries.count {
            let contents = entries[index].1
            #expect(line.hasPrefix("\(expectedNames[index]) \(contents.count) "), "\(line)")
            #expect(line.hasSuffix("(2026, 11, 21, 8, 0, 0)"), "\(line)")
        }
    }

    @Test("the same entries give the same bytes")
    func deterministic() throws {
        func archive() throws -> [UInt8] {
            var writer = ZIPArchiveWriter(modified: Date(timeIntervalSince1970: 1_795_248_000))
            return try writer.append(named: "a.pdf", contents: [1, 2, 3]) + writer.finish()
        }
        #expect(try archive() == archive())
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(executable, arguments)
        #expect(result.termination == .exited(0))
        return result.output
    }
}
