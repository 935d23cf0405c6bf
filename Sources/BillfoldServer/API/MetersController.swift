import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/meters`: billable resource types and their pricing.
struct MetersController {
    let database: Database
    let clock: BillingClock
    let catalog: CatalogService

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("meters", use: self.create)
        group.get("meters", use: self.list)
    }

    struct TierBody: Decodable {
        var upTo: String?
        var unitPrice: String?
        var flatFee: Int64?
    }

    struct PricingBody: Decodable {
        var model: String?
        var unitPrice: String?
        var packageSize: String?
        var tiers: [TierBody]?
    }

    struct CreateBody: Decodable {
        var code: String?
        var name: String?
        var resourceType: String?
        var unit: String?
        var sac: String?
        var currency: String?
        var pricing: PricingBody?
        var aggregation: String?
    }

    @Sendable func create(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(CreateBody.self, from: request, context: context)
        let meter = Meter(
            id: .generate(), code: try Validate.code(body.code, param: "code"),
            name: try Validate.text(body.name, param: "name"),
            resourceType: try Validate.code(body.resourceType, param: "resource_type"),
            unit: try Validate.text(body.unit, param: "unit", maximumLength: 40),
            sac: try Validate.sac(body.sac ?? Plan.defaultSAC),
            currency: try Validate.currency(body.currency ?? "INR", param: "currency"),
            pricing: try Self.pricing(body.pricing),
            aggregation: try Validate.enumeration(
                body.aggregation ?? MeterAggregation.perMeter.rawValue, param: "aggregation"),
            createdAt: self.clock.now)
        return try JSONCoding.response(
            MeterResponse(try await self.catalog.create(meter, actor: context.actor)), status: .created)
    }

    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let meters = try await self.database.store.meters.list()
        return try JSONCoding.response(ListResponse(data: meters.map(MeterResponse.init), hasMore: false))
    }

    static func pricing(_ body: PricingBody?) throws -> MeterPricing {
        guard let body else { throw APIError.missing("pricing") }
        func decimal(_ text: String?, _ param: String) throws -> FixedDecimal {
            guard let text else { throw APIError.missing(param) }
            return try Validate.decimal(text, param: param)
        }
        func tiers() throws -> [PriceTier] {
            guard let tiers = body.tiers else { throw APIError.missing("pricing.tiers") }
            guard tiers.count <= 50 else { throw APIError.invalid("pricing.tiers", "at most 50 tiers") }
            return try tiers.enumerated().map { index, tier in
                let param = "pricing.tiers[\(index)]"
                return PriceTier(
                    upTo: try tier.upTo.map { try Validate.decimal($0, param: "\(param).up_to") },
                    unitPrice: try decimal(tier.unitPrice, "\(param).unit_price"),
                    flatFee: try Validate.amount(tier.flatFee ?? 0, param: "\(param).flat_fee"))
            }
        }
        let pricing: MeterPricing
        switch body.model {
        case "per_unit": pricing = .perUnit(unitPrice: try decimal(body.unitPrice, "pricing.unit_price"))
        case "graduated": pricing = .graduated(tiers: try tiers())
        case "volume": pricing = .volume(tiers: try tiers())
        case "package":
            pricing = .package(
                size: try decimal(body.packageSize, "pricing.package_size"),
                price: try decimal(body.unitPrice, "pricing.unit_price"))
        case nil: throw APIError.missing("pricing.model")
        default:
            throw APIError.invalid("pricing.model", "pricing.model must be one of per_unit, graduated, volume, package")
        }
        try CatalogService.checkPricing(pricing)
        return pricing
    }
}

/// A meter as the API shows it; decimals as exact strings.
struct MeterResponse: Encodable {
    struct TierResponse: Encodable {
        let upTo: String?
        let unitPrice: String
        let flatFee: Int64
    }

    struct PricingResponse: Encodable {
        let model: String
        let unitPrice: String?
        let packageSize: String?
        let tiers: [TierResponse]?
    }

    let object = "meter"
    let id: String
    let code: String
    let name: String
    let resourceType: String
    let unit: String
    let sac: String
    let currency: String
    let pricing: PricingResponse
    let aggregation: String
    let createdAt: String

    init(_ meter: Meter) {
        self.id = meter.id.rawValue
        self.code = meter.code
        self.name = meter.name
        self.resourceType = meter.resourceType
        self.unit = meter.unit
        self.sac = meter.sac
        self.currency = meter.currency.code
        self.aggregation = meter.aggregation.rawValue
        self.createdAt = Timestamp.string(meter.createdAt)
        switch meter.pricing {
        case .perUnit(let price):
            self.pricing = PricingResponse(
                model: "per_unit", unitPrice: price.description, packageSize: nil, tiers: nil)
        case .graduated(let tiers), .volume(let tiers):
            self.pricing = PricingResponse(
                model: meter.pricing.model, unitPrice: nil, packageSize: nil,
                tiers: tiers.map {
                    TierResponse(upTo: $0.upTo?.description, unitPrice: $0.unitPrice.description, flatFee: $0.flatFee)
                })
        case .package(let size, let price):
            self.pricing = PricingResponse(
                model: "package", unitPrice: price.description, packageSize: size.description, tiers: nil)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case object, id, code, name, resourceType, unit, sac, currency, pricing, aggregation, createdAt
    }
}
