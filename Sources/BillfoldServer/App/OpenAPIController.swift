import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of the API, as kept in the repository (`Resources/openapi.json`).
struct OpenAPIController {
    func addRoutes(to router: Router<BillfoldRequestContext>) {
        router.get("openapi.json", use: self.get)
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        guard let document = BundledResources.openAPIDocument else {
            throw APIError(
                .internalServerError, .internalError, code: "openapi_missing",
                message: "this build of Billfold was made without its OpenAPI document")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: document))
    }
}
