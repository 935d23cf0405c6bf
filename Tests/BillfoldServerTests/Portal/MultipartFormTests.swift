import Foundation
import Testing

@testable import BillfoldServer

@Suite("Reading a multipart/form-data body")
struct MultipartFormTests {
    /// `parts` as a browser sends them: CRLF lines, each part's headers, a blank line, its bytes.
    static func body(boundary: String, _ parts: [(headers: [String], bytes: [UInt8])], preamble: String = "")
        -> [UInt8]
    {
        var body = Array(preamble.utf8)
        for part in parts {
            body += Array("--\(boundary)\r\n".utf8)
            for header in part.headers { body += Array("\(header)\r\n".utf8) }
            body += Array("\r\n".utf8)
            body += part.bytes
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return body
    }

    static let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

    @Test("fields and files come back by name, a file byte for byte, an empty file input left out")
    func fieldsAndFiles() throws {
        // Bytes a text parser would trip on: CR, LF, NUL, a lone "--", and high bytes.
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x0D, 0x0A, 0x2D, 0x2D, 0xFF, 0x0D]
        let body = Self.body(
            boundary: Self.boundary,
            [
                (["Content-Disposition: form-data; name=\"csrf_token\""], Array("tok-123".utf8)),
                (["Content-Disposition: form-data; name=\"lines\""], Array("0".utf8)),
                (["Content-Disposition: form-data; name=\"lines\""], Array("2".utf8)),
                (["Content-Disposition: form-data; name=\"message\""], Array("Line one\r\nLine two — ₹500".utf8)),
                (
                    [
                        "Content-Disposition: form-data; name=\"attachments\"; filename=\"usage; march \\\"final\\\".png\"",
                        "Content-Type: image/png",
                    ], png
                ),
                (
                    [
                        "content-disposition: form-data; name=\"attachments\"; filename=\"\"",
                        "Content-Type: application/octet-stream",
                    ], []
                ),
            ])
        let form = try MultipartForm(body, boundary: Self.boundary)
        #expect(form.parts.count == 6)
        #expect(form["csrf_token"] == "tok-123")
        #expect(form.all("lines") == ["0", "2"])
        #expect(form["message"] == "Line one\r\nLine two — ₹500")
        let files = form.files("attachments")
        #expect(files.count == 1)
        #expect(files.first?.filename == "usage; march \"final\".png")
        #expect(files.first?.contentType == "image/png")
        #expect(files.first?.bytes == png)
        #expect(form["attachments"] == nil, "a file is not a plain field")
        #expect(form["missing"] == nil)
    }

    @Test("a preamble, transport padding and an empty part are taken; the close delimiter ends the parts")
    func preambleAndPadding() throws {
        var body = Array("This is the preamble.\r\n".utf8)
        body += Array("--b0und\t \r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n".utf8)
        body += Array("--b0und\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n".utf8)
        body += Array("--b0und--\r\nAn epilogue, ignored.\r\n--b0und\r\n".utf8)
        let form = try MultipartForm(body, boundary: "b0und")
        #expect(form.parts.map(\.name) == ["a", "empty"])
        #expect(form["a"] == "x")
        #expect(form["empty"] == "")
    }

    @Test(
        "the boundary comes from a multipart/form-data content type only",
        arguments: [
            ("multipart/form-data; boundary=----WebKitFormBoundaryabc", "----WebKitFormBoundaryabc"),
            ("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"quoted; boundary\"", "quoted; boundary"),
            ("multipart/form-data", nil),
            ("multipart/form-data; boundary=", nil),
            ("multipart/mixed; boundary=abc", nil),
            ("application/x-www-form-urlencoded", nil),
            ("multipart/form-data; boundary=" + String(repeating: "x", count: 71), nil),
        ] as [(String, String?)])
    func boundary(contentType: String, expected: String?) {
        #expect(MultipartForm.boundary(contentType: contentType) == expected)
    }

    @Test(
        "a body cut off, without its boundary or without a part's name is refused, not guessed at",
        arguments: [
            "no boundary at all",
            "--abc\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunfinished",
            "--abc\r\nContent-Disposition: form-data; name=\"a\"",
            "--abc\r\nContent-Type: text/plain\r\n\r\nx\r\n--abc--",
            "--abc\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--abc--",
            "--abcdef\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--abcdef--",
        ])
    func malformed(body: String) {
        #expect(throws: MultipartFormError.self) { try MultipartForm(Array(body.utf8), boundary: "abc") }
    }

    @Test("a boundary-like run inside a file does not end it unless it starts a line")
    func boundaryInsideContent() throws {
        let content = Array("a--abc b\r\n-abc\r\n--ab".utf8)
        let body = Self.body(
            boundary: "abc", [(["Content-Disposition: form-data; name=\"f\"; filename=\"f.txt\""], content)])
        let form = try MultipartForm(body, boundary: "abc")
        #expect(form.files("f").first?.bytes == content)
    }

    @Test("a large file is read whole and quickly")
    func largeFile() throws {
        let content = (0..<(2 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let body = Self.body(
            boundary: Self.boundary,
            [(["Content-Disposition: form-data; name=\"f\"; filename=\"big.bin\""], content)])
        let form = try MultipartForm(body, boundary: Self.boundary)
        #expect(form.files("f").first?.bytes == content)
    }
}
