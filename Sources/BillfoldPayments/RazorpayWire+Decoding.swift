import Foundation

extension RazorpayWire {
    /// Decodes Razorpay's JSON, turning a decoding failure into `.invalidResponse` that names `what` was being
    /// read and where in the document it went wrong.
    static func decode<Value: Decodable>(
        _ type: Value.Type, from bytes: [UInt8], what: String
    ) throws(GatewayError) -> Value {
        do {
            return try self.decoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidResponse("\(what): \(self.describe(error))")
        } catch {
            throw .invalidResponse("\(what): \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            "no \(self.path(context.codingPath + [key]))"
        case .valueNotFound(_, let context):
            "\(self.path(context.codingPath)) is null"
        case .typeMismatch(let type, let context):
            "\(self.path(context.codingPath)) is not \(self.article(for: type))"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            "not JSON"
        case .dataCorrupted(let context):
            "\(self.path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            "\(error)"
        }
    }

    /// `payload.payment.entity.amount`, in the JSON's own (snake case) names.
    private static func path(_ codingPath: [any CodingKey]) -> String {
        guard !codingPath.isEmpty else { return "document" }
        return codingPath.map { key in
            key.intValue.map { "[\($0)]" } ?? self.snakeCase(key.stringValue)
        }.joined(separator: ".")
    }

    private static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// The JSON kind a Swift type is read from.
    private static func article(for type: Any.Type) -> String {
        let name = String(describing: type)
        return switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        default: name.hasPrefix("Dictionary") ? "an object" : name.hasPrefix("Array") ? "an array" : "a \(name)"
        }
    }
}
