import Foundation

/// One price band of a tiered meter.
public struct PriceTier: Hashable, Sendable {
    /// The last quantity in this band; `nil` for the band that never ends.
    public var upTo: FixedDecimal?
    /// The price of each unit in this band, in major units.
    public var unitPrice: FixedDecimal
    /// A fixed charge for reaching this band, in minor units.
    public var flatFee: Int64

    public init(upTo: FixedDecimal?, unitPrice: FixedDecimal, flatFee: Int64 = 0) {
        self.upTo = upTo
        self.unitPrice = unitPrice
        self.flatFee = flatFee
    }
}

/// How a meter turns a quantity into money.
public enum MeterPricing: Hashable, Sendable {
    /// Every unit at one price.
    case perUnit(unitPrice: FixedDecimal)
    /// Each band's units at that band's price, plus the flat fee of every band reached.
    case graduated(tiers: [PriceTier])
    /// All units at the price of the band the total falls in, plus that band's flat fee.
    case volume(tiers: [PriceTier])
    /// A price per started package of `size` units.
    case package(size: FixedDecimal, price: FixedDecimal)

    /// The model's name in the API: `per_unit`, `graduated`, `volume`, `package`.
    public var model: String {
        switch self {
        case .perUnit: return "per_unit"
        case .graduated: return "graduated"
        case .volume: return "volume"
        case .package: return "package"
        }
    }

    /// Why pricing is not usable, or `nil` when it is.
    public var problem: String? {
        switch self {
        case .perUnit(let price):
            return price.isNegative ? "unit_price must not be negative" : nil
        case .graduated(let tiers), .volume(let tiers):
            guard !tiers.isEmpty else { return "tiers must not be empty" }
            for (index, tier) in tiers.enumerated() {
                if tier.unitPrice.isNegative || tier.flatFee < 0 {
                    return "tiers[\(index)] must not have a negative price or fee"
                }
                let isLast = index == tiers.count - 1
                if isLast != (tier.upTo == nil) {
                    return "only the last tier, and it alone, has no up_to"
                }
                if index > 0, let previous = tiers[index - 1].upTo, let upTo = tier.upTo, upTo <= previous {
                    return "tiers[\(index)].up_to must be above the tier before it"
                }
                if let upTo = tier.upTo, !upTo.isPositive { return "tiers[\(index)].up_to must be positive" }
            }
            return nil
        case .package(let size, let price):
            if !size.isPositive { return "package_size must be positive" }
            return price.isNegative ? "unit_price must not be negative" : nil
        }
    }

    /// The charge for `quantity` units, rounded once to minor units.
    ///
    /// Pricing whose `problem` is not `nil` charges nothing rather than guess.
    public func amount(for quantity: FixedDecimal, currency: Currency) throws(MoneyError) -> Money {
        guard self.problem == nil else { return .zero(currency) }
        // Work in units of 10^-12 major units (quantity scale × price scale); round once at the end.
        var exact = CheckedAmount()
        switch self {
        case .perUnit(let price):
            try exact.add(quantity, times: price)
        case .graduated(let tiers):
            var lowerBound = FixedDecimal.zero
            for tier in tiers where quantity > lowerBound {
                let upper = tier.upTo.map { Swift.min($0, quantity) } ?? quantity
                try exact.add(upper - lowerBound, times: tier.unitPrice)
                try exact.add(fee: tier.flatFee, currency: currency)
                lowerBound = tier.upTo ?? quantity
            }
        case .volume(let tiers):
            let tier = tiers.first { $0.upTo.map { quantity <= $0 } ?? true } ?? tiers[tiers.count - 1]
            try exact.add(quantity, times: tier.unitPrice)
            if quantity.isPositive { try exact.add(fee: tier.flatFee, currency: currency) }
        case .package(let size, let price):
            let packages = Self.packages(quantity, size: size)
            try exact.add(packages: packages, times: price)
        }
        let (scaled, overflow) = exact.value.multipliedReportingOverflow(by: Int128(currency.minorUnitsPerMajorUnit))
        guard !overflow else { throw .overflow }
        let scale = Int128(FixedDecimal.scale) * Int128(FixedDecimal.scale)
        guard let value = Int64(exactly: Rounding.divideRoundingHalfAwayFromZero(scaled, by: scale)) else {
            throw .overflow
        }
        return Money(minorUnits: value, currency: currency)
    }

