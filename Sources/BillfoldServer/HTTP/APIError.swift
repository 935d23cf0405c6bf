import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird
import NIOCore

/// An error as the API reports it: `{"error": {"type", "code", "message", "param"}}` with a 4xx status.
struct APIError: HTTPResponseError {
    enum Kind: String, Encodable {
        case invalidRequest = "invalid_request_error"
        case authentication = "authentication_error"
        case permission = "permission_error"
        case notFound = "not_found_error"
        case conflict = "conflict_error"
        case rateLimit = "rate_limit_error"
        case internalError = "api_error"
    }

    /// One invalid item of a batch: its index, the field, and what is wrong.
    struct ItemError: Encodable, Sendable {
        let index: Int
        let param: String
        let message: String
    }

    let status: HTTPResponse.Status
    let kind: Kind
    let code: String
    let message: String
    let param: String?
    /// Every invalid item, for a batch refused as a whole.
    let errors: [ItemError]?
    /// Seconds to wait before trying again, sent as `Retry-After`.
    let retryAfter: Int?

    init(
        _ status: HTTPResponse.Status, _ kind: Kind, code: String, message: String, param: String? = nil,
        errors: [ItemError]? = nil, retryAfter: Int? = nil
    ) {
        self.status = status
        self.kind = kind
        self.code = code
        self.message = message
        self.param = param
        self.errors = errors
        self.retryAfter = retryAfter
    }

    /// What to do when online payment is off, for payers and for the operator.
    static let otherWaysToPay =
        "Pay from the workspace's wallet (method wallet) or by bank transfer, which the operator records "
        + "(method bank_transfer). The operator turns online payment on by starting billfold serve with "
        + "BILLFOLD_RAZORPAY_KEY_ID, BILLFOLD_RAZORPAY_KEY_SECRET and BILLFOLD_RAZORPAY_WEBHOOK_SECRET set."

    static func malformedJSON(_ message: String) -> APIError {
        APIError(.badRequest, .invalidRequest, code: "malformed_json", message: message)
    }

    static func invalid(_ param: String, _ message: String, code: String = "invalid_field") -> APIError {
        APIError(.unprocessableContent, .invalidRequest, code: code, message: message, param: param)
    }

    static func missing(_ param: String) -> APIError {
        APIError(
            .unprocessableContent, .invalidRequest, code: "missing_field", message: "\(param) is required",
            param: param)
    }

    /// A draft has no number yet, so it has no PDF and does not print.
    static func notFinalized(_ id: String, param: String = "id") -> APIError {
        APIError(
            .conflict, .conflict, code: "invoice_not_finalized",
            message: "\(id) is a draft; only finalized documents have a PDF or print", param: param)
    }

    /// `to` before `from` in a date range.
    static func backwards(from: CalendarDate, to: CalendarDate) -> APIError {
        APIError.invalid("to", "to (\(to)) is before from (\(from))")
    }

    static func notFound(_ what: String, id: String, param: String = "id") -> APIError {
        APIError(.notFound, .notFound, code: "resource_missing", message: "no \(what) with id \(id)", param: param)
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            let type: String
            let code: String
            let message: String
            let param: String?
            let errors: [ItemError]?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(self.type, forKey: .type)
                try container.encode(self.code, forKey: .code)
                try container.encode(self.message, forKey: .message)
                try container.encode(self.param, forKey: .param)
                try container.encodeIfPresent(self.errors, forKey: .errors)
            }

            enum CodingKeys: String, CodingKey {
                case type, code, message, param, errors
            }
        }

        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            error: .init(
                type: self.kind.rawValue, code: self.code, message: self.message, param: self.param,
                errors: self.errors))
        var response = try JSONCoding.response(body, status: self.status)
        if self.status == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer realm=\"billfold\""
        }
        if let retryAfter = self.retryAfter {
            response.headers[.retryAfter] = String(retryAfter)
        }
        return response
    }
}

