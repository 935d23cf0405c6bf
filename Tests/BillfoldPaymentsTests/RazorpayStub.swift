import BillfoldPayments
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// What the stub saw of one request.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var headers: HTTPFields
    var body: [UInt8]

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { self.headers[$0] }
    }

    /// The body as a JSON object; `nil` when it is not one.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any]
    }
}

/// One answer from the script.
struct StubAnswer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String
    /// Waits this long before answering, to make the client time out.
    var delay: Duration?

    init(status: Int = 200, headers: [String: String] = [:], body: String, delay: Duration? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    static let rateLimited = StubAnswer(
        status: 429,
        body: #"{"error":{"code":"BAD_REQUEST_ERROR","description":"Too many requests","reason":"rate_limited"}}"#)

    static let serverError = StubAnswer(
        status: 503, body: #"{"error":{"code":"SERVER_ERROR","description":"The server is unavailable"}}"#)
}

/// A Razorpay stand-in on 127.0.0.1 (port 0): it records every request, refuses one without Razorpay's Basic auth
/// as Razorpay does, and answers the rest from a script.
final class RazorpayStub: Sendable {
    static let keyID = "rzp_test_1DP5mmOlF5G5ag"
    static let keySecret = "thisisthekeysecret"
    static let webhookSecret = "thisisthewebhooksecret"

    /// For tests: three tries with waits of a few milliseconds (asked for, never slept: see `waits`).
    static let quickRetry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(2), maxDelay: .milliseconds(20))

    private let script: @Sendable (RecordedRequest, Int) async -> StubAnswer
    private let recorded = Mutex<[RecordedRequest]>([])
    private let askedWaits = Mutex<[Duration]>([])

    /// `script` answers a request given how many came before it.
    init(_ script: @escaping @Sendable (RecordedRequest, Int) async -> StubAnswer) {
        self.script = script
    }

    /// Every request that reached the stub, in order, refused or not.
    var requests: [RecordedRequest] { self.recorded.withLock { $0 } }

    /// The waits the gateway asked for between tries, in order. The gateway's sleeper records them and returns at
    /// once, so no test waits on the real clock and none depends on how busy the machine is.
    var waits: [Duration] { self.askedWaits.withLock { $0 } }

    /// Starts the stub, hands `test` a gateway pointed at it, and stops the stub when `test` returns.
    /// `sleep` replaces the recording sleeper, to make a wait fail.
    func serve(
        keySecret: String = RazorpayStub.keySecret, retry: RetryPolicy = RazorpayStub.quickRetry,
        requestTimeout: Duration = .seconds(120), sleep: RetrySleeper? = nil,
        _ test: (RazorpayGateway) async throws -> Void
    ) async throws {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "razorpay-stub")
        logger.logLevel = .critical
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { [self] request, _ in
                try await self.respond(to: request)
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            let gateway = RazorpayGateway(
                baseURL: "http://127.0.0.1:\(port)/v1", keyID: Self.keyID, keySecret: keySecret,
                webhookSecret: Self.webhookSecret, retry: retry, requestTimeout: requestTimeout,
                sleep: sleep ?? { [self] wait in
                    try Task.checkCancellation()
                    self.askedWaits.withLock { $0.append(wait) }
                })
            do {
                try await test(gateway)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    private func respond(to request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, headers: request.headers,
            body: Array(body.readableBytesView))
        let index = self.recorded.withLock { requests in
            requests.append(recorded)
            return requests.count - 1
        }
        let expected = "Basic " + Data("\(Self.keyID):\(Self.keySecret)".utf8).base64EncodedString()
        guard recorded.header("Authorization") == expected else {
            return Self.response(
                StubAnswer(
                    status: 401,
                    body: #"{"error":{"code":"BAD_REQUEST_ERROR","description":"Authentication failed"}}"#))
        }
        let answer = await self.script(recorded, index)
        if let delay = answer.delay {
            try await Task.sleep(for: delay)
        }
        return Self.response(answer)
    }

    private static func response(_ answer: StubAnswer) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        return Response(
            status: .init(code: answer.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