    /// Packages started: `ceil(quantity / size)`, none for no usage.
    static func packages(_ quantity: FixedDecimal, size: FixedDecimal) -> Int128 {
        guard quantity.isPositive else { return 0 }
        let quantity = Int128(quantity.scaledValue)
        let size = Int128(size.scaledValue)
        return (quantity + size - 1) / size
    }
}

/// A running sum on the 10^-12 major-unit scale that reports overflow instead of trapping.
private struct CheckedAmount {
    var value: Int128 = 0

    mutating func add(_ quantity: FixedDecimal, times price: FixedDecimal) throws(MoneyError) {
        // Two Int64 factors always fit in Int128; only the sum can overflow.
        try self.add(Int128(quantity.scaledValue) * Int128(price.scaledValue))
    }

    mutating func add(packages: Int128, times price: FixedDecimal) throws(MoneyError) {
        let (perPackage, overflowScale) = Int128(price.scaledValue).multipliedReportingOverflow(
            by: Int128(FixedDecimal.scale))
        let (product, overflowProduct) = perPackage.multipliedReportingOverflow(by: packages)
        guard !overflowScale, !overflowProduct else { throw .overflow }
        try self.add(product)
    }

    mutating func add(fee minorUnits: Int64, currency: Currency) throws(MoneyError) {
        let scale = Int128(FixedDecimal.scale) * Int128(FixedDecimal.scale) / Int128(currency.minorUnitsPerMajorUnit)
        try self.add(Int128(minorUnits) * scale)
    }

    private mutating func add(_ term: Int128) throws(MoneyError) {
        let (sum, overflow) = self.value.addingReportingOverflow(term)
        guard !overflow else { throw .overflow }
        self.value = sum
    }
}

/// A billable resource type and its price: pods by the vCPU-hour, storage by the GB-month.
public struct Meter: Hashable, Sendable, Identifiable {
    public typealias ID = MeterID

    public let id: ID
    /// The code usage records name: `pod-vcpu-hours`.
    public var code: String
    public var name: String
    /// `pod`, `vm`, `storage`, `network`, `managed_database`, …
    public var resourceType: String
    public var unit: String
    public var sac: String
    public var currency: Currency
    public var pricing: MeterPricing
    public let createdAt: Date

    public init(
        id: ID, code: String, name: String, resourceType: String, unit: String, sac: String, currency: Currency,
        pricing: MeterPricing, createdAt: Date
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.resourceType = resourceType
        self.unit = unit
        self.sac = sac
        self.currency = currency
        self.pricing = pricing
        self.createdAt = createdAt
    }
}

/// What a workspace used of a meter, reported by the platform; `eventID` makes reporting it twice harmless.
public struct UsageRecord: Hashable, Sendable, Identifiable {
    public typealias ID = UsageRecordID

    public let id: ID
    public var workspaceID: WorkspaceID
    /// Chosen by the platform, unique per workspace.
    public var eventID: String
    public var meterCode: String
    public var resourceName: String
    public var quantity: FixedDecimal
    public var startedAt: Date
    public var endedAt: Date
    public let createdAt: Date

    public init(
        id: ID, workspaceID: WorkspaceID, eventID: String, meterCode: String, resourceName: String,
        quantity: FixedDecimal, startedAt: Date, endedAt: Date, createdAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.eventID = eventID
        self.meterCode = meterCode
        self.resourceName = resourceName
        self.quantity = quantity
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.createdAt = createdAt
    }
}
