import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail through an SMTP submission server (RFC 6409): STARTTLS or implicit TLS, AUTH PLAIN or LOGIN, one
/// connection per message.
package struct SMTPTransport: MailTransport {
    package let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    package init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "billfold.mail.smtp")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    package var destination: String {
        let scheme = self.configuration.security == .startTLS ? "smtp" : "smtps"
        let host = self.configuration.host.contains(":") ? "[\(self.configuration.host)]" : self.configuration.host
        let security = self.configuration.security == .startTLS ? "STARTTLS" : "TLS"
        return "\(scheme)://\(host):\(self.configuration.port) (\(security))"
    }

    /// Delivers one message; throws MailDeliveryError (transient: retry later; permanent: don't).
    package func send(_ message: MailMessage) async throws {
        guard !message.to.isEmpty else {
            throw MailDeliveryError(kind: .permanent, message: "the message has no recipients")
        }
        let tlsContext = try self.makeTLSContext()
        let connection = try await self.connect(tlsContext: tlsContext)
        do {
            try await self.converse(over: connection, tlsContext: tlsContext, message: message)
        } catch {
            await connection.close()
            throw error
        }
        // The message is delivered once DATA's 250 arrives; a failed QUIT changes nothing.
        _ = try? await connection.exchange("QUIT", step: "QUIT")
        await connection.close()
    }

    private func converse(over connection: SMTPConnection, tlsContext: NIOSSLContext, message: MailMessage)
        async throws
    {
        let host = self.configuration.host
        try connection.expect(await connection.exchange(nil, step: "greeting"), [220], step: "greeting")
        var capabilities = try await self.ehlo(connection)
        var encrypted = self.configuration.security == .implicitTLS
        if self.configuration.security == .startTLS {
            switch SMTPSessionPolicy.upgrade(host: host, capabilities: capabilities) {
            case .startTLS:
                try connection.expect(await connection.exchange("STARTTLS", step: "STARTTLS"), [220], step: "STARTTLS")
                try await connection.startTLS(context: tlsContext, serverHostname: self.serverNameIndication)
                encrypted = true
                // RFC 3207 §4.2: forget everything learned before TLS and ask again.
                capabilities = try await self.ehlo(connection)
            case .continueInCleartext:
                self.logger.debug("SMTP: \(host) offers no STARTTLS; continuing in cleartext to a loopback host")
            case .refuse(let error):
                throw error
            }
        }
        try await self.authenticate(over: connection, encrypted: encrypted, capabilities: capabilities)

        try connection.expect(
            await connection.exchange("MAIL FROM:<\(message.from.address)>", step: "MAIL FROM"), [250],
            step: "MAIL FROM <\(message.from.address)>")
        for recipient in message.to {
            try connection.expect(
                await connection.exchange("RCPT TO:<\(recipient.address)>", step: "RCPT TO"), [250, 251],
                step: "RCPT TO <\(recipient.address)>")
        }
        try connection.expect(await connection.exchange("DATA", step: "DATA"), [354], step: "DATA")
        var payload = BodyEncoding.dotStuffed(message.rendered())
        payload += Array(".\r\n".utf8)
        try connection.expect(
            await connection.exchange(bytes: payload, step: "message data"), [250], step: "the message data")
        self.logger.debug("SMTP: \(host) accepted <\(message.messageID)> for \(message.to.count) recipient(s)")
    }

    private func ehlo(_ connection: SMTPConnection) async throws -> SMTPCapabilities {
        let reply = try await connection.exchange("EHLO \(self.configuration.heloName)", step: "EHLO")
        try connection.expect(reply, [250], step: "EHLO")
        return SMTPCapabilities(ehloReply: reply)
    }

    private func authenticate(over connection: SMTPConnection, encrypted: Bool, capabilities: SMTPCapabilities)
        async throws
    {
        let decision = SMTPSessionPolicy.authentication(
            host: self.configuration.host, username: self.configuration.username, channelIsEncrypted: encrypted,
            capabilities: capabilities)
        let user = Array((self.configuration.username ?? "").utf8)
        let password = Array((self.configuration.password ?? "").utf8)
        switch decision {
        case .none:
            return
        case .refuse(let error):
            throw error
        case .plain:
            let credentials = Data([0] + user + [0] + password).base64EncodedString()
            let reply = try await connection.exchange("AUTH PLAIN \(credentials)", step: "AUTH PLAIN", redacted: true)
            try connection.expect(reply, [235], step: "AUTH PLAIN")
        case .login:
            try connection.expect(
                await connection.exchange("AUTH LOGIN", step: "AUTH LOGIN"), [334], step: "AUTH LOGIN")
            let userReply = try await connection.exchange(
                Data(user).base64EncodedString(), step: "AUTH LOGIN user name", redacted: true)
            try connection.expect(userReply, [334], step: "AUTH LOGIN (user name)")
            let passwordReply = try await connection.exchange(
                Data(password).base64EncodedString(), step: "AUTH LOGIN password", redacted: true)
            try connection.expect(passwordReply, [235], step: "AUTH LOGIN")
        }
    }

    /// The host name for SNI and certificate checks; nil for an IP address, which NIOSSL then checks against
    /// the certificate's IP addresses.
    private var serverNameIndication: String? {
        let host = self.configuration.host
        let isIPv4 = host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
        return host.contains(":") || isIPv4 ? nil : host
    }

    private func makeTLSContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let file = self.configuration.trustRootsFile {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw MailDeliveryError(kind: .permanent, message: "cannot read the trust roots file \(file)")
            }
            tls.additionalTrustRoots = [.file(file)]
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw MailDeliveryError(kind: .permanent, message: "cannot set up TLS: \(error)")
        }
    }

    private func connect(tlsContext: NIOSSLContext) async throws -> SMTPConnection {
        let implicitTLS = self.configuration.security == .implicitTLS
        let serverName = self.serverNameIndication
        let timeout = SMTPConnection.timeAmount(self.configuration.timeout)
        let bootstrap = ClientBootstrap(group: self.eventLoopGroup)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                }
            }
        let host = self.configuration.host
        let port = self.configuration.port
        do {
            // The handler is taken while the connection is new, in the tick that connected it: a failed TLS
            // handshake later tears the pipeline down, and the handler still has to tell why.
            let (channel, handler) = try await bootstrap.connect(host: host, port: port).flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self)
                return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop))
            }.get()
            return SMTPConnection(
                channel: channel, handler: handler, timeout: timeout, server: "\(host):\(port)", logger: self.logger)
        } catch {
            throw MailDeliveryError(kind: .transient, message: "cannot connect to \(host):\(port): \(error)")
        }
    }
}

