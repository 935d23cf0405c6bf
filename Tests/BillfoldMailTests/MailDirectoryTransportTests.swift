import BillfoldTestSupport
import Foundation
import Testing

@testable import BillfoldMail

@Suite("Mail to files")
struct MailDirectoryTransportTests {
    @Test("each message is one .eml, named by date and Message-ID, in a folder made on demand")
    func writesEML() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("billfold-outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("nested/mail")
        let transport = MailDirectoryTransport(directory: directory)
        #expect(transport.destination == directory.path + "/ (files)")

        let pdf = MailAttachment(
            filename: "INV-2026-27-000123.pdf", contentType: "application/pdf", data: MailFixtures.pdf)
        let message = MailFixtures.message(attachments: [pdf])
        try await transport.send(message)
        try await transport.send(MailFixtures.message())

        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names.count == 2)
        let name = "20261120T044500Z-\(message.messageID).eml"
        #expect(names.contains(name))
        let raw = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
        #expect(!MailFixtures.hasBareLineBreak(raw))
        #expect(MailFixtures.headers(raw).contains("Message-ID: <\(message.messageID)>"))

        if TestPython.interpreter != nil || TestPython.inCI {
            let parsed = try TestPython.parse(directory.appendingPathComponent(name))
            #expect(parsed.subject == MailFixtures.subject)
            #expect(parsed.to.first?.name == MailFixtures.devanagariName)
            #expect(parsed.defects.isEmpty)
            let file = try #require(parsed.parts.first { $0.disposition == "attachment" })
            #expect(file.filename == "INV-2026-27-000123.pdf")
            #expect(Data(base64Encoded: file.data ?? "").map(Array.init) == MailFixtures.pdf)
        }
    }

    @Test("a folder that cannot be made is a transient failure naming the path")
    func unwritable() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "billfold-not-a-dir-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let transport = MailDirectoryTransport(directory: file.appendingPathComponent("mail"))
        let error = try await #require(throws: MailDeliveryError.self) {
            try await transport.send(MailFixtures.message())
        }
        #expect(error.kind == .transient)
        #expect(error.message.contains(file.lastPathComponent))
    }
}
