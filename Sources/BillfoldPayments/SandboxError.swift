import Foundation

/// A request the sandbox refuses, as Razorpay would: an HTTP status and Razorpay's error body.
package struct SandboxError: Error, Sendable {
    package var status: Int
    package var body: RazorpayWire.ErrorBody

    package init(status: Int, body: RazorpayWire.ErrorBody) {
        self.status = status
        self.body = body
    }

    /// 400 `BAD_REQUEST_ERROR`, naming the field at fault when there is one.
    package static func badRequest(_ description: String, field: String? = nil, reason: String? = nil) -> Self {
        SandboxError(
            status: 400,
            body: .init(
                code: "BAD_REQUEST_ERROR", description: description, field: field, source: "business",
                step: "payment_initiation", reason: reason ?? "input_validation_failed"))
    }

    /// 404 for an id the account has never issued.
    package static func notFound(_ what: String) -> Self {
        SandboxError(
            status: 404,
            body: .init(code: "BAD_REQUEST_ERROR", description: "The \(what) id provided does not exist", field: "id"))
    }

    /// 401: Basic auth missing or not this sandbox's key pair.
    package static let unauthorized = SandboxError(
        status: 401,
        body: .init(
            code: "BAD_REQUEST_ERROR",
            description: "Authentication failed: send HTTP Basic auth with the sandbox's key id and key secret"))

    /// 429, as the `rateLimitNextRequests` control asks.
    package static let rateLimited = SandboxError(
        status: 429,
        body: .init(
            code: "BAD_REQUEST_ERROR", description: "Too many requests; try again after some time",
            reason: "rate_limit_exceeded"))

    /// The body of the answer: `{"error": {...}}`.
    package var envelope: RazorpayWire.ErrorEnvelope { RazorpayWire.ErrorEnvelope(error: self.body) }

    /// `bytes` decoded as a request body, every failure a 400 that names the field as Razorpay would.
    package static func decode<Body: Decodable>(_ type: Body.Type, from bytes: some Sequence<UInt8>) throws(Self)
        -> Body
    {
        let data = Data(bytes)
        guard !data.isEmpty else { throw .badRequest("The request body is empty; send a JSON object") }
        do {
            return try RazorpayWire.decoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw Self(decoding: error)
        } catch {
            throw .badRequest("The request body is not valid JSON")
        }
    }

    private init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            let field = Self.field(context.codingPath + [key])
            self = .badRequest("The \(field) field is required.", field: field)
        case .typeMismatch(_, let context) where context.codingPath.isEmpty,
            .valueNotFound(_, let context) where context.codingPath.isEmpty:
            self = .badRequest("The request body must be a JSON object")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let field = Self.field(context.codingPath)
            let kind =
                type == Int64.self || type == Int.self ? "an integer" : type == String.self ? "a string" : "valid"
            self = .badRequest("The \(field) must be \(kind).", field: field)
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self = .badRequest("The request body is not valid JSON")
        case .dataCorrupted(let context):
            let field = Self.field(context.codingPath)
            self = .badRequest("The \(field) field is invalid.", field: field)
        @unknown default:
            self = .badRequest("The request body could not be read")
        }
    }

    /// `token.max_amount`: the path as the caller spelled it (the decoder converts from snake case).
    private static func field(_ path: [any CodingKey]) -> String {
        path.map { key in
            key.intValue.map(String.init)
                ?? key.stringValue.reduce(into: "") { result, character in
                    if character.isUppercase {
                        result += "_" + character.lowercased()
                    } else {
                        result.append(character)
                    }
                }
        }.joined(separator: ".")
    }
}
