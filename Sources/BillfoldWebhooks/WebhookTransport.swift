import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One webhook request: the signed body and its headers.
package struct WebhookRequest: Sendable {
    package var url: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What an endpoint answered.
package struct WebhookResponse: Sendable {
    package var statusCode: Int
    package var retryAfter: String?
    /// The start of the body, at most `HTTPWebhookTransport.longestBodyRead` bytes.
    package var body: [UInt8]

    package init(statusCode: Int, retryAfter: String? = nil, body: [UInt8] = []) {
        self.statusCode = statusCode
        self.retryAfter = retryAfter
        self.body = body
    }
}

/// Why no answer came.
package enum WebhookTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No answer within the timeout.
    case timedOut(Duration)
    /// The connection could not be made or broke.
    case connectionFailed(String)
    /// The URL's host resolves to an address the policy refuses.
    case refusedAddress(String)

    package var description: String {
        switch self {
        case .timedOut(let timeout): "no answer within \(timeout.components.seconds) s"
        case .connectionFailed(let reason): "connection failed: \(reason)"
        case .refusedAddress(let reason): reason
        }
    }
}

/// Posts webhook requests.
package protocol WebhookTransport: Sendable {
    func post(_ request: WebhookRequest) async throws(WebhookTransportError) -> WebhookResponse
}

/// Webhooks over HTTP with AsyncHTTPClient: redirects are answers, not followed; each request has `timeout` to be
/// answered; at most `longestBodyRead` bytes of an answer are read; and before each request the URL's host is
/// resolved and checked against `policy`, so a name that came to point inside the network is not posted to.
///
/// Owns its client: `shutdown()` it when done.
package final class HTTPWebhookTransport: WebhookTransport {
    package static let longestBodyRead = 64 * 1_024

    private let client: HTTPClient
    private let policy: WebhookAddressPolicy
    private let timeout: Duration

    /// - Parameters:
    ///   - timeout: How long an endpoint has to answer; 15 s by default.
    ///   - connectionsPerHost: How many requests to one host may be open at once.
    package init(policy: WebhookAddressPolicy, timeout: Duration = .seconds(15), connectionsPerHost: Int = 16) {
        self.policy = policy
        self.timeout = timeout
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: TimeAmount(timeout)),
            connectionPool: .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost))
        configuration.httpVersion = .http1Only
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    package func shutdown() async throws {
        try await self.client.shutdown()
    }

    package func post(_ request: WebhookRequest) async throws(WebhookTransportError) -> WebhookResponse {
        if let problem = await self.policy.problem(resolving: request.url) {
            throw .refusedAddress(problem)
        }
        var http = HTTPClientRequest(url: request.url)
        http.method = .POST
        for header in request.headers { http.headers.add(name: header.name, value: header.value) }
        http.headers.replaceOrAdd(name: "content-length", value: String(request.body.count))
        http.body = .bytes(ByteBuffer(bytes: request.body))
        do {
            let response = try await self.client.execute(http, timeout: TimeAmount(self.timeout))
            var body: [UInt8] = []
            // Read what fits, then stop: an endpoint that answers with megabytes gets no more attention.
            for try await chunk in response.body {
                body += chunk.readableBytesView.prefix(Self.longestBodyRead - body.count)
                if body.count >= Self.longestBodyRead { break }
            }
            return WebhookResponse(
                statusCode: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"),
                body: body)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw .timedOut(self.timeout)
        } catch {
            throw .connectionFailed("\(error)")
        }
    }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
