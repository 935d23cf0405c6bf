/// Metered usage of one service in a billing period: a meter, a resource, and the quantity summed.
public struct ServiceUsage: Hashable, Sendable {
    public var meter: Meter
    public var resourceName: String
    public var quantity: FixedDecimal

    public init(meter: Meter, resourceName: String, quantity: FixedDecimal) {
        self.meter = meter
        self.resourceName = resourceName
        self.quantity = quantity
    }
}

/// The lines of a subscription's invoice for one billing period, each recomputable by hand.
public enum SubscriptionCharges {
    /// Platform fee, seats beyond the included ones, credits beyond the allowance, and one line per
    /// service and price band, for the period `[start, end)`.
    public static func lines(
        plan: Plan, seats: Int, start: CalendarDate, end: CalendarDate, creditsUsed: FixedDecimal,
        usage: [ServiceUsage], gstRateBasisPoints: Int = GSTCalculator.standardRateBasisPoints
    ) throws(MoneyError) -> [InvoiceLine] {
        let last = end.adding(days: -1)
        let currency = plan.currency
        func line(
            _ category: LineCategory, _ resourceType: String, _ resourceName: String, _ description: String,
            quantity: FixedDecimal, unit: String, unitPrice: FixedDecimal, sac: String
        ) throws(MoneyError) -> InvoiceLine {
            try InvoiceLine.priced(
                category: category, resourceType: resourceType, resourceName: resourceName,
                description: description, periodStart: start, periodEnd: last, quantity: quantity, unit: unit,
                unitPrice: unitPrice, currency: currency, sac: sac, gstRateBasisPoints: gstRateBasisPoints)
        }
        var lines: [InvoiceLine] = []
        if plan.platformFee.isPositive {
            lines.append(
                try line(
                    .platformFee, "platform", plan.name, "\(plan.name) plan platform fee", quantity: FixedDecimal(1),
                    unit: plan.interval.rawValue, unitPrice: plan.platformFee.majorUnitDecimal, sac: plan.sac))
        }
        let extraSeats = seats - plan.includedSeats
        if extraSeats > 0, plan.seatPrice.isPositive {
            lines.append(
                try line(
                    .seats, "seat", "Additional seats",
                    "\(extraSeats) \(extraSeats == 1 ? "seat" : "seats") beyond the \(plan.includedSeats) included",
                    quantity: FixedDecimal(Int64(extraSeats)), unit: "seat",
                    unitPrice: plan.seatPrice.majorUnitDecimal, sac: plan.sac))
        }
        let allowance = FixedDecimal(plan.monthlyCredits * Int64(plan.interval.months))
        if creditsUsed > allowance, plan.creditPrice.isPositive {
            lines.append(
                try line(
                    .credits, "credits", "Credits", "\(creditsUsed) credits used, \(allowance) included",
                    quantity: creditsUsed - allowance, unit: "credit", unitPrice: plan.creditPrice.majorUnitDecimal,
                    sac: plan.sac))
        }
        let ordered = usage.sorted { ($0.meter.code, $0.resourceName) < ($1.meter.code, $1.resourceName) }
        for service in ordered {
            let meter = service.meter
            guard meter.currency == currency else {
                throw MoneyError(
                    message:
                        "meter \(meter.code) prices in \(meter.currency.code) but the plan bills in \(currency.code)")
            }
            for portion in try meter.pricing.portions(for: service.quantity, currency: currency) {
                let band = portion.band.map { " (\($0) \(meter.unit))" } ?? ""
                lines.append(
                    try line(
                        .usage, meter.resourceType, service.resourceName,
                        portion.basis == .flatFee ? "\(meter.name) flat fee\(band)" : "\(meter.name)\(band)",
                        quantity: portion.quantity, unit: Self.unit(of: portion, meter: meter),
                        unitPrice: portion.unitPrice, sac: meter.sac))
            }
        }
        return lines
    }

    static func unit(of portion: PricedPortion, meter: Meter) -> String {
        switch portion.basis {
        case .units: return meter.unit
        case .flatFee: return "fee"
        case .packages: return "package"
        }
    }
}