/// One open connection to the server, with every failure turned into a MailDeliveryError naming its step.
private struct SMTPConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<SMTPReplyHandler>
    let timeout: TimeAmount
    let server: String
    let logger: Logger

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Sends `command` (CRLF added; nil for the greeting) and returns the reply.
    func exchange(_ command: String?, step: String, redacted: Bool = false) async throws -> SMTPReply {
        if let command {
            self.logger.trace("SMTP >> \(redacted ? step + " (credentials not logged)" : command)")
        }
        let reply = try await self.exchange(bytes: command.map { Array("\($0)\r\n".utf8) }, step: step)
        self.logger.trace("SMTP << \(reply)")
        return reply
    }

    func exchange(bytes: [UInt8]?, step: String) async throws -> SMTPReply {
        let handler = self.handler
        let timeout = self.timeout
        do {
            return try await self.channel.eventLoop.flatSubmit {
                handler.value.exchange(bytes.map { ByteBuffer(bytes: $0) }, on: handler.eventLoop, timeout: timeout)
            }.get()
        } catch {
            throw self.deliveryError(error, step: step)
        }
    }

    /// Checks `reply` is one of `codes`; 4xx is transient and anything else permanent.
    func expect(_ reply: SMTPReply, _ codes: Set<Int>, step: String) throws {
        guard !codes.contains(reply.code) else { return }
        throw MailDeliveryError(
            kind: (400..<500).contains(reply.code) ? .transient : .permanent,
            message: "\(self.server) answered \(step) with \(reply)", replyCode: reply.code)
    }

    /// Puts TLS under the SMTP handler after the server's `220` to STARTTLS.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let channel = self.channel
        let handler = self.handler
        do {
            try await channel.eventLoop.submit {
                guard !handler.value.hasUnreadInput else {
                    throw SMTPProtocolError(message: "the server sent data after its 220 to STARTTLS, before TLS")
                }
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
            }.get()
        } catch {
            throw self.deliveryError(error, step: "STARTTLS")
        }
    }

    func close() async {
        try? await self.channel.close()
    }

    private func deliveryError(_ error: any Error, step: String) -> MailDeliveryError {
        switch error {
        case let error as MailDeliveryError:
            return error
        case is SMTPTimeoutError:
            return MailDeliveryError(
                kind: .transient, message: "\(self.server) did not answer \(step) within \(self.timeout.readable)")
        case is SMTPConnectionClosedError:
            return MailDeliveryError(kind: .transient, message: "\(self.server) closed the connection during \(step)")
        case let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed || error == .eof:
            return MailDeliveryError(kind: .transient, message: "\(self.server) closed the connection during \(step)")
        case let error as SMTPProtocolError:
            return MailDeliveryError(kind: .transient, message: "\(self.server) during \(step): \(error.message)")
        case let error as NIOSSLError:
            return MailDeliveryError(
                kind: .transient, message: "TLS with \(self.server) failed during \(step): \(error)")
        case let error as NIOSSLExtraError:
            return MailDeliveryError(
                kind: .transient, message: "TLS with \(self.server) failed during \(step): \(error)")
        default:
            return MailDeliveryError(kind: .transient, message: "\(self.server) during \(step): \(error)")
        }
    }
}

extension TimeAmount {
    /// `30 s`, `300 ms`.
    fileprivate var readable: String {
        self.nanoseconds % 1_000_000_000 == 0
            ? "\(self.nanoseconds / 1_000_000_000) s" : "\(self.nanoseconds / 1_000_000) ms"
    }
}
