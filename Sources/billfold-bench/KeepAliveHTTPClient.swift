import Foundation

#if canImport(Darwin)
    import Darwin
#else
    import Glibc
#endif

/// One HTTP/1.1 connection over a blocking socket, kept alive across requests, for timing requests one at a time.
///
/// It spends a few microseconds of its own per request and spawns no process, so the latency it reports is the
/// server's and the loopback's. It understands only what `billfold serve` answers: `Content-Length` or chunked
/// bodies, and `Connection: close`.
final class KeepAliveHTTPClient {
    /// What came back: the status code and the body's bytes.
    struct Response {
        let status: Int
        let body: Data
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let host: String
    private let port: UInt16
    private var descriptor: Int32 = -1
    /// Bytes read but not yet consumed: the start of the next response, or the rest of this one.
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    /// A client of the server at `baseURL`, `http://127.0.0.1:PORT`; it connects on the first request.
    init(baseURL: String) throws {
        guard let components = URLComponents(string: baseURL), components.scheme == "http",
            let host = components.host, let port = components.port.flatMap(UInt16.init(exactly:))
        else { throw Failure(description: "not an http://HOST:PORT URL: \(baseURL)") }
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
    }

    deinit {
        self.disconnect()
    }

    /// Sends `GET path` with `headers` and reads the whole response.
    func get(_ path: String, headers: [String: String] = [:]) throws -> Response {
        if self.descriptor < 0 { try self.openConnection() }
        var request = "GET \(path) HTTP/1.1\r\nHost: \(self.host):\(self.port)\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try self.write(Array(request.utf8))
        return try self.readResponse()
    }

    private func openConnection() throws {
        #if canImport(Darwin)
            let descriptor = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #else
            let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = self.port.bigEndian
        guard inet_pton(AF_INET, self.host, &address.sin_addr) == 1 else {
            close(descriptor)
            throw Failure(description: "\(self.host) is not an IPv4 address")
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            throw Failure(description: "cannot connect to \(self.host):\(self.port): errno \(code)")
        }
        // Requests are small and sent whole: without this, Nagle's algorithm could hold one back.
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
            setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        self.descriptor = descriptor
        self.buffer.removeAll(keepingCapacity: true)
    }

    private func disconnect() {
        if self.descriptor >= 0 { close(self.descriptor) }
        self.descriptor = -1
        self.buffer.removeAll(keepingCapacity: true)
    }

    private func write(_ bytes: [UInt8]) throws {
        #if canImport(Darwin)
            let flags: Int32 = 0
        #else
            let flags = Int32(MSG_NOSIGNAL)
        #endif
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                send(self.descriptor, raw.baseAddress! + sent, raw.count - sent, flags)
            }
            guard count > 0 else {
                let code = errno
                self.disconnect()
                throw Failure(description: "send failed: errno \(code)")
            }
            sent += count
        }
    }

    /// Reads more bytes into the buffer; fails when the server has closed the connection.
    private func fill() throws {
        let descriptor = self.descriptor
        let count = self.chunk.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress!, raw.count, 0) }
        guard count > 0 else {
            let code = errno
            self.disconnect()
            throw Failure(description: count == 0 ? "the server closed the connection" : "recv failed: errno \(code)")
        }
        self.buffer.append(contentsOf: self.chunk[0..<count])
    }

    /// The bytes up to `delimiter`, which is consumed too.
    private func read(through delimiter: [UInt8]) throws -> [UInt8] {
        var searchedUpTo = 0
        while true {
            if let range = self.buffer[searchedUpTo...].firstRange(of: delimiter) {
                let bytes = Array(self.buffer[..<range.lowerBound])
                self.buffer.removeSubrange(..<range.upperBound)
                return bytes
            }
            searchedUpTo = max(0, self.buffer.count - delimiter.count + 1)
            try self.fill()
        }
    }

    private func read(count: Int) throws -> [UInt8] {
        while self.buffer.count < count { try self.fill() }
        let bytes = Array(self.buffer[..<count])
        self.buffer.removeSubrange(..<count)
        return bytes
    }

    private func readResponse() throws -> Response {
        let crlf: [UInt8] = [13, 10]
        let head = String(decoding: try self.read(through: crlf + crlf), as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            self.disconnect()
            throw Failure(description: "not an HTTP/1.1 status line: \(lines[0])")
        }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces).lowercased()
        }
        var body: [UInt8] = []
        if fields["transfer-encoding"]?.contains("chunked") == true {
            while true {
                let sizeLine = String(decoding: try self.read(through: crlf), as: UTF8.self)
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
                    self.disconnect()
                    throw Failure(description: "bad chunk size: \(sizeLine)")
                }
                if size == 0 {
                    _ = try self.read(through: crlf)
                    break
                }
                body += try self.read(count: size)
                _ = try self.read(count: 2)
            }
        } else if let length = fields["content-length"].flatMap({ Int($0) }) {
            body = try self.read(count: length)
        }
        if fields["connection"] == "close" { self.disconnect() }
        return Response(status: status, body: Data(body))
    }
}
