/// Metered usage of one service in a billing period: a meter, a resource, and the quantity summed.
package struct ServiceUsage: Hashable, Sendable {
    package var meter: Meter
    package var resourceName: String
    package var quantity: FixedDecimal

    package init(meter: Meter, resourceName: String, quantity: FixedDecimal) {
        self.meter = meter
        self.resourceName = resourceName
        self.quantity = quantity
    }
}

/// The lines of a subscription's invoice for one billing period, each recomputable by hand.
package enum SubscriptionCharges {
    /// Platform fee, seats beyond the included ones, credits beyond the allowance, and one line per
    /// service and price band, for the period `[start, end)`.
    ///
    /// `plan` and `seats` are the terms in force at the period's end; `changes` are the period's changes of
    /// plan or seats, oldest first. The fixed fees are charged for the whole period on the terms in force on its
    /// first day, and each later change adds a credit for the unused part of the old terms and a charge for the
    /// new ones, by the day. Credits are counted against the allowance of the plan in force at the end.
    ///
    /// A meter's usage is priced on the total of all its resources unless the meter is `perResource`: one
    /// resource's lines are its price bands, flat fees or packages, and several resources get a line each with
    /// its share of the meter's charge (`sharedLines`).
    package static func lines(
        plan: Plan, seats: Int, start: CalendarDate, end: CalendarDate, creditsUsed: FixedDecimal,
        usage: [ServiceUsage], changes: [PricedChange] = [],
        gstRateBasisPoints: Int = GSTCalculator.standardRateBasisPoints
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
        var base = changes.first?.from ?? PlanTerms(plan: plan, seats: seats)
        for change in changes where change.effectiveDate <= start {
            base = change.to
        }
        var lines = try Self.fixedFees(
            for: base, from: start, start: start, end: end, proration: nil, gstRateBasisPoints: gstRateBasisPoints)
        for change in changes where change.effectiveDate > start {
            lines += try Self.prorationLines(
                for: change, start: start, end: end, gstRateBasisPoints: gstRateBasisPoints)
        }
        let allowance = FixedDecimal(plan.monthlyCredits * Int64(plan.interval.months))
        if creditsUsed > allowance, plan.creditPrice.isPositive {
            lines.append(
                try line(
                    .credits, "credits", "Credits", "\(creditsUsed) credits used, \(allowance) included",
                    quantity: creditsUsed - allowance, unit: "credit", unitPrice: plan.creditPrice.majorUnitDecimal,
                    sac: plan.sac))
        }
        let byMeter = Dictionary(grouping: usage) { $0.meter.code }
        for code in byMeter.keys.sorted() {
            let services = (byMeter[code] ?? []).sorted { $0.resourceName < $1.resourceName }
            guard let meter = services.first?.meter else { continue }
            guard meter.currency == currency else {
                throw MoneyError(
                    message:
                        "meter \(meter.code) prices in \(meter.currency.code) but the plan bills in \(currency.code)")
            }
            let used = services.filter { $0.quantity.isPositive }
            if meter.aggregation == .perMeter, used.count > 1 {
                lines += try Self.sharedLines(
                    of: meter, usage: used, start: start, last: last, gstRateBasisPoints: gstRateBasisPoints)
                continue
            }
            // Each resource priced on its own, or the only one the meter's total came from.
            for service in used {
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
        }
        return lines
    }

    /// A line per resource of a `per_meter` meter that several resources used: the meter's charge for their
    /// total, shared among them in proportion to their quantities.
    ///
    /// Each line shows its resource's quantity and the meter's average price (its charge ÷ its total, to six
    /// decimals); its amount is its share of the charge, so the lines add up to the charge exactly, which
    /// quantity × average price, rounded line by line, would not.
    static func sharedLines(
        of meter: Meter, usage: [ServiceUsage], start: CalendarDate, last: CalendarDate, gstRateBasisPoints: Int
    ) throws(MoneyError) -> [InvoiceLine] {
        var total: Int64 = 0
        for service in usage {
            let (sum, overflow) = total.addingReportingOverflow(service.quantity.scaledValue)
            guard !overflow else { throw .overflow }
            total = sum
        }
        let totalQuantity = FixedDecimal(scaledValue: total)
        let portions = try meter.pricing.portions(for: totalQuantity, currency: meter.currency)
        // Pricing that is not usable charges nothing, as it does for a single resource.
        guard !portions.isEmpty else { return [] }
        let charge = try meter.pricing.amount(for: totalQuantity, currency: meter.currency)
        let shares = try charge.shares(among: usage.map { ($0.resourceName, $0.quantity) })
        let averagePrice = try Self.averagePrice(of: charge, for: totalQuantity)
        let description = try Self.sharedDescription(of: meter, total: totalQuantity, portions: portions)
        return zip(usage, shares).map { service, share in
            InvoiceLine(
                category: .usage, resourceType: meter.resourceType, resourceName: service.resourceName,
                description: description, periodStart: start, periodEnd: last, quantity: service.quantity,
                unit: meter.unit, unitPrice: averagePrice, amount: share, sac: meter.sac,
                gstRateBasisPoints: gstRateBasisPoints)
        }
    }

    /// `charge ÷ quantity` as a price in major units, rounded half away from zero to six decimals.
    static func averagePrice(of charge: Money, for quantity: FixedDecimal) throws(MoneyError) -> FixedDecimal {
        let scale = Int128(FixedDecimal.scale)
        let numerator = Int128(charge.minorUnits) * scale * scale
        let denominator = Int128(charge.currency.minorUnitsPerMajorUnit) * Int128(quantity.scaledValue)
        guard denominator > 0 else { return .zero }
        let price = Rounding.divideRoundingHalfAwayFromZero(numerator, by: denominator)
        guard let scaled = Int64(exactly: price) else { throw .overflow }
        return FixedDecimal(scaledValue: scaled)
    }

    /// Descriptions of shared lines longer than this leave the price bands out.
    static let sharedDescriptionLimit = 120

    /// "Pod vCPU (priced on the meter's total of 1500 vCPU-hour: 0–1000 at 2.4, above 1000 at 1.8)": where a
    /// shared line's price came from, with the bands and fees the total reached when that reads in one breath.
    static func sharedDescription(
        of meter: Meter, total: FixedDecimal, portions: [PricedPortion]
    ) throws(MoneyError) -> String {
        let basis = "\(meter.name) (priced on the meter's total of \(total) \(meter.unit)"
        var parts: [String] = []
        for portion in portions {
            switch (portion.basis, meter.pricing) {
            case (.units, .volume):
                if let band = portion.band { parts.append("all in the \(band) band at \(portion.unitPrice)") }
            case (.units, _):
                // A single price names no band: the average price is that price.
                if let band = portion.band { parts.append("\(band) at \(portion.unitPrice)") }
            case (.flatFee, _):
                let fee = try Money.amount(
                    quantity: portion.quantity, unitPrice: portion.unitPrice, currency: meter.currency)
                let text = "plus a \(fee.decimalString) fee"
                parts.append(parts.popLast().map { "\($0) \(text)" } ?? text)
            case (.packages, .package(let size, _)):
                let noun = portion.quantity == FixedDecimal(1) ? "package" : "packages"
                parts.append("\(portion.quantity) \(noun) of \(size) at \(portion.unitPrice)")
            case (.packages, _):
                parts.append("\(portion.quantity) packages at \(portion.unitPrice)")
            }
        }
        let detailed = parts.isEmpty ? "\(basis))" : "\(basis): \(parts.joined(separator: ", ")))"
        if detailed.count <= Self.sharedDescriptionLimit { return detailed }
        let bands = portions.filter { $0.basis == .units }.count
        return bands > 1 ? "\(basis) across \(bands) price bands)" : "\(basis))"
    }

    /// The credit for the unused part of a change's old terms and the charge for its new ones, in the period
    /// `[start, end)`.
    package static func prorationLines(
        for change: PricedChange, start: CalendarDate, end: CalendarDate,
        gstRateBasisPoints: Int = GSTCalculator.standardRateBasisPoints
    ) throws(MoneyError) -> [InvoiceLine] {
        var unused = try Self.fixedFees(
            for: change.from, from: change.effectiveDate, start: start, end: end, proration: .unused,
            gstRateBasisPoints: gstRateBasisPoints)
        var remaining = try Self.fixedFees(
            for: change.to, from: change.effectiveDate, start: start, end: end, proration: .remaining,
            gstRateBasisPoints: gstRateBasisPoints)
        // A fee the change leaves as it was (the same plan's platform fee, as many extra seats at the same
        // price) would be credited and charged again to no effect; it is left off.
        for credit in unused {
            if let index = remaining.firstIndex(where: {
                $0.category == credit.category && $0.resourceName == credit.resourceName
                    && $0.unitPrice == credit.unitPrice && $0.quantity == .zero - credit.quantity
            }) {
                remaining.remove(at: index)
                unused.removeAll { $0 == credit }
            }
        }
        return unused + remaining
    }

    /// Which side of a mid-period change a prorated line is on.
    enum Proration {
        /// The old terms from the change to the period's end: a credit.
        case unused
        /// The new terms from the change to the period's end: a charge.
        case remaining
    }

    /// The platform fee and the extra seats of `terms` for `[from, end)`: the whole period when `proration` is
    /// `nil`, else that many days of it, credited or charged.
    ///
    /// A prorated amount is `quantity × unit price × days ÷ days in the period`, rounded once to minor units.
    static func fixedFees(
        for terms: PlanTerms, from: CalendarDate, start: CalendarDate, end: CalendarDate, proration: Proration?,
        gstRateBasisPoints: Int
    ) throws(MoneyError) -> [InvoiceLine] {
        let plan = terms.plan
        let periodDays = start.days(until: end)
        let days = from.days(until: end)
        let sign: Int64 = proration == .unused ? -1 : 1
        func line(
            _ category: LineCategory, _ resourceType: String, _ resourceName: String, _ what: String,
            count: Int64, unit: String, price: Money
        ) throws(MoneyError) -> InvoiceLine {
            let description: String
            let amount: Money
            switch proration {
            case nil:
                description = what
                amount = try Money.amount(
                    quantity: FixedDecimal(count), unitPrice: price.majorUnitDecimal, currency: price.currency)
            case .some(let side):
                let label = side == .unused ? "Unused time on" : "Remaining time on"
                description = "\(label) \(what) from \(from) (\(days) of \(periodDays) days)"
                let numerator = Int128(sign) * Int128(count) * Int128(price.minorUnits) * Int128(days)
                let rounded = Rounding.divideRoundingHalfAwayFromZero(numerator, by: Int128(periodDays))
                guard let minorUnits = Int64(exactly: rounded) else { throw MoneyError.overflow }
                amount = Money(minorUnits: minorUnits, currency: price.currency)
            }
            return InvoiceLine(
                category: category, resourceType: resourceType, resourceName: resourceName, description: description,
                periodStart: from, periodEnd: end.adding(days: -1), quantity: FixedDecimal(sign * count), unit: unit,
                unitPrice: price.majorUnitDecimal, amount: amount, sac: plan.sac,
                gstRateBasisPoints: gstRateBasisPoints)
        }
        var lines: [InvoiceLine] = []
        if plan.platformFee.isPositive {
            lines.append(
                try line(
                    .platformFee, "platform", plan.name, "\(plan.name) plan platform fee", count: 1,
                    unit: plan.interval.rawValue, price: plan.platformFee))
        }
        let extraSeats = terms.seats - plan.includedSeats
        if extraSeats > 0, plan.seatPrice.isPositive {
            let seatWord = extraSeats == 1 ? "seat" : "seats"
            let what =
                proration == nil
                ? "\(extraSeats) \(seatWord) beyond the \(plan.includedSeats) included"
                : "\(extraSeats) additional \(seatWord) on \(plan.name)"
            lines.append(
                try line(
                    .seats, "seat", "Additional seats", what, count: Int64(extraSeats), unit: "seat",
                    price: plan.seatPrice))
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
