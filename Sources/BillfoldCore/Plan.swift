import Foundation

/// How often a plan bills.
package enum BillingInterval: String, Sendable, Codable, CaseIterable {
    case month
    case year

    /// Calendar months in one period.
    package var months: Int {
        switch self {
        case .month: return 1
        case .year: return 12
        }
    }
}

/// What a workspace subscribes to: a platform fee, seats and monthly credits.
package struct Plan: Hashable, Sendable, Identifiable {
    package typealias ID = PlanID

    package let id: ID
    /// A short unique code the operator's systems use: `growth-monthly`.
    package var code: String
    package var name: String
    package var interval: BillingInterval
    package var currency: Currency
    package var platformFee: Money
    package var includedSeats: Int
    /// The price of each seat beyond the included ones, per period.
    package var seatPrice: Money
    /// Credits included each month.
    package var monthlyCredits: Int64
    /// The price of each credit used beyond the monthly credits: the "credits fee".
    package var creditPrice: Money
    /// The SAC code printed on the plan's lines.
    package var sac: String
    package let createdAt: Date

    package init(
        id: ID, code: String, name: String, interval: BillingInterval, currency: Currency, platformFee: Money,
        includedSeats: Int, seatPrice: Money, monthlyCredits: Int64, creditPrice: Money, sac: String,
        createdAt: Date
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.interval = interval
        self.currency = currency
        self.platformFee = platformFee
        self.includedSeats = includedSeats
        self.seatPrice = seatPrice
        self.monthlyCredits = monthlyCredits
        self.creditPrice = creditPrice
        self.sac = sac
        self.createdAt = createdAt
    }

    /// The SAC for hosting and IT infrastructure provisioning, Billfold's default.
    package static let defaultSAC = "998315"
}

/// Whether a subscription still bills.
package enum SubscriptionStatus: String, Sendable, Codable, CaseIterable {
    case active
    case cancelled
}

/// A workspace on a plan with a number of seats, billed period by period.
package struct Subscription: Hashable, Sendable, Identifiable {
    package typealias ID = SubscriptionID

    package let id: ID
    package var workspaceID: WorkspaceID
    package var planID: PlanID
    package var seats: Int
    package var status: SubscriptionStatus
    /// The first day of the period being used now.
    package var currentPeriodStart: CalendarDate
    /// The first day after the current period: the workspace's next issue date.
    package var currentPeriodEnd: CalendarDate
    package var cancelAtPeriodEnd: Bool
    /// The day periods are counted from, so a subscription started on the 31st keeps billing on month ends.
    package var billingAnchor: CalendarDate
    package let createdAt: Date

    package init(
        id: ID, workspaceID: WorkspaceID, planID: PlanID, seats: Int, status: SubscriptionStatus,
        currentPeriodStart: CalendarDate, currentPeriodEnd: CalendarDate, cancelAtPeriodEnd: Bool,
        billingAnchor: CalendarDate? = nil, createdAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.planID = planID
        self.seats = seats
        self.status = status
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.billingAnchor = billingAnchor ?? currentPeriodStart
        self.createdAt = createdAt
    }
}

/// A plan and a number of seats: what a subscription is on for part of a period.
package struct PlanTerms: Hashable, Sendable {
    package var plan: Plan
    package var seats: Int

    package init(plan: Plan, seats: Int) {
        self.plan = plan
        self.seats = seats
    }
}

/// A change of plan or seats recorded against one billing period, in force from `effectiveDate` to its end.
///
/// A change on the period's first day replaces the period's terms outright; a later one is prorated by the day
/// on the period's invoice: a credit line for the unused part of the old terms, a charge line for the new ones.
package struct SubscriptionChange: Hashable, Sendable, Identifiable {
    package typealias ID = SubscriptionChangeID

    package let id: ID
    package var subscriptionID: SubscriptionID
    /// The first day of the period the change belongs to.
    package var periodStart: CalendarDate
    package var effectiveDate: CalendarDate
    package var fromPlanID: PlanID
    package var fromSeats: Int
    package var toPlanID: PlanID
    package var toSeats: Int
    package var actor: String
    package let createdAt: Date

    package init(
        id: ID, subscriptionID: SubscriptionID, periodStart: CalendarDate, effectiveDate: CalendarDate,
        fromPlanID: PlanID, fromSeats: Int, toPlanID: PlanID, toSeats: Int, actor: String, createdAt: Date
    ) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.periodStart = periodStart
        self.effectiveDate = effectiveDate
        self.fromPlanID = fromPlanID
        self.fromSeats = fromSeats
        self.toPlanID = toPlanID
        self.toSeats = toSeats
        self.actor = actor
        self.createdAt = createdAt
    }
}

/// A change with its plans looked up: what the invoice's proration lines are computed from.
package struct PricedChange: Hashable, Sendable {
    package var effectiveDate: CalendarDate
    package var from: PlanTerms
    package var to: PlanTerms

    package init(effectiveDate: CalendarDate, from: PlanTerms, to: PlanTerms) {
        self.effectiveDate = effectiveDate
        self.from = from
        self.to = to
    }
}
