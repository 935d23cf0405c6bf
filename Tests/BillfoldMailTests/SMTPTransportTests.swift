import BillfoldTestSupport
import Foundation
import Testing

@testable import BillfoldMail

/// A transport for `server` in its mode, trusting its CA.
private func transport(
    _ server: SMTPTestServer, scheme: String = "smtp", host: String = "localhost", credentials: Bool = true
) throws -> SMTPTransport {
    let userInfo = credentials ? SMTPTestServer.userInfo + "@" : ""
    var configuration = try SMTPConfiguration(
        url: "\(scheme)://\(userInfo)\(host):\(server.port)", trustRootsFile: server.caFile)
    configuration.timeout = .seconds(20)
    return SMTPTransport(configuration: configuration)
}

@Suite(
    "SMTP against a real server on loopback",
    .enabled(if: TestPython.canRunSMTPServer, Comment(rawValue: TestPython.missingMessage)))
struct SMTPTransportTests {
    @Test("STARTTLS and AUTH PLAIN deliver an invoice mail whose headers parse, ₹ and Devanagari intact")
    func startTLSAndAuthPlain() async throws {
        try await SMTPTestServer.with(.startTLS) { server in
            let message = MailFixtures.message()
            try await transport(server).send(message)

            let received = try server.received()
            try #require(received.count == 1)
            let mail = received[0]
            #expect(mail.tls)
            #expect(mail.authenticated)
            #expect(mail.authMechanism == "PLAIN")
            #expect(mail.mailFrom == "billing@billfold.example")
            #expect(mail.rcptTos == ["ananya@example.in"])
            #expect(mail.message.subject == MailFixtures.subject)
            #expect(mail.message.from == [.init(name: "Billfold Billing", address: "billing@billfold.example")])
            #expect(mail.message.to == [.init(name: MailFixtures.devanagariName, address: "ananya@example.in")])
            #expect(mail.message.messageId == "<\(message.messageID)>")
            #expect(mail.message.date == "Fri, 20 Nov 2026 04:45:00 +0000")
            #expect(mail.message.defects.isEmpty)
            for header in ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version"] {
                #expect(mail.message.headers.contains(header))
            }
            #expect(mail.message.contentType == "multipart/alternative")
            #expect(mail.message.plain?.replacingOccurrences(of: "\r\n", with: "\n") == message.text)
            #expect(mail.message.html?.replacingOccurrences(of: "\r\n", with: "\n") == message.html)
            let subjectHeader = MailFixtures.headers(mail.raw).first { $0.hasPrefix("Subject: ") }
            #expect(subjectHeader?.contains("=?UTF-8?B?") == true)
            #expect(!MailFixtures.hasBareLineBreak(mail.raw))
            #expect(MailFixtures.lines(mail.raw).allSatisfy { $0.count <= 78 })
        }
    }

    @Test("AUTH LOGIN is used when the server offers only LOGIN")
    func authLogin() async throws {
        try await SMTPTestServer.with(.startTLS, excludingAuth: ["PLAIN"]) { server in
            try await transport(server).send(MailFixtures.message())
            let received = try server.received()
            try #require(received.count == 1)
            #expect(received[0].authMechanism == "LOGIN")
            #expect(received[0].tls)
        }
    }

    @Test("smtps:// speaks TLS from the first byte, and checks the certificate for an IP address")
    func implicitTLS() async throws {
        try await SMTPTestServer.with(.implicitTLS) { server in
            let transport = try transport(server, scheme: "smtps", host: "127.0.0.1")
            #expect(transport.destination == "smtps://127.0.0.1:\(server.port) (TLS)")
            try await transport.send(MailFixtures.message())
            let received = try server.received()
            try #require(received.count == 1)
            #expect(received[0].tls)
            #expect(received[0].authMechanism == "PLAIN")
        }
    }

    @Test("a server whose certificate is not trusted gets nothing, and the failure says TLS")
    func untrustedCertificate() async throws {
        try await SMTPTestServer.with(.startTLS) { server in
            var configuration = try SMTPConfiguration(url: "smtp://\(SMTPTestServer.userInfo)@localhost:\(server.port)")
            configuration.timeout = .seconds(20)
            let error = try await #require(throws: MailDeliveryError.self) {
                try await SMTPTransport(configuration: configuration).send(MailFixtures.message())
            }
            #expect(error.message.contains("TLS"))
            #expect(try server.received().isEmpty)
        }
    }

    @Test("a PDF attachment arrives byte for byte, in base64 lines of at most 76, with a Kannada file name")
    func attachment() async throws {
        try await SMTPTestServer.with(.startTLS) { server in
            let attachments = [
                MailAttachment(
                    filename: "INV-2026-27-000123.pdf", contentType: "application/pdf", data: MailFixtures.pdf),
                MailAttachment(
                    filename: "\(MailFixtures.kannadaName) ರಸೀದಿ.pdf", contentType: "application/pdf",
                    data: MailFixtures.pdf),
            ]
            try await transport(server).send(MailFixtures.message(attachments: attachments))

            let mail = try #require(try server.received().first)
            #expect(mail.message.contentType == "multipart/mixed")
            #expect(mail.message.defects.isEmpty)
            let files = mail.message.parts.filter { $0.disposition == "attachment" }
            try #require(files.count == 2)
            #expect(files.map(\.filename) == attachments.map(\.filename))
            for file in files {
                #expect(file.contentType == "application/pdf")
                #expect(file.transferEncoding == "base64")
                #expect(Data(base64Encoded: file.data ?? "").map(Array.init) == MailFixtures.pdf)
            }
            #expect(MailFixtures.lines(mail.raw).allSatisfy { $0.count <= 78 })
            let base64Lines = MailFixtures.lines(mail.raw).filter { line in
                line.count > 40
                    && line.allSatisfy { byte in
                        (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 43
                            || byte == 47 || byte == 61
                    }
            }
            #expect(base64Lines.count > 10)
            #expect(base64Lines.allSatisfy { $0.count <= 76 })

            if FileManager.default.isExecutableFile(atPath: "/usr/bin/qpdf") {
                let path = server.spool.appendingPathComponent("received.pdf")
                try Data(base64Encoded: files[0].data ?? "")!.write(to: path)
                let check = try TestPython.run("/usr/bin/qpdf", ["--check", path.path])
                #expect(check.status == 0, "qpdf --check: \(check.output)")
            }
        }
    }

    @Test("lines starting with a dot arrive intact, and bare LF and CR become CRLF on the wire")
    func dotStuffingAndLineEnds() async throws {
        try await SMTPTestServer.with(.plain) { server in
            let text = "Totals\n.\n..two dots\n.one dot\r\nmiddle\rlast line\n."
            try await transport(server, host: "127.0.0.1", credentials: false)
                .send(MailFixtures.message(text: text, html: nil))

            let mail = try #require(try server.received().first)
            #expect(!mail.tls)
            #expect(!mail.authenticated)
            #expect(mail.message.contentType == "text/plain")
            #expect(!MailFixtures.hasBareLineBreak(mail.raw))
            // A message ends with a line break, so the text gains one.
            let expected = "Totals\n.\n..two dots\n.one dot\nmiddle\nlast line\n.\n"
            #expect(mail.message.plain?.replacingOccurrences(of: "\r\n", with: "\n") == expected)
        }
    }

    @Test("AUTH in cleartext is allowed to a loopback host that offers no STARTTLS")
    func cleartextAuthToLoopback() async throws {
        try await SMTPTestServer.with(.plain) { server in
            try await transport(server, host: "127.0.0.1").send(MailFixtures.message())
            let mail = try #require(try server.received().first)
            #expect(!mail.tls)
            #expect(mail.authenticated)
        }
    }

    @Test("a CR LF in the subject or a display name does not make a Bcc header")
    func headerInjection() async throws {
        try await SMTPTestServer.with(.startTLS) { server in
            var message = MailFixtures.message(subject: "Hi\r\nBcc: x@y")
            message.to = [MailAddress("ananya@example.in", displayName: "Ananya\r\nBcc: z@y")!]
            try await transport(server).send(message)

            let mail = try #require(try server.received().first)
            #expect(mail.message.bcc == nil)
            #expect(!mail.message.headers.contains { $0.lowercased() == "bcc" })
            #expect(!MailFixtures.headers(mail.raw).contains { $0.lowercased().hasPrefix("bcc:") })
            #expect(mail.rcptTos == ["ananya@example.in"])
            #expect(mail.message.subject == "Hi Bcc: x@y")
        }
    }

    @Test("451 is a transient failure with the server's text, and trying again delivers")
    func transientThenRetry() async throws {
        try await SMTPTestServer.with(.startTLS) { server in
            let transport = try transport(server)
            let message = MailFixtures.message(to: ["tempfail-once@example.in"])
            let error = try await #require(throws: MailDeliveryError.self) { try await transport.send(message) }
            #expect(error.kind == .transient)
            #expect(error.replyCode == 451)
            #expect(error.message.contains("4.3.0 try later"))
            #expect(try server.received().isEmpty)

            try await transport.send(message)
            #expect(try server.received().map(\.rcptTos) == [["tempfail-once@example.in"]])
        }
    }

    @Test("550 is a permanent failure, and no recipient gets the message")
    func permanentFailure() async throws {
        try await SMTPTestServer.with(.startTLS) { server in
            let message = MailFixtures.message(to: ["ananya@example.in", "nouser@example.in"])
            let error = try await #require(throws: MailDeliveryError.self) { try await transport(server).send(message) }
            #expect(error.kind == .permanent)
            #expect(error.replyCode == 550)
            #expect(error.message.contains("5.1.1 no such user"))
            #expect(error.message.contains("nouser@example.in"))
            #expect(try server.received().isEmpty)
        }
    }

    @Test("a wrong password is a permanent failure")
    func wrongPassword() async throws {
        try await SMTPTestServer.with(.startTLS) { server in
            var configuration = try SMTPConfiguration(
                url: "smtp://billfold:wrong@localhost:\(server.port)", trustRootsFile: server.caFile)
            configuration.timeout = .seconds(20)
            let error = try await #require(throws: MailDeliveryError.self) {
                try await SMTPTransport(configuration: configuration).send(MailFixtures.message())
            }
            #expect(error.kind == .permanent)
            #expect(error.replyCode == 535)
        }
    }

    @Test("a server that never speaks is a transient timeout, not a hang")
    func silentServer() async throws {
        try await SMTPTestServer.with(.silent) { server in
            var configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)")
            // Long enough for any loopback connect, so the step that times out is the greeting.
            configuration.timeout = .seconds(2)
            let error = try await #require(throws: MailDeliveryError.self) {
                try await SMTPTransport(configuration: configuration).send(MailFixtures.message())
            }
            #expect(error.kind == .transient)
            #expect(error.message.contains("did not answer greeting"))
        }
    }
}
