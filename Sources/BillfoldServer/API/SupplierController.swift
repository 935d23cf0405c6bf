import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/supplier`: the platform's own name, GSTIN and address, printed on every document it issues.
struct SupplierController {
    let database: Database
    let supplier: SupplierService

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.get("supplier", use: self.get)
        group.put("supplier", use: self.put)
    }

    struct SupplierBody: Decodable {
        var name: String?
        var legalName: String?
        var email: String?
        var gstin: String?
        var address: WorkspacesController.AddressBody?
        var letterOfUndertaking: String?
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        guard let supplier = try await self.database.store.supplier.find() else {
            throw APIError(
                .notFound, .notFound, code: "resource_missing",
                message: "no supplier is configured yet; set it with PUT /api/v1/supplier")
        }
        return try JSONCoding.response(SupplierResponse(supplier))
    }

    @Sendable func put(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(SupplierBody.self, from: request, context: context)
        let name = try Validate.text(body.name, param: "name")
        let email = try Validate.email(body.email, param: "email")
        guard let addressBody = body.address else { throw APIError.missing("address") }
        let address = try Validate.address(addressBody)
        try SupplierService.checkAddress(address)
        guard let gstinText = body.gstin else { throw APIError.missing("gstin") }
        let gstin = try Validate.gstin(gstinText, for: address)
        let supplier = Supplier(
            name: name, legalName: try body.legalName.map { try Validate.text($0, param: "legal_name") } ?? name,
            email: email, gstin: gstin, address: address,
            letterOfUndertaking: try body.letterOfUndertaking.map {
                try Validate.text($0, param: "letter_of_undertaking", maximumLength: 40)
            })
        return try JSONCoding.response(SupplierResponse(try await self.supplier.save(supplier, actor: context.actor)))
    }
}

/// The supplier as the API shows it.
struct SupplierResponse: Encodable {
    let object = "supplier"
    let name: String
    let legalName: String
    let email: String
    let gstin: String
    let stateCode: String
    let address: WorkspaceResponse.AddressResponse
    let letterOfUndertaking: String?

    init(_ supplier: Supplier) {
        self.name = supplier.name
        self.legalName = supplier.legalName
        self.email = supplier.email
        self.gstin = supplier.gstin.value
        self.stateCode = supplier.state.code
        self.address = WorkspaceResponse.AddressResponse(supplier.address)
        self.letterOfUndertaking = supplier.letterOfUndertaking
    }

    private enum CodingKeys: String, CodingKey {
        case object, name, legalName, email, gstin, stateCode, address, letterOfUndertaking
    }
}
