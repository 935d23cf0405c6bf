import BillfoldCore
import Foundation
import Hummingbird
import NIOCore

/// The API's JSON: `snake_case` keys, and decoding errors that name the field at fault.
enum JSONCoding {
    /// How a request type's keys become the API's `snake_case`.
    enum Keys {
        /// Swift's `camelCase` names, converted: the default.
        case converted
        /// The type's `CodingKeys` already spell the `snake_case` names, so nothing is converted: much faster
        /// for large bodies such as usage batches.
        case declared
    }

    static func makeEncoder(_ keys: Keys = .converted) -> JSONEncoder {
        let encoder = JSONEncoder()
        if keys == .converted { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func makeDecoder(_ keys: Keys = .converted) -> JSONDecoder {
        let decoder = JSONDecoder()
        if keys == .converted { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        return decoder
    }

    /// `value` as JSON; with `.declared` keys every type in it must spell its keys in `snake_case` itself.
    static func response(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, keys: Keys = .converted
    ) throws -> Response {
        let data = try self.makeEncoder(keys).encode(value)
        return self.response(body: ByteBuffer(bytes: data), status: status)
    }

    /// A JSON body written by hand, for the hot paths where `JSONEncoder` costs more than the rest of the request.
    static func response(json: String, status: HTTPResponse.Status = .ok) -> Response {
        self.response(body: ByteBuffer(string: json), status: status)
    }

    /// A JSON body written by hand as UTF-8 bytes.
    static func response(json: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        self.response(body: ByteBuffer(bytes: json), status: status)
    }

    private static func response(body: ByteBuffer, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: body))
    }

    /// `value` as a JSON string literal, quotes included, escaped as JSONEncoder escapes it (slashes left alone).
    static func quoted(_ value: String) -> String {
        var bytes: [UInt8] = []
        JSONText.appendQuoted(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes the request body as `type`, turning every failure into a 400 or a 422 that names the field.
    /// The whole request body, or a 413 when it is larger than `limit` bytes.
    static func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(
                .contentTooLarge, .invalidRequest, code: "body_too_large",
                message: "the request body is larger than \(limit) bytes")
        }
    }

    static func decode<Value: Decodable>(
        _ type: Value.Type, from request: Request, context: some RequestContext, upTo limit: Int? = nil,
        keys: Keys = .converted
    ) async throws -> Value {
        let buffer = try await self.collect(request, upTo: limit ?? context.maxUploadSize)
        guard buffer.readableBytes > 0 else {
            throw APIError.malformedJSON("the request body is empty; send a JSON object")
        }
        do {
            return try self.makeDecoder(keys).decode(type, from: Data(buffer: buffer))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw self.apiError(for: error)
        } catch {
            throw APIError.malformedJSON("the request body is not valid JSON")
        }
    }

    static func apiError(for error: DecodingError) -> APIError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .malformedJSON("the request body is not valid JSON: \(context.debugDescription)")
        case .dataCorrupted(let context):
            return .invalid(self.path(context.codingPath), context.debugDescription)
        case .keyNotFound(let key, let context):
            return .missing(self.path(context.codingPath + [key]))
        case .typeMismatch(let expected, let context) where context.codingPath.isEmpty:
            return .malformedJSON("the request body must be a JSON \(self.describe(expected))")
        case .typeMismatch(let expected, let context):
            return .invalid(self.path(context.codingPath), "must be \(self.describe(expected))")
        case .valueNotFound(_, let context) where context.codingPath.isEmpty:
            return .malformedJSON("the request body must be a JSON object, not null")
        case .valueNotFound(let expected, let context):
            return .invalid(self.path(context.codingPath), "must be \(self.describe(expected)), not null")
        @unknown default:
            return .malformedJSON("the request body could not be read")
        }
    }

    /// `address.state_code`, `lines[2].quantity`: the field as the caller wrote it.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                if !result.isEmpty { result += "." }
                result += self.snakeCase(key.stringValue)
            }
        }
        return result
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result += "_" }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type: return "an integer"
        case is [String: Any].Type: return "an object"
        case is [Any].Type: return "an array"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}
