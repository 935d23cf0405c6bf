import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Subscription changes")
struct SubscriptionChangeTests {
    typealias Run = BillingRunTests

    func service(_ database: Database, on day: String) -> SubscriptionService {
        SubscriptionService(database: database, clock: ManualClock(Run.noon(day)).billingClock())
    }

    @Test("seats added mid-month are prorated by the day on that month's invoice", arguments: TestDatabase.kinds)
    func seatsMidMonth(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let (_, subscription) = try await BillingRunTests().subscribe(
                database.store, anchor: "2026-10-01", seats: 7)
            let changed = try await self.service(database, on: "2026-10-21")
                .change(subscription.id, .init(seats: 10), actor: "test")
            #expect(changed.seats == 10)
            let report = try await BillingRunTests().runner(database, now: Run.noon("2026-12-01"))
                .run(asOf: Run.noon("2026-12-01"), actor: "test")
            #expect(report.invoices.count == 2 && report.failures.isEmpty)
            let october = try #require(try await database.store.invoices.find(report.invoices[0]))
            // Fee 1,000.00; 2 extra seats × 100.00; the 11 days from 21 October of 31: −2 × 100.00 × 11/31 =
            // −70.97 and +5 × 100.00 × 11/31 = 177.42. Taxable 1,306.45; CGST and SGST 9% = 117.58 each.
            #expect(october.lines.map(\.amount.minorUnits) == [100_000, 20_000, -7_097, 17_742])
            #expect(october.subtotal.minorUnits == 130_645)
            #expect(october.tax.cgst.minorUnits == 11_758 && october.tax.sgst.minorUnits == 11_758)
            #expect(october.total.minorUnits == 154_161)
            let november = try #require(try await database.store.invoices.find(report.invoices[1]))
            #expect(november.lines.map(\.amount.minorUnits) == [100_000, 50_000])
            let audit = try await database.store.auditLog.entries(about: subscription.id.rawValue)
            #expect(audit.map(\.action) == ["subscription.changed"])
            #expect(audit.first?.amount?.minorUnits == 10_645 && audit.first?.details["to_seats"] == "10")
        }
    }

    @Test("an upgrade on an annual plan, prorated over a leap year's 366 days", arguments: TestDatabase.kinds)
    func annualUpgrade(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let basic = Plan(
                id: .generate(), code: "basic-annual", name: "Basic", interval: .year, currency: .inr,
                platformFee: Money(minorUnits: 1_200_000, currency: .inr), includedSeats: 5,
                seatPrice: Money(minorUnits: 100_000, currency: .inr), monthlyCredits: 0,
                creditPrice: .zero(.inr), sac: "998315", createdAt: Fixtures.now)
            let pro = Plan(
                id: .generate(), code: "pro-annual", name: "Pro", interval: .year, currency: .inr,
                platformFee: Money(minorUnits: 3_660_000, currency: .inr), includedSeats: 10,
                seatPrice: Money(minorUnits: 100_000, currency: .inr), monthlyCredits: 0,
                creditPrice: .zero(.inr), sac: "998315", createdAt: Fixtures.now)
            try await database.store.plans.create(pro)
            let (_, subscription) = try await BillingRunTests().subscribe(
                database.store, anchor: "2027-03-01", seats: 5, plan: basic)
            // 1 March 2027 to 29 February 2028 is 366 days; from 31 December 2027 there are 61 left.
            _ = try await self.service(database, on: "2027-12-31")
                .change(subscription.id, .init(planID: pro.id), actor: "test")
            let report = try await BillingRunTests().runner(database, now: Run.noon("2028-03-01"))
                .run(asOf: Run.noon("2028-03-01"), actor: "test")
            let invoiceID = try #require(report.invoices.first)
            let invoice = try #require(try await database.store.invoices.find(invoiceID))
            #expect(invoice.periodStart.description == "2027-03-01" && invoice.periodEnd.description == "2028-02-29")
            #expect(invoice.description == "Pro - Annual")
            // 12,000.00 − 12,000.00 × 61/366 (2,000.00) + 36,600.00 × 61/366 (6,100.00).
            #expect(invoice.lines.map(\.amount.minorUnits) == [1_200_000, -200_000, 610_000])
            #expect(invoice.lines.map(\.periodStart.description) == ["2027-03-01", "2027-12-31", "2027-12-31"])
        }
    }

    @Test("cancellation at the period's end bills that period and nothing after", arguments: TestDatabase.kinds)
    func cancelAtPeriodEnd(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let (_, subscription) = try await BillingRunTests().subscribe(database.store, anchor: "2026-10-01")
            let service = self.service(database, on: "2026-10-10")
            let scheduled = try await service.change(subscription.id, .init(cancelAtPeriodEnd: true), actor: "test")
            #expect(scheduled.cancelAtPeriodEnd && scheduled.status == .active)
            let report = try await BillingRunTests().runner(database, now: Run.noon("2027-01-01"))
                .run(asOf: Run.noon("2027-01-01"), actor: "test")
            #expect(report.invoices.count == 1 && report.periodsClosed == 1)
            let ended = try #require(try await database.store.subscriptions.find(subscription.id))
            #expect(ended.status == .cancelled)
            await #expect(
                throws: EngineError(
                    .invalidState,
                    "subscription \(subscription.id) is cancelled; "
                        + "subscribe the workspace anew")
            ) {
                try await self.service(database, on: "2027-01-02").change(
                    subscription.id, .init(seats: 9), actor: "test")
            }
            let audit = try await database.store.auditLog.entries(about: subscription.id.rawValue)
            #expect(audit.map(\.action) == ["subscription.cancellation_scheduled"])
        }
    }

    @Test("changes that cannot be billed as asked are refused and change nothing", arguments: TestDatabase.kinds)
    func refusals(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let (_, subscription) = try await BillingRunTests().subscribe(database.store, anchor: "2026-10-01")
            let annual = Plan(
                id: .generate(), code: "growth-annual", name: "Growth", interval: .year, currency: .inr,
                platformFee: Run.plan.platformFee, includedSeats: 5, seatPrice: Run.plan.seatPrice, monthlyCredits: 0,
                creditPrice: .zero(.inr), sac: "998315", createdAt: Fixtures.now)
            try await database.store.plans.create(annual)
            let service = self.service(database, on: "2026-10-15")
            func code(_ change: SubscriptionService.Change, by service: SubscriptionService) async -> String? {
                do {
                    _ = try await service.change(subscription.id, change, actor: "test")
                    return nil
                } catch let error as EngineError {
                    return error.code.rawValue
                } catch {
                    return "\(error)"
                }
            }
            #expect(await code(.init(planID: annual.id), by: service) == "invalid_request")
            #expect(await code(.init(planID: PlanID(rawValue: "plan_missing")), by: service) == "not_found")
            #expect(
                await code(.init(seats: 8, effectiveDate: Run.date("2026-11-01")), by: service) == "invalid_request")
            #expect(
                await code(.init(seats: 8, effectiveDate: Run.date("2026-09-30")), by: service) == "invalid_request")
            #expect(await code(.init(seats: 8, effectiveDate: Run.date("2026-10-20")), by: service) == nil)
            #expect(
                await code(.init(seats: 9, effectiveDate: Run.date("2026-10-19")), by: service) == "invalid_request")
            // The period ended on 31 October and no run has billed it yet.
            #expect(await code(.init(seats: 9), by: self.service(database, on: "2026-11-02")) == "invalid_state")
            let stored = try #require(try await database.store.subscriptions.find(subscription.id))
            #expect(stored.seats == 8 && stored.planID == Run.plan.id)
            let changes = try await database.store.subscriptions.changes(
                of: subscription.id, periodStart: Run.date("2026-10-01"))
            #expect(changes.map(\.toSeats) == [8])
        }
    }

    @Test("changes that cancel out leave nothing to invoice", arguments: TestDatabase.kinds)
    func cancellingChanges(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let seatsOnly = Plan(
                id: .generate(), code: "seats-only", name: "Seats", interval: .month, currency: .inr,
                platformFee: .zero(.inr), includedSeats: 5, seatPrice: Money(minorUnits: 10_000, currency: .inr),
                monthlyCredits: 0, creditPrice: .zero(.inr), sac: "998315", createdAt: Fixtures.now)
            let (_, subscription) = try await BillingRunTests().subscribe(
                database.store, anchor: "2026-10-01", seats: 5, plan: seatsOnly)
            let service = self.service(database, on: "2026-10-10")
            _ = try await service.change(subscription.id, .init(seats: 8), actor: "test")
            _ = try await service.change(subscription.id, .init(seats: 5), actor: "test")
            let report = try await BillingRunTests().runner(database, now: Run.noon("2026-11-01"))
                .run(asOf: Run.noon("2026-11-01"), actor: "test")
            #expect(report.invoices.isEmpty && report.periodsClosed == 1 && report.failures.isEmpty)
            let audit = try await database.store.auditLog.entries(about: subscription.id.rawValue)
            // 3 seats × 100.00 × 22/31 = 212.90, added and taken back.
            #expect(audit.map { $0.amount?.minorUnits } == [21_290, -21_290])
        }
    }
}
