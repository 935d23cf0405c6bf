import Foundation
import Testing

@testable import BillfoldMail

@Suite("SMTP session decisions")
struct SMTPSessionPolicyTests {
    @Test(
        "loopback hosts",
        arguments: [
            ("localhost", true), ("LOCALHOST", true), ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true),
            ("[::1]", true), ("128.0.0.1", false), ("127.0.0.1.example.com", false), ("mail.example.com", false),
            ("localhost.example.com", false), ("10.0.0.1", false), ("::2", false), ("127.0.0.256", false),
        ])
    func loopback(host: String, isLoopback: Bool) {
        #expect(SMTPSessionPolicy.isLoopback(host) == isLoopback)
    }

    @Test("without STARTTLS, smtp:// goes on in the clear only to a loopback host")
    func upgrade() {
        let none = SMTPCapabilities(keywords: ["SIZE", "8BITMIME"])
        let offered = SMTPCapabilities(keywords: ["STARTTLS"])
        #expect(SMTPSessionPolicy.upgrade(host: "mail.example.com", capabilities: offered) == .startTLS)
        #expect(SMTPSessionPolicy.upgrade(host: "127.0.0.1", capabilities: offered) == .startTLS)
        #expect(SMTPSessionPolicy.upgrade(host: "localhost", capabilities: none) == .continueInCleartext)
        guard case .refuse(let error) = SMTPSessionPolicy.upgrade(host: "mail.example.com", capabilities: none) else {
            Issue.record("a remote host without STARTTLS must be refused")
            return
        }
        #expect(error.kind == .permanent)
        #expect(error.message.contains("does not offer STARTTLS"))
    }

    @Test("AUTH is never sent over cleartext to a host that is not loopback")
    func authenticationOverCleartext() {
        let auth = SMTPCapabilities(keywords: ["AUTH"], authMechanisms: ["PLAIN", "LOGIN"])
        let refused = SMTPSessionPolicy.authentication(
            host: "mail.example.com", username: "user", channelIsEncrypted: false, capabilities: auth)
        guard case .refuse(let error) = refused else {
            Issue.record("expected a refusal, got \(refused)")
            return
        }
        #expect(error.kind == .permanent)
        #expect(error.message.contains("unencrypted"))
        #expect(
            SMTPSessionPolicy.authentication(
                host: "mail.example.com", username: "user", channelIsEncrypted: true, capabilities: auth) == .plain)
        #expect(
            SMTPSessionPolicy.authentication(
                host: "127.0.0.1", username: "user", channelIsEncrypted: false, capabilities: auth) == .plain)
        #expect(
            SMTPSessionPolicy.authentication(
                host: "mail.example.com", username: nil, channelIsEncrypted: false, capabilities: auth) == .none)
    }

    @Test("PLAIN is preferred, LOGIN taken when it is all there is, anything else refused")
    func mechanism() {
        func decide(_ mechanisms: Set<String>, keywords: Set<String> = ["AUTH"]) -> SMTPSessionPolicy.Authentication {
            SMTPSessionPolicy.authentication(
                host: "mail.example.com", username: "user", channelIsEncrypted: true,
                capabilities: SMTPCapabilities(keywords: keywords, authMechanisms: mechanisms))
        }
        #expect(decide(["LOGIN", "PLAIN"]) == .plain)
        #expect(decide(["LOGIN"]) == .login)
        guard case .refuse(let error) = decide(["CRAM-MD5"]) else {
            Issue.record("CRAM-MD5 alone must be refused")
            return
        }
        #expect(error.message.contains("CRAM-MD5"))
        guard case .refuse(let missing) = decide([], keywords: []) else {
            Issue.record("no AUTH at all must be refused")
            return
        }
        #expect(missing.message.contains("does not offer AUTH"))
    }

    @Test("nothing listening is a transient failure")
    func connectionRefused() async throws {
        // Port 1 on loopback: nothing listens there.
        var configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:1")
        configuration.timeout = .seconds(5)
        let error = try await #require(throws: MailDeliveryError.self) {
            try await SMTPTransport(configuration: configuration).send(MailFixtures.message())
        }
        #expect(error.kind == .transient)
        #expect(error.message.contains("cannot connect"))
    }
}

@Suite("SMTP replies")
struct SMTPReplyParserTests {
    @Test("a multi-line EHLO reply, split anywhere, is one reply with its extensions")
    func multiLine() throws {
        let text =
            "250-mail.example.com greets you\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n"
            + "250-AUTH LOGIN PLAIN XOAUTH2\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n"
        var parser = SMTPReplyParser()
        let bytes = Array(text.utf8)
        let first = try parser.feed(bytes[..<37])
        #expect(first.isEmpty)
        #expect(parser.hasPartialInput)
        let replies = try parser.feed(bytes[37...])
        try #require(replies.count == 1)
        #expect(replies[0].code == 250)
        #expect(replies[0].lines.count == 6)
        #expect(!parser.hasPartialInput)
        let capabilities = SMTPCapabilities(ehloReply: replies[0])
        #expect(capabilities.offersStartTLS)
        #expect(capabilities.authMechanisms == ["LOGIN", "PLAIN", "XOAUTH2"])
        #expect(capabilities.keywords.isSuperset(of: ["SIZE", "8BITMIME", "AUTH", "SMTPUTF8"]))
    }

    @Test("replies with enhanced status codes keep their text; a bare code is a reply too")
    func enhancedCodes() throws {
        var parser = SMTPReplyParser()
        let replies = try parser.feed(Array("451 4.3.0 try later\r\n550 5.1.1 no such user\r\n354\r\n".utf8))
        #expect(replies.map(\.code) == [451, 550, 354])
        #expect(replies[1].description == "550 5.1.1 no such user")
    }

    @Test("the old AUTH=LOGIN form is understood")
    func oldAuthForm() throws {
        var parser = SMTPReplyParser()
        let reply = try #require(try parser.feed(Array("250-hi\r\n250 AUTH=LOGIN\r\n".utf8)).first)
        #expect(SMTPCapabilities(ehloReply: reply).authMechanisms == ["LOGIN"])
    }

    @Test(
        "garbage and mixed codes are protocol errors",
        arguments: ["HTTP/1.1 400 Bad Request\r\n", "250-a\r\n251 b\r\n", "650 x\r\n"])
    func garbage(input: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPProtocolError.self) { try parser.feed(Array(input.utf8)) }
    }
}
