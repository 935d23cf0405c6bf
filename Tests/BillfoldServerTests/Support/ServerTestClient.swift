import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle

/// How a server test reaches the application.
enum TestTransport {
    /// A real socket on loopback and one keep-alive connection, with no limit on how long an answer may take.
    case live
    /// Straight to the router, no socket: for requests that must truly run at once.
    case router
}

/// An answer a server test got: the status line, headers and the whole body.
struct ServerTestResponse: Sendable {
    let head: HTTPResponse
    let body: ByteBuffer

    var status: HTTPResponse.Status { self.head.status }
    var headers: HTTPFields { self.head.headerFields }
}

/// What a server test sends its requests through, over either transport.
protocol ServerTestClient: Sendable {
    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws
        -> ServerTestResponse
    /// The port the server listens on, for a live server.
    var port: Int? { get }
}

extension ServerTestClient {
    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:]) async throws
        -> ServerTestResponse
    {
        try await self.execute(uri: uri, method: method, headers: headers, body: nil)
    }
}

extension ApplicationProtocol {
    /// Serves the application over `transport` while `body` runs, then shuts it down gracefully.
    ///
    /// HummingbirdTesting's own live client gives up on any answer after a fixed 20 s, which a test on a busy CI
    /// machine can reach without anything being wrong. This one waits as long as the server takes: a test that
    /// hangs is stopped by the CI job's own limit, not by a guess at how fast the machine is.
    func withTestClient(
        _ transport: TestTransport = .live, _ body: @escaping @Sendable (any ServerTestClient) async throws -> Void
    ) async throws {
        switch transport {
        case .router:
            try await self.test(.router) { client in try await body(RouterTestClient(client: client)) }
        case .live:
            try await LiveTestServer(application: self).run(body)
        }
    }
}

/// Reads the router's answers as `ServerTestResponse`s.
private struct RouterTestClient: ServerTestClient {
    let client: any TestClientProtocol

    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws
        -> ServerTestResponse
    {
        let response = try await self.client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        return ServerTestResponse(head: response.head, body: response.body)
    }

    var port: Int? { nil }
}

/// One connection to a live server, with HummingbirdTesting's `TestClient` told not to give up.
private struct LiveTestClient: ServerTestClient {
    /// Longer than any CI job runs, so the client never abandons an answer of its own accord.
    static let patience = Duration.seconds(7 * 24 * 3600)

    let client: TestClient
    let port: Int?

    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws
        -> ServerTestResponse
    {
        var headers = headers
        headers[.connection] = "keep-alive"
        let response = try await self.client.execute(
            TestClient.Request(uri, method: method, authority: "127.0.0.1", headers: headers, body: body))
        return ServerTestResponse(head: response.head, body: response.body ?? ByteBuffer())
    }
}

/// Runs an application on an ephemeral loopback port and hands a test a client connected to it.
private struct LiveTestServer<Base: ApplicationProtocol> {
    let application: Base

    struct ServerStoppedBeforeListening: Error {}

    func run(_ body: @Sendable (any ServerTestClient) async throws -> Void) async throws {
        let (ports, portReported) = AsyncStream.makeStream(of: Int.self)
        let reporting = PortReportingApplication(base: self.application, report: portReported)
        let services = ServiceGroup(
            configuration: .init(services: [reporting], gracefulShutdownSignals: [], logger: self.application.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portReported.finish() }
                try await services.run()
            }
            var listening = ports.makeAsyncIterator()
            guard let port = await listening.next() else {
                // The server stopped before it listened: its own error, if it threw one, comes first.
                try await group.waitForAll()
                throw ServerStoppedBeforeListening()
            }
            let client = TestClient(
                host: "127.0.0.1", port: port, configuration: .init(timeout: LiveTestClient.patience))
            client.connect()
            let outcome: Result<Void, any Error>
            do {
                try await body(LiveTestClient(client: client, port: port))
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            try? await client.shutdown()
            await services.triggerGracefulShutdown()
            do {
                try await group.waitForAll()
            } catch {
                try outcome.get()  // the test's own failure says more than the shutdown's
                throw error
            }
            try outcome.get()
        }
    }
}

/// The application as it is, on loopback port 0, reporting the port it was given once it listens.
private struct PortReportingApplication<Base: ApplicationProtocol>: ApplicationProtocol {
    typealias Responder = Base.Responder

    let base: Base
    let report: AsyncStream<Int>.Continuation

    var responder: Responder { get async throws { try await self.base.responder } }
    var server: HTTPServerBuilder { self.base.server }
    var eventLoopGroup: any EventLoopGroup { self.base.eventLoopGroup }
    var configuration: ApplicationConfiguration {
        self.base.configuration.with(address: .hostname("127.0.0.1", port: 0))
    }
    var logger: Logger { self.base.logger }
    var services: [any Service] { self.base.services }
    var processesRunBeforeServerStart: [@Sendable () async throws -> Void] {
        self.base.processesRunBeforeServerStart
    }

    @Sendable func onServerRunning(_ channel: any Channel) async {
        await self.base.onServerRunning(channel)
        if let port = channel.localAddress?.port { self.report.yield(port) }
    }
}
