import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@Suite("The server tests' own client: a live server on loopback, and the router")
struct ServerTestClientTests {
    struct Refused: Error, Equatable {}
    struct TestFailed: Error, Equatable {}

    /// An application that logs only errors, serving `POST /echo`.
    static func echoing() -> Application<RouterResponder<BasicRequestContext>> {
        var logger = Logger(label: "server-test-client")
        logger.logLevel = .error
        return Application(router: Self.echo(), logger: logger)
    }

    static func echo() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            var headers: HTTPFields = [.contentType: "text/plain"]
            headers[HTTPField.Name("x-seen")!] = request.headers[HTTPField.Name("x-sent")!] ?? "none"
            return Response(status: .created, headers: headers, body: .init(byteBuffer: body))
        }
        return router
    }

    @Test("status, headers and body go both ways, over one connection, on either transport")
    func roundTrip() async throws {
        for transport in [TestTransport.live, .router] {
            let app = Self.echoing()
            try await app.withTestClient(transport) { client in
                for index in 0..<3 {
                    let response = try await client.execute(
                        uri: "/echo", method: .post, headers: [HTTPField.Name("x-sent")!: "request \(index)"],
                        body: ByteBuffer(string: "body \(index) ₹"))
                    #expect(response.status == .created)
                    #expect(response.headers[HTTPField.Name("x-seen")!] == "request \(index)")
                    #expect(String(buffer: response.body) == "body \(index) ₹")
                }
                let missing = try await client.execute(uri: "/nowhere", method: .get)
                #expect(missing.status == .notFound)
                #expect((client.port != nil) == (transport == .live))
            }
        }
    }

    @Test("the live server listens on the port it reports while the test runs, and not after")
    func serverLifetime() async throws {
        let app = Self.echoing()
        let reported = Mutex<Int?>(nil)
        try await app.withTestClient(.live) { client in
            let port = try #require(client.port)
            reported.withLock { $0 = port }
            #expect(try await Self.connects(to: port))
        }
        let port = try #require(reported.withLock { $0 })
        #expect(try await !Self.connects(to: port), "the server was shut down when the test ended")
    }

    @Test("a server that fails before it listens reports its error instead of leaving the test waiting")
    func failsBeforeListening() async throws {
        var app = Self.echoing()
        app.beforeServerStarts { throw Refused() }
        let ran = Mutex(false)
        await #expect(throws: Refused.self) {
            try await app.withTestClient(.live) { _ in ran.withLock { $0 = true } }
        }
        #expect(!ran.withLock { $0 }, "the test body never ran")
    }

    @Test("the test's own failure is the error the caller sees")
    func testFailureWins() async throws {
        await #expect(throws: TestFailed.self) {
            try await Self.echoing().withTestClient(.live) { _ in throw TestFailed() }
        }
    }

    static func connects(to port: Int) async throws -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.close()
            return true
        } catch is NIOConnectionError {
            return false
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            return false
        }
    }
}
