import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Subscribing")
struct SubscribeTests {
    typealias Run = BillingRunTests

    /// The service on 21 October 2026.
    func service(_ database: Database) -> SubscriptionService {
        Engine(database: database, clock: ManualClock(Run.noon("2026-10-21")).billingClock(), gateway: nil)
            .subscriptions
    }

    /// A workspace and the growth plan, stored.
    func seed(_ database: Database) async throws -> Workspace {
        let workspace = Fixtures.workspace()
        try await Fixtures.seed(database.store, workspace: workspace)
        try await database.store.plans.create(Run.plan)
        return workspace
    }

    @Test(
        "a workspace is subscribed from today for one period, and the audit log says so", arguments: TestDatabase.kinds)
    func subscribe(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let workspace = try await self.seed(database)
            let subscription = try await self.service(database).subscribe(
                workspace.id, to: Run.plan.id, seats: 7, actor: "api_key:key_ops")
            #expect(subscription.currentPeriodStart == Run.date("2026-10-21"))
            #expect(subscription.currentPeriodEnd == Run.date("2026-11-21"))
            #expect(subscription.billingAnchor == Run.date("2026-10-21") && subscription.status == .active)
            #expect(try await database.store.subscriptions.active(for: workspace.id) == [subscription])
            let audit = try await database.store.auditLog.entries(about: subscription.id.rawValue)
            #expect(audit.map(\.action) == ["subscription.created"])
            #expect(audit.first?.workspaceID == workspace.id && audit.first?.actor == "api_key:key_ops")
            #expect(
                audit.first?.details == [
                    "plan_id": Run.plan.id.rawValue, "seats": "7", "period_start": "2026-10-21",
                    "period_end": "2026-11-21",
                ])
        }
    }

    @Test(
        "subscriptions that break a rule are refused, naming the field, and store nothing",
        arguments: TestDatabase.kinds)
    func refusals(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let workspace = try await self.seed(database)
            let dollars = Plan(
                id: .generate(), code: "growth-usd", name: "Growth", interval: .month, currency: .usd,
                platformFee: Money(minorUnits: 1_200, currency: .usd), includedSeats: 5, seatPrice: .zero(.usd),
                monthlyCredits: 0, creditPrice: .zero(.usd), sac: "998315", createdAt: Fixtures.now)
            try await database.store.plans.create(dollars)
            func refusal(
                _ workspaceID: WorkspaceID, _ planID: PlanID, from start: String? = nil
            ) async -> String? {
                do {
                    _ = try await service.subscribe(
                        workspaceID, to: planID, seats: 1, startingOn: start.map(Run.date), actor: "test")
                    return nil
                } catch let error as EngineError {
                    return "\(error.code.rawValue) \(error.param ?? "-")"
                } catch {
                    return "\(error)"
                }
            }
            let elsewhere = WorkspaceID.generate()
            #expect(await refusal(elsewhere, Run.plan.id) == "not_found workspace_id")
            #expect(await refusal(workspace.id, PlanID.generate()) == "not_found plan_id")
            #expect(await refusal(workspace.id, dollars.id) == "invalid_field plan_id")
            #expect(await refusal(workspace.id, Run.plan.id, from: "2027-10-23") == "invalid_field start_date")
            #expect(await refusal(workspace.id, Run.plan.id, from: "2025-10-19") == "invalid_field start_date")
            #expect(try await database.store.subscriptions.active(for: workspace.id).isEmpty)

            // Up to 366 days either way is allowed: 20 October 2025 is 366 days back.
            _ = try await service.subscribe(
                workspace.id, to: Run.plan.id, seats: 1, startingOn: Run.date("2025-10-20"), actor: "test")
            #expect(await refusal(workspace.id, Run.plan.id) == "already_subscribed workspace_id")
            #expect(try await database.store.subscriptions.active(for: workspace.id).count == 1)
        }
    }
}
