import Foundation

/// One price band of a tiered meter.
package struct PriceTier: Hashable, Sendable {
    /// The last quantity in this band; `nil` for the band that never ends.
    package var upTo: FixedDecimal?
    /// The price of each unit in this band, in major units.
    package var unitPrice: FixedDecimal
    /// A fixed charge for reaching this band, in minor units.
    package var flatFee: Int64

    package init(upTo: FixedDecimal?, unitPrice: FixedDecimal, flatFee: Int64 = 0) {
        self.upTo = upTo
        self.unitPrice = unitPrice
        self.flatFee = flatFee
    }
}

/// How a meter turns a quantity into money.
package enum MeterPricing: Hashable, Sendable {
    /// Every unit at one price.
    case perUnit(unitPrice: FixedDecimal)
    /// Each band's units at that band's price, plus the flat fee of every band reached.
    case graduated(tiers: [PriceTier])
    /// All units at the price of the band the total falls in, plus that band's flat fee.
    case volume(tiers: [PriceTier])
    /// A price per started package of `size` units.
    case package(size: FixedDecimal, price: FixedDecimal)

    /// The model's name in the API: `per_unit`, `graduated`, `volume`, `package`.
    package var model: String {
        switch self {
        case .perUnit: return "per_unit"
        case .graduated: return "graduated"
        case .volume: return "volume"
        case .package: return "package"
        }
    }

    /// Why pricing is not usable, or `nil` when it is.
    package var problem: String? {
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

    /// The charge for `quantity` units: the sum of its portions, each rounded once to minor units.
    ///
    /// Pricing whose `problem` is not `nil` charges nothing rather than guess.
    package func amount(for quantity: FixedDecimal, currency: Currency) throws(MoneyError) -> Money {
        var total: Int64 = 0
        for portion in try self.portions(for: quantity, currency: currency) {
            let amount = try Money.amount(quantity: portion.quantity, unitPrice: portion.unitPrice, currency: currency)
            let (sum, overflow) = total.addingReportingOverflow(amount.minorUnits)
            guard !overflow else { throw .overflow }
            total = sum
        }
        return Money(minorUnits: total, currency: currency)
    }

    /// How `quantity` is charged, one invoice line each: a band of a tier, a flat fee, packages.
    package func portions(for quantity: FixedDecimal, currency: Currency) throws(MoneyError) -> [PricedPortion] {
        guard self.problem == nil, quantity.isPositive else { return [] }
        switch self {
        case .perUnit(let price):
            return [PricedPortion(quantity: quantity, unitPrice: price, band: nil)]
        case .graduated(let tiers):
            var portions: [PricedPortion] = []
            var lowerBound = FixedDecimal.zero
            for tier in tiers where quantity > lowerBound {
                let upper = tier.upTo.map { Swift.min($0, quantity) } ?? quantity
                let band = tier.upTo.map { "\(lowerBound)–\($0)" } ?? "above \(lowerBound)"
                portions.append(PricedPortion(quantity: upper - lowerBound, unitPrice: tier.unitPrice, band: band))
                if tier.flatFee > 0 { portions.append(try .flatFee(tier.flatFee, band: band, currency: currency)) }
                lowerBound = tier.upTo ?? quantity
            }
            return portions
        case .volume(let tiers):
            let index = tiers.firstIndex { $0.upTo.map { quantity <= $0 } ?? true } ?? tiers.count - 1
            let tier = tiers[index]
            let lowerBound = index == 0 ? FixedDecimal.zero : tiers[index - 1].upTo ?? .zero
            let band = tier.upTo.map { "\(lowerBound)–\($0)" } ?? "above \(lowerBound)"
            var portions = [PricedPortion(quantity: quantity, unitPrice: tier.unitPrice, band: band)]
            if tier.flatFee > 0 { portions.append(try .flatFee(tier.flatFee, band: band, currency: currency)) }
            return portions
        case .package(let size, let price):
            let (scaled, overflow) = Self.packages(quantity, size: size).multipliedReportingOverflow(
                by: FixedDecimal.scale)
            guard !overflow else { throw .overflow }
            return [
                PricedPortion(
                    quantity: FixedDecimal(scaledValue: scaled), unitPrice: price, band: "packages of \(size)",
                    basis: .packages)
            ]
        }
    }

    /// Packages started: `ceil(quantity / size)`, none for no usage.
    static func packages(_ quantity: FixedDecimal, size: FixedDecimal) -> Int64 {
        guard quantity.isPositive else { return 0 }
        let quantity = Int128(quantity.scaledValue)
        let size = Int128(size.scaledValue)
        return Int64((quantity + size - 1) / size)
    }
}

/// A part of a metered charge: `quantity` at `unitPrice`, in a price band or as a flat fee.
package struct PricedPortion: Hashable, Sendable {
    package var quantity: FixedDecimal
    package var unitPrice: FixedDecimal
    /// The band it falls in, `"0–1000"`, `"above 1000"`, or `nil` for a single price.
    package var band: String?
    /// What `quantity` counts.
    package var basis: Basis

    /// What a portion's quantity counts: metered units, a tier's flat fee (once), or packages started.
    package enum Basis: Hashable, Sendable {
        case units
        case flatFee
        case packages
    }

    package init(quantity: FixedDecimal, unitPrice: FixedDecimal, band: String?, basis: Basis = .units) {
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.band = band
        self.basis = basis
    }

    static func flatFee(_ minorUnits: Int64, band: String, currency: Currency) throws(MoneyError) -> PricedPortion {
        let scale = FixedDecimal.scale / currency.minorUnitsPerMajorUnit
        let (price, overflow) = minorUnits.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw .overflow }
        return PricedPortion(
            quantity: FixedDecimal(1), unitPrice: FixedDecimal(scaledValue: price), band: band, basis: .flatFee)
    }
}