/// Turns every error into the API's JSON shape; anything not foreseen is a 500 and is logged as a bug.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error)
            if apiError.status.code >= 500 {
                context.logger.error("unhandled error: \(String(reflecting: error))")
            }
            return try apiError.response(from: request, context: context)
        }
    }

    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as EngineError:
            switch error.code {
            case .notFound:
                return APIError(
                    .notFound, .notFound, code: "resource_missing", message: error.message, param: error.param)
            case .invalidState: return APIError(.conflict, .conflict, code: "invalid_state", message: error.message)
            case .invalidAmount:
                return APIError(
                    .unprocessableContent, .invalidRequest, code: "invalid_amount", message: error.message,
                    param: error.param)
            case .deadlinePassed:
                return APIError(
                    .unprocessableContent, .invalidRequest, code: error.code.rawValue, message: error.message,
                    param: error.param)
            case .missingSupplier:
                return APIError(.conflict, .conflict, code: "missing_supplier", message: error.message)
            case .masterKeyNotConfigured:
                // The server's configuration, not the request, stands in the way.
                return APIError(.conflict, .conflict, code: error.code.rawValue, message: error.message)
            case .invalidRequest:
                return APIError(.unprocessableContent, .invalidRequest, code: "invalid_request", message: error.message)
            case .invalidField:
                return APIError(
                    .unprocessableContent, .invalidRequest, code: "invalid_field", message: error.message,
                    param: error.param)
            case .duplicateCode, .alreadySubscribed:
                return APIError(
                    .conflict, .conflict, code: error.code.rawValue, message: error.message, param: error.param)
            case .invalidRecords:
                let items = error.problems.map {
                    APIError.ItemError(index: $0.index, param: "records[\($0.index)].\($0.field)", message: $0.message)
                }
                return APIError(
                    .unprocessableContent, .invalidRequest, code: "invalid_records", message: error.message,
                    param: items.first?.param, errors: Array(items.prefix(100)))
            case .invalidSignature:
                return APIError(.badRequest, .invalidRequest, code: "invalid_signature", message: error.message)
            case .gatewayRefused:
                return APIError(.unprocessableContent, .invalidRequest, code: "gateway_refused", message: error.message)
            case .onlinePaymentsNotConfigured:
                // The server's configuration, not the request, stands in the way: a conflict, with the ways that do
                // work and how the operator turns online payment on.
                return APIError(
                    .conflict, .conflict, code: "online_payments_not_configured",
                    message: error.message.prefix(1).uppercased() + error.message.dropFirst() + ". "
                        + APIError.otherWaysToPay)
            case .gatewayUnavailable:
                // The gateway's outage, not the request's fault: say so, and when to come back.
                return APIError(
                    .serviceUnavailable, .internalError, code: "gateway_unavailable", message: error.message,
                    retryAfter: 30)
            }
        case let error as SignInError:
            switch error.code {
            case .invalidCredentials, .invalidPortalToken, .invalidSession:
                return APIError(.unauthorized, .authentication, code: error.code.rawValue, message: error.message)
            case .workspaceRequired:
                return APIError(
                    .unprocessableContent, .invalidRequest, code: error.code.rawValue, message: error.message,
                    param: "workspace_id")
            case .throttled:
                return APIError(
                    .tooManyRequests, .rateLimit, code: error.code.rawValue, message: error.message,
                    retryAfter: error.retryAfter)
            }
        case let error as InvoiceTransitionError where error.code == .invalidTransition:
            return APIError(.conflict, .conflict, code: error.code.rawValue, message: error.message)
        case let error as InvoiceTransitionError:
            return APIError(.unprocessableContent, .invalidRequest, code: error.code.rawValue, message: error.message)
        case let error as MoneyError:
            return APIError(.unprocessableContent, .invalidRequest, code: "amount_out_of_range", message: error.message)
        case let error as InvoiceNumberError:
            return APIError(.conflict, .conflict, code: "number_series_exhausted", message: error.message)
        case let error as StoreError where error.code == .duplicate:
            return APIError(.conflict, .conflict, code: "duplicate", message: error.message)
        case let error as StoreError where error.code == .notFound:
            return APIError(.notFound, .notFound, code: "resource_missing", message: error.message)
        case let error as HTTPError:
            return Self.apiError(for: error)
        case is NIOTooManyBytesError:
            return APIError(
                .contentTooLarge, .invalidRequest, code: "body_too_large",
                message: "The request body is larger than this route takes; send less")
        default:
            return APIError(
                .internalServerError, .internalError, code: "internal_error",
                message: "Billfold could not complete the request; the error is logged.")
        }
    }

    private static func apiError(for error: HTTPError) -> APIError {
        let message = error.body ?? error.status.reasonPhrase
        switch error.status {
        case .notFound:
            return APIError(.notFound, .notFound, code: "route_not_found", message: "no such route")
        case .contentTooLarge:
            return APIError(.contentTooLarge, .invalidRequest, code: "body_too_large", message: message)
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, .invalidRequest, code: "method_not_allowed", message: message)
        case .unauthorized:
            return APIError(.unauthorized, .authentication, code: "unauthorized", message: message)
        default:
            let kind: APIError.Kind = error.status.code >= 500 ? .internalError : .invalidRequest
            return APIError(error.status, kind, code: "http_\(error.status.code)", message: message)
        }
    }
}

extension APIError {
    /// The refusal when online payment is off and something arrives that only a gateway would send.
    static func onlinePaymentsNotConfigured(_ what: String) -> APIError {
        APIError(
            .conflict, .conflict, code: "online_payments_not_configured",
            message: "Online payment is off on this server, so \(what) has nothing to act on and nothing was "
                + "changed. If payments should go through Razorpay, the operator starts billfold serve with "
                + "BILLFOLD_RAZORPAY_KEY_ID, BILLFOLD_RAZORPAY_KEY_SECRET and BILLFOLD_RAZORPAY_WEBHOOK_SECRET set.")
    }
}
