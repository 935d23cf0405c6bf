import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird
import NIOCore

/// Refuses a portal form posted without the token its page was served with. Requests with an `Authorization`
/// header are exempt: a browser never adds one on its own, so they cannot be forged cross-site. A form that carries
/// files (`multipart/form-data`) sends its token as one of its parts.
struct PortalCSRF: RouterMiddleware {
    typealias Context = BillfoldRequestContext

    /// The field every portal form carries its token in.
    static let field = "csrf_token"
    /// The cookie that holds the sign-in form's random value before there is a session.
    static let cookieName = "billfold_form"

    let tokens: FormTokens
    let pages: PortalPages
    /// The largest body read: a portal form is small, but the routes that take files allow more.
    var maximumBodySize = 1 << 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .post, request.headers[.authorization] == nil else {
            return try await next(request, context)
        }
        var request = request
        let boundary = MultipartForm.boundary(contentType: request.headers[.contentType])
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: self.maximumBodySize)
        } catch is NIOTooManyBytesError {
            return try await self.tooLarge(request, isMultipart: boundary != nil, context: context)
        }
        let sent: String?
        if let boundary {
            sent = (try? MultipartForm(body.readableBytesView, boundary: boundary))?[Self.field]
        } else {
            sent = PortalForm(String(buffer: body))[Self.field]
        }
        let expected: String?
        if case .member(let session, _) = context.caller {
            expected = try await self.tokens.token(for: session.id)
        } else if let nonce = request.cookies[Self.cookieName]?.value, !nonce.isEmpty {
            expected = try await self.tokens.token(forNonce: nonce)
        } else {
            expected = nil
        }
        guard let expected, FormTokens.matches(sent, expected) else {
            return try await self.pages.csrfError(context: context)
        }
        return try await next(request, context)
    }

    /// The page for a body larger than the route reads, with nothing changed: a file form (the only kind sent as
    /// multipart) shows itself again at the address it posts to.
    private func tooLarge(_ request: Request, isMultipart: Bool, context: Context) async throws -> Response {
        guard isMultipart else {
            return try await self.pages.message(
                "The form is too large", "The form sent more than a portal form carries, so nothing was changed.",
                testID: "error", status: .contentTooLarge, link: ("/portal", "Dashboard"), context: context)
        }
        return try await self.pages.message(
            "The files are too large",
            "Together the files come to more than this form can carry, so nothing was sent. Attach at most "
                + "\(DisputeAttachment.maximumCount) files of 2 MB each, then send the form again.",
            testID: "error", status: .contentTooLarge, link: (request.uri.path, "Back to the form"), context: context)
    }
}