/// What a meter's tiers, volume bands and packages are applied to.
package enum MeterAggregation: String, Hashable, Sendable, CaseIterable {
    /// The workspace's total usage of the meter in the period, shared among its resources: two volumes of 60 GB
    /// are priced as 120 GB.
    case perMeter = "per_meter"
    /// Each resource's usage on its own: two volumes of 60 GB are priced as 60 GB twice.
    case perResource = "per_resource"
}

/// A billable resource type and its price: pods by the vCPU-hour, storage by the GB-month.
package struct Meter: Hashable, Sendable, Identifiable {
    package typealias ID = MeterID

    package let id: ID
    /// The code usage records name: `pod-vcpu-hours`.
    package var code: String
    package var name: String
    /// `pod`, `vm`, `storage`, `network`, `managed_database`, …
    package var resourceType: String
    package var unit: String
    package var sac: String
    package var currency: Currency
    package var pricing: MeterPricing
    /// Whether `pricing` sees the meter's total for the period or each resource's usage on its own.
    package var aggregation: MeterAggregation
    package let createdAt: Date

    package init(
        id: ID, code: String, name: String, resourceType: String, unit: String, sac: String, currency: Currency,
        pricing: MeterPricing, aggregation: MeterAggregation = .perMeter, createdAt: Date
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.resourceType = resourceType
        self.unit = unit
        self.sac = sac
        self.currency = currency
        self.pricing = pricing
        self.aggregation = aggregation
        self.createdAt = createdAt
    }
}

/// What a workspace used of a meter, reported by the platform; `eventID` makes reporting it twice harmless.
package struct UsageRecord: Hashable, Sendable, Identifiable {
    package typealias ID = UsageRecordID

    package let id: ID
    package var workspaceID: WorkspaceID
    /// Chosen by the platform, unique per workspace.
    package var eventID: String
    package var meterCode: String
    package var resourceName: String
    package var quantity: FixedDecimal
    package var startedAt: Date
    package var endedAt: Date
    package let createdAt: Date

    package init(
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
