import ChildProcesses
import Foundation
import Testing

/// The Debian tools the document tests read PDFs with: qpdf and poppler-utils.
enum PDFTools {
    struct Output {
        let status: Int32
        let text: String
    }

    /// Runs `tool` (from /usr/bin or /usr/local/bin) with `arguments`; records a failure naming the package when
    /// the tool is missing, so a machine without it fails instead of passing quietly.
    static func run(_ tool: String, _ arguments: [String], package: String) throws -> Output {
        let path = ["/usr/bin/" + tool, "/usr/local/bin/" + tool].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let path else {
            Issue.record("\(tool) is not installed: run `apt-get install -y \(package)` (CI's .ci/run must install it)")
            throw MissingTool(name: tool)
        }
        let result = try ChildProcess.run(path, arguments, mergingStandardError: true)
        return Output(status: result.termination.status, text: result.output)
    }

    struct MissingTool: Error {
        let name: String
    }

    /// Writes `pdf` to a fresh temporary file and returns its path.
    static func write(_ pdf: [UInt8], name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "billfold-documents-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name + "-" + UUID().uuidString + ".pdf")
        try Data(pdf).write(to: url)
        return url.path
    }

    /// `qpdf --check`'s verdict: its output, and whether it found no error and no warning.
    static func check(_ pdf: [UInt8], name: String) throws -> (clean: Bool, report: String) {
        let path = try self.write(pdf, name: name)
        let output = try self.run("qpdf", ["--check", path], package: "qpdf")
        let clean =
            output.status == 0 && output.text.contains("No syntax or stream encoding errors found")
            && !output.text.lowercased().contains("warning")
        return (clean, output.text)
    }

    /// The text `pdftotext -layout` extracts, or with `raw` in the order it was drawn (wrapped lines together).
    static func text(_ pdf: [UInt8], name: String, raw: Bool = false) throws -> String {
        let path = try self.write(pdf, name: name)
        let output = try self.run(
            "pdftotext", [raw ? "-raw" : "-layout", "-enc", "UTF-8", path, "-"], package: "poppler-utils")
        #expect(output.status == 0, "pdftotext failed: \(output.text)")
        return output.text
    }

    static func pageCount(_ pdf: [UInt8], name: String) throws -> Int {
        let path = try self.write(pdf, name: name)
        let output = try self.run("qpdf", ["--show-npages", path], package: "qpdf")
        return Int(output.text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}

/// Compares extracted text with a file under `Golden/`; `BILLFOLD_UPDATE_GOLDEN=1` rewrites the file instead.
enum Golden {
    static func expectMatch(_ text: String, named name: String, sourceFile: String = #filePath) throws {
        let sourceURL = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
            .appendingPathComponent("Golden").appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["BILLFOLD_UPDATE_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: sourceURL)
            return
        }
        // The file beside this source is the one under review; the bundled copy is as of the last build.
        let bundled = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Golden")
        let candidates = [sourceURL] + (bundled.map { [$0] } ?? [])
        guard let expected = candidates.lazy.compactMap({ try? String(contentsOf: $0, encoding: .utf8) }).first else {
            Issue.record(
                "Golden/\(name).txt is missing; run the tests once with BILLFOLD_UPDATE_GOLDEN=1 and review it")
            return
        }
        #expect(text == expected, "the text of \(name) changed; review it and rerun with BILLFOLD_UPDATE_GOLDEN=1")
    }
}
