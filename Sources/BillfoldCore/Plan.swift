import Foundation

/// How often a plan bills.
public enum BillingInterval: String, Sendable, Codable, CaseIterable {
    case month
    case year

    /// Calendar months in one period.
    public var months: Int {
        switch self {
        case .month: return 1
        case .year: return 12
        }
    }
}

/// What a workspace subscribes to: a platform fee, seats and monthly credits.
public struct Plan: Hashable, Sendable, Identifiable {
    public typealias ID = PlanID

    public let id: ID
    /// A short unique code the operator's systems use: `growth-monthly`.
    public var code: String
    public var name: String
    public var interval: BillingInterval
    public var currency: Currency
    public var platformFee: Money
    public var includedSeats: Int
    /// The price of each seat beyond the included ones, per period.
    public var seatPrice: Money
    /// Credits included each month.
    public var monthlyCredits: Int64
    /// The price of each credit used beyond the monthly credits: the "credits fee".
    public var creditPrice: Money
    /// The SAC code printed on the plan's lines.
    public var sac: String
    public let createdAt: Date

    public init(
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
    public static let defaultSAC = "998315"
}

/// Whether a subscription still bills.
public enum SubscriptionStatus: String, Sendable, Codable, CaseIterable {
    case active
    case cancelled
}

/// A workspace on a plan with a number of seats, billed period by period.
public struct Subscription: Hashable, Sendable, Identifiable {
    public typealias ID = SubscriptionID

    public let id: ID
    public var workspaceID: WorkspaceID
    public var planID: PlanID
    public var seats: Int
    public var status: SubscriptionStatus
    /// The first day of the period being used now.
    public var currentPeriodStart: CalendarDate
    /// The first day after the current period: the workspace's next issue date.
    public var currentPeriodEnd: CalendarDate
    public var cancelAtPeriodEnd: Bool
    /// The day periods are counted from, so a subscription started on the 31st keeps billing on month ends.
    public var billingAnchor: CalendarDate
    public let createdAt: Date

    public init(
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
public struct PlanTerms: Hashable, Sendable {
    public var plan: Plan
    public var seats: Int

    public init(plan: Plan, seats: Int) {
        self.plan = plan
        self.seats = seats
    }
}

/// A change of plan or seats recorded against one billing period, in force from `effectiveDate` to its end.
///
/// A change on the period's first day replaces the period's terms outright; a later one is prorated by the day
/// on the period's invoice: a credit line for the unused part of the old terms, a charge line for the new ones.
public struct SubscriptionChange: Hashable, Sendable, Identifiable {
    public typealias ID = SubscriptionChangeID

    public let id: ID
    public var subscriptionID: SubscriptionID
    /// The first day of the period the change belongs to.
    public var periodStart: CalendarDate
    public var effectiveDate: CalendarDate
    public var fromPlanID: PlanID
    public var fromSeats: Int
    public var toPlanID: PlanID
    public var toSeats: Int
    public var actor: String
    public let createdAt: Date

    public init(
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
public struct PricedChange: Hashable, Sendable {
    public var effectiveDate: CalendarDate
    public var from: PlanTerms
    public var to: PlanTerms

    public init(effectiveDate: CalendarDate, from: PlanTerms, to: PlanTerms) {
        self.effectiveDate = effectiveDate
        self.from = from
        self.to = to
    }
}
