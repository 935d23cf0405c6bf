import BillfoldEngine
import BillfoldStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// `Idempotency-Key` on POST requests: the first answer is stored with a hash of the request for at least 24
/// hours, and a retry with the same key gets that answer again instead of doing the work twice.
///
/// - The same key with a different method, path or body is refused with 422 `idempotency_key_reused`.
/// - A retry while the first request is still being carried out gets 409 `idempotency_key_in_progress`.
/// - A request that fails with an error (which changes nothing: every change is one transaction) gives its key
///   up, so the retry runs anew. So does a 5xx.
/// - Keys belong to the operator key that sent them.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    let repository: any IdempotencyRepository
    let clock: BillingClock

    static let keyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    /// The largest body a POST takes (a usage batch).
    static let maximumBodySize = UsageController.maximumBodySize

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .post, let key = request.headers[Self.keyHeader] else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw APIError(
                .badRequest, .invalidRequest, code: "invalid_idempotency_key",
                message: "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID")
        }
        let owner = context.actor
        var request = request
        let body = try await JSONCoding.collect(request, upTo: Self.maximumBodySize)
        request.body = RequestBody(buffer: body)
        var fingerprint = Data("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8)
        fingerprint.append(contentsOf: body.readableBytesView)
        switch try await self.repository.claim(owner: owner, key: key, request: fingerprint, now: self.clock.now) {
        case .mismatch:
            throw APIError(
                .unprocessableContent, .invalidRequest, code: "idempotency_key_reused",
                message: "Idempotency-Key \(key) was used for a different request; use a new key for a new request")
        case .inProgress:
            throw APIError(
                .conflict, .conflict, code: "idempotency_key_in_progress",
                message: "a request with Idempotency-Key \(key) is still being carried out; retry in a moment")
        case .replay(let status, let contentType, let text):
            var headers: HTTPFields = [Self.replayedHeader: "true"]
            if let contentType { headers[.contentType] = contentType }
            return Response(
                status: HTTPResponse.Status(code: status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case .claimed:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            try? await self.repository.release(owner: owner, key: key)
            throw error
        }
        guard response.status.code < 500 else {
            try? await self.repository.release(owner: owner, key: key)
            return response
        }
        let collected = Collected()
        try await response.body.write(collected.writer)
        let text = collected.text
        try await self.repository.complete(
            owner: owner, key: key, status: response.status.code, contentType: response.headers[.contentType],
            body: text)
        var stored = response
        stored.body = ResponseBody(byteBuffer: ByteBuffer(string: text))
        return stored
    }

    /// A response body gathered in memory, to be stored and sent.
    final class Collected: Sendable {
        private let buffer = Mutex(ByteBuffer())

        var text: String { self.buffer.withLock { String(buffer: $0) } }

        var writer: Writer { Writer(collected: self) }

        struct Writer: ResponseBodyWriter {
            let collected: Collected

            mutating func write(_ buffer: ByteBuffer) async throws {
                var buffer = buffer
                self.collected.buffer.withLock { $0.writeBuffer(&buffer) }
            }

            consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
        }
    }
}
