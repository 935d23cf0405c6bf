import Foundation
import Hummingbird

/// The parts of a `multipart/form-data` body (RFC 7578), in the order they were sent: the form a browser posts when it
/// carries files. A file's content is kept byte for byte.
struct MultipartForm: Sendable {
    /// One field or one file of the form.
    struct Part: Sendable, Hashable {
        /// The field's name, from its `Content-Disposition`.
        let name: String
        /// The file's name as the browser sent it, or `nil` for a plain field. An empty file input sends `""`.
        let filename: String?
        /// The `Content-Type` the browser claimed, which says nothing reliable about the content.
        let contentType: String?
        let bytes: [UInt8]

        var text: String { String(decoding: self.bytes, as: UTF8.self) }
        var isFile: Bool { self.filename != nil }
    }

    /// The largest body the dispute form may send: three files of 2 MB each, the text fields, and each part's headers
    /// and boundary.
    static let maximumBodySize = 6_656 * 1024
    /// More parts than any portal form has: a body with more is refused rather than parsed.
    static let maximumPartCount = 256
    /// The most a part's headers may take.
    static let maximumHeaderSize = 8 * 1024

    let parts: [Part]

    init(parts: [Part]) {
        self.parts = parts
    }

    /// Parses `body`, its parts delimited by `boundary` (the `Content-Type`'s parameter, without the leading `--`).
    init(_ body: some Collection<UInt8>, boundary: String) throws(MultipartFormError) {
        let body = Array(body)
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        // The first delimiter opens the body or follows a preamble, which is ignored.
        guard var cursor = Self.firstDelimiter(delimiter, in: body) else {
            throw MultipartFormError("The form's body has no part marked with its boundary")
        }
        var parts: [Part] = []
        while true {
            cursor += delimiter.count
            if body[cursor...].starts(with: [45, 45]) { break }  // "--": the close delimiter
            // Transport padding (spaces, tabs) may follow a delimiter before its line ends.
            while cursor < body.count, body[cursor] == 32 || body[cursor] == 9 { cursor += 1 }
            guard body[cursor...].starts(with: crlf) else {
                throw MultipartFormError("A boundary line of the form's body does not end where it should")
            }
            cursor += 2
            guard parts.count < Self.maximumPartCount else {
                throw MultipartFormError("The form has more than \(Self.maximumPartCount) parts")
            }
            let headersEnd: Int
            if body[cursor...].starts(with: crlf) {
                headersEnd = cursor  // a part without headers
            } else {
                guard let end = Self.search([13, 10, 13, 10], in: body, from: cursor),
                    end - cursor <= Self.maximumHeaderSize
                else { throw MultipartFormError("A part of the form has no end to its headers") }
                headersEnd = end + 2
            }
            let headers = String(decoding: body[cursor..<headersEnd], as: UTF8.self)
            let contentStart = headersEnd + 2
            guard let contentEnd = Self.search(crlf + delimiter, in: body, from: contentStart) else {
                throw MultipartFormError("The form's body ends in the middle of a part; it was cut off")
            }
            parts.append(try Self.part(headers: headers, bytes: Array(body[contentStart..<contentEnd])))
            cursor = contentEnd + 2
        }
        self.parts = parts
    }

    /// The first value of the plain field `name`.
    subscript(name: String) -> String? { self.parts.first { $0.name == name && !$0.isFile }?.text }

    /// Every value of the plain field `name`.
    func all(_ name: String) -> [String] { self.parts.filter { $0.name == name && !$0.isFile }.map(\.text) }

    /// The files sent as `name`, leaving out an input left empty (no name, no content).
    func files(_ name: String) -> [Part] {
        self.parts.filter { $0.name == name && $0.isFile && !($0.filename == "" && $0.bytes.isEmpty) }
    }

    /// The boundary a `multipart/form-data` content type names, or `nil` for any other type.
    static func boundary(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let (type, parameters) = Self.headerValue(contentType)
        guard type.lowercased() == "multipart/form-data", let boundary = parameters["boundary"],
            (1...70).contains(boundary.utf8.count)
        else { return nil }
        return boundary
    }

    /// The request's multipart body, read whole up to `limit` bytes; `nil` when the request is not multipart.
    static func read(_ request: Request, upTo limit: Int = maximumBodySize) async throws -> MultipartForm? {
        guard let boundary = Self.boundary(contentType: request.headers[.contentType]) else { return nil }
        var request = request
        let body = try await request.collectBody(upTo: limit)
        return try MultipartForm(body.readableBytesView, boundary: boundary)
    }

    // MARK: Parsing

    private static func part(headers: String, bytes: [UInt8]) throws(MultipartFormError) -> Part {
        var disposition: (type: String, parameters: [String: String])?
        var contentType: String?
        for line in headers.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw MultipartFormError("A part's header line has no name: \(line.prefix(60))")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            switch name {
            case "content-disposition": disposition = Self.headerValue(value)
            case "content-type": contentType = value
            default: break
            }
        }
        guard let disposition, disposition.type.lowercased() == "form-data", let name = disposition.parameters["name"]
        else { throw MultipartFormError("A part of the form has no Content-Disposition: form-data with a name") }
        return Part(name: name, filename: disposition.parameters["filename"], contentType: contentType, bytes: bytes)
    }

    /// `form-data; name="a"; filename="b c.pdf"` as its value and its parameters, names lower-cased and quoted
    /// strings unescaped. A `;` inside quotes belongs to the value.
    static func headerValue(_ text: String) -> (String, [String: String]) {
        var fields: [String] = []
        var current = ""
        var isQuoted = false
        var isEscaped = false
        for character in text {
            if isEscaped {
                current.append(character)
                isEscaped = false
            } else if isQuoted, character == "\\" {
                current.append(character)
                isEscaped = true
            } else if character == "\"" {
                current.append(character)
                isQuoted.toggle()
            } else if character == ";", !isQuoted {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        let value = fields[0].trimmingCharacters(in: .whitespaces)
        var parameters: [String: String] = [:]
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "=") else { continue }
            let name = field[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var raw = field[field.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") {
                raw = String(raw.dropFirst().dropLast())
                var unescaped = ""
                var isEscaped = false
                for character in raw {
                    if !isEscaped, character == "\\" {
                        isEscaped = true
                    } else {
                        unescaped.append(character)
                        isEscaped = false
                    }
                }
                raw = unescaped
            }
            // The first of a repeated parameter counts.
            if parameters[name] == nil { parameters[name] = raw }
        }
        return (value, parameters)
    }

    /// Where the first delimiter starts: at the very beginning, or at the start of a line after a preamble.
    private static func firstDelimiter(_ delimiter: [UInt8], in body: [UInt8]) -> Int? {
        if body.starts(with: delimiter) { return 0 }
        return Self.search([13, 10] + delimiter, in: body, from: 0).map { $0 + 2 }
    }

    /// The offset of the first `needle` in `haystack` at or after `start`.
    static func search(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count - start >= needle.count else { return nil }
        let last = haystack.count - needle.count
        var index = start
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                while index <= last {
                    if hay[index] == first {
                        var matched = 1
                        while matched < pin.count, hay[index + matched] == pin[matched] { matched += 1 }
                        if matched == pin.count { return index }
                    }
                    index += 1
                }
                return nil
            }
        }
    }
}

/// Why a multipart body could not be read: it is malformed, or cut off.
struct MultipartFormError: Error, Hashable, Sendable, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { self.message }
}
