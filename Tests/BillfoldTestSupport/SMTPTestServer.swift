import ChildProcesses
import Foundation
import Testing

/// The Python that runs Tests/Mail/smtp_server.py: one that can import aiosmtpd (Debian's python3-aiosmtpd lives
/// in /usr/bin/python3's packages; a pip install may be in the python3 first on PATH).
package enum TestPython {
    package static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The first of $BILLFOLD_TEST_PYTHON, /usr/bin/python3 and python3 on PATH that imports aiosmtpd.
    package static let interpreter: String? = {
        var candidates = ["/usr/bin/python3", "/usr/local/bin/python3"]
        if let path = ProcessInfo.processInfo.environment["PATH"] {
            candidates += path.split(separator: ":").map { "\($0)/python3" }
        }
        if let chosen = ProcessInfo.processInfo.environment["BILLFOLD_TEST_PYTHON"] {
            candidates = [chosen]
        }
        return candidates.first { candidate in
            guard FileManager.default.isExecutableFile(atPath: candidate) else { return false }
            return (try? run(candidate, ["-c", "import aiosmtpd"]).status) == 0
        }
    }()

    /// Run the SMTP tests here when the tools are present, and always in CI, where their absence is a failure.
    package static let canRunSMTPServer = interpreter != nil || inCI

    package static let missingMessage =
        "no python3 with aiosmtpd found: `apt-get install python3-aiosmtpd openssl` (or `pip install aiosmtpd==1.4.6`"
        + " and set BILLFOLD_TEST_PYTHON); CI's .ci/run installs them"

    package static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Mail/smtp_server.py").path
    }

    package static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run(executable, arguments)
        return (result.termination.status, result.output)
    }

    /// A message file as Python's email package reads it.
    package static func parse(_ file: URL) throws -> ReceivedMail.Parsed {
        guard let interpreter else {
            Issue.record(Comment(rawValue: missingMessage))
            throw SMTPTestServer.Unavailable()
        }
        let result = try run(interpreter, [script, "--parse", file.path])
        return try ReceivedMail.decoder.decode(ReceivedMail.Parsed.self, from: Data(result.output.utf8))
    }
}

/// What the test server received in one DATA, with the message as Python's email package parsed it.
package struct ReceivedMail: Decodable {
    package struct Mailbox: Decodable, Equatable {
        package let name: String
        package let address: String

        package init(name: String, address: String) {
            self.name = name
            self.address = address
        }
    }

    package struct Part: Decodable {
        package let contentType: String
        package let filename: String?
        package let disposition: String?
        package let transferEncoding: String?
        package let data: String?
    }

    package struct Parsed: Decodable {
        package let headers: [String]
        package let subject: String?
        package let from: [Mailbox]
        package let to: [Mailbox]
        package let bcc: String?
        package let messageId: String?
        package let date: String?
        package let contentType: String
        package let defects: [String]
        package let parts: [Part]
        package let plain: String?
        package let html: String?
    }

    package static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    package let mailFrom: String
    package let rcptTos: [String]
    package let tls: Bool
    package let authenticated: Bool
    package let authMechanism: String?
    package let message: Parsed
    /// The bytes of the message as they arrived, dot-stuffing undone.
    package var raw: [UInt8] = []

    private enum CodingKeys: String, CodingKey {
        case mailFrom, rcptTos, tls, authenticated, authMechanism, message
    }
}

/// Tests/Mail/smtp_server.py running on 127.0.0.1 for one test.
package struct SMTPTestServer: Sendable {
    package enum Mode: String, Sendable {
        case startTLS = "starttls"
        case implicitTLS = "tls"
        case plain
        case silent
    }

    package struct Unavailable: Error {}

    /// The line the server prints once it listens.
    private struct Ready: Decodable {
        let port: Int
        let ca: String
    }

    package static let user = "billfold"
    package static let password = "s3cret:p@ss word"
    /// The credentials as they go in a URL.
    package static let userInfo = "billfold:s3cret%3Ap%40ss%20word"

    package let port: Int
    /// The test CA's certificate, to pass as `trustRootsFile`.
    package let caFile: String
    package let spool: URL

    /// Starts a server in `mode`, runs `body` with it, and stops it.
    package static func with<T>(
        _ mode: Mode, excludingAuth excluded: [String] = [], _ body: (SMTPTestServer) async throws -> T
    ) async throws -> T {
        guard let python = TestPython.interpreter else {
            Issue.record(Comment(rawValue: TestPython.missingMessage))
            throw Unavailable()
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "billfold-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = directory.appendingPathComponent("spool")
        let stderrFile = directory.appendingPathComponent("stderr.txt")
        try Data().write(to: stderrFile)

        let arguments =
            [
                TestPython.script, "--mode", mode.rawValue, "--port", "0", "--spool", spool.path,
                "--certs", directory.appendingPathComponent("certs").path,
            ] + excluded.flatMap { ["--exclude-auth", $0] }
        // Closing its standard input ends the server, also when this process dies without stopping it.
        let process = try ChildProcess(
            python, arguments, standardInput: .pipe, standardOutput: .capture, standardError: .file(stderrFile.path))
        defer {
            process.closeStandardInput()
            process.send(SIGTERM)  // in case it is stuck
            process.waitUntilExit()
        }

        let line = await process.firstLine() ?? ""
        guard let ready = try? JSONDecoder().decode(Ready.self, from: Data(line.utf8)) else {
            let stderr = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
            Issue.record("the test SMTP server did not start: \(line) \(stderr)")
            throw Unavailable()
        }
        return try await body(SMTPTestServer(port: ready.port, caFile: ready.ca, spool: spool))
    }

    /// Every message received so far, in the order they came.
    package func received() throws -> [ReceivedMail] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.spool.path)) ?? []
        let numbers = names.filter { $0.hasSuffix(".json") }.compactMap { Int($0.dropLast(5)) }.sorted()
        return try numbers.map { number in
            let json = try Data(contentsOf: self.spool.appendingPathComponent("\(number).json"))
            var mail = try ReceivedMail.decoder.decode(ReceivedMail.self, from: json)
            mail.raw = Array(try Data(contentsOf: self.spool.appendingPathComponent("\(number).eml")))
            return mail
        }
    }
}
