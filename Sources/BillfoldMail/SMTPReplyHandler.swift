import NIOCore

/// No reply came within the step's time.
struct SMTPTimeoutError: Error, Hashable, Sendable {}

/// The connection closed while a reply was awaited.
struct SMTPConnectionClosedError: Error, Hashable, Sendable {}

/// The end of the pipeline: writes commands and hands out the server's replies, one per `exchange`, each within a
/// time limit. Used only on its channel's event loop.
final class SMTPReplyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        let promise: EventLoopPromise<SMTPReply>
        let timeout: Scheduled<Void>
    }

    private var parser = SMTPReplyParser()
    private var replies = CircularBuffer<SMTPReply>()
    private var waiting: Waiting?
    private var failure: (any Error)?
    private var context: ChannelHandlerContext?

    /// Whether the server sent anything not yet handed out: after `220` to STARTTLS this must be nothing, or the
    /// plaintext bytes could pose as replies from inside TLS (CVE-2011-0411).
    var hasUnreadInput: Bool { !self.replies.isEmpty || self.parser.hasPartialInput }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.fail(SMTPConnectionClosedError())
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        do {
            for reply in try self.parser.feed(bytes) {
                if let waiting = self.waiting {
                    self.waiting = nil
                    waiting.timeout.cancel()
                    waiting.promise.succeed(reply)
                } else {
                    self.replies.append(reply)
                }
            }
        } catch {
            self.fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fail(SMTPConnectionClosedError())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(error)
        context.close(promise: nil)
    }

    /// Writes `command` (nothing for the greeting) and returns the next reply, or fails after `timeout` and closes
    /// the connection.
    func exchange(_ command: ByteBuffer?, on eventLoop: any EventLoop, timeout: TimeAmount)
        -> EventLoopFuture<SMTPReply>
    {
        guard let context = self.context else {
            return eventLoop.makeFailedFuture(self.failure ?? SMTPConnectionClosedError())
        }
        precondition(self.waiting == nil, "one SMTP exchange at a time")
        if command != nil && !self.replies.isEmpty {
            let unexpected = self.replies.removeFirst()
            return context.eventLoop.makeFailedFuture(
                SMTPProtocolError(message: "the server sent a reply before the command: \(unexpected)"))
        }
        if !self.replies.isEmpty {
            return context.eventLoop.makeSucceededFuture(self.replies.removeFirst())
        }
        if let failure = self.failure {
            return context.eventLoop.makeFailedFuture(failure)
        }
        let promise = context.eventLoop.makePromise(of: SMTPReply.self)
        let timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(SMTPTimeoutError())
            self.context?.close(promise: nil)
        }
        self.waiting = Waiting(promise: promise, timeout: timeoutTask)
        if let command {
            context.writeAndFlush(self.wrapOutboundOut(command)).assumeIsolated().whenFailure { error in
                self.fail(error)
            }
        }
        return promise.futureResult
    }

    private func fail(_ error: any Error) {
        if self.failure == nil {
            self.failure = error
        }
        if let waiting = self.waiting {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.fail(error)
        }
    }
}
