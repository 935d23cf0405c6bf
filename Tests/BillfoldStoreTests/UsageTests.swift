import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Meters and usage")
struct UsageTests {
    @Test("a meter keeps its tiered pricing exactly", arguments: TestDatabase.kinds)
    func meterRoundTrip(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let meter = Meter(
                id: .generate(), code: "egress-gb", name: "Network egress", resourceType: "network", unit: "GB",
                sac: "998315", currency: .inr,
                pricing: .graduated(tiers: [
                    PriceTier(upTo: FixedDecimal("100.5")!, unitPrice: FixedDecimal("0.0125")!, flatFee: 999),
                    PriceTier(upTo: nil, unitPrice: FixedDecimal("0.01")!),
                ]), createdAt: Fixtures.now)
            try await database.store.meters.create(meter)
            let separate = Meter(
                id: .generate(), code: "volume-gb", name: "Volumes", resourceType: "storage", unit: "GB-month",
                sac: "998315", currency: .inr, pricing: .package(size: FixedDecimal(10), price: FixedDecimal(5)),
                aggregation: .perResource, createdAt: Fixtures.now.addingTimeInterval(1))
            try await database.store.meters.create(separate)
            #expect(try await database.store.meters.find(code: "egress-gb") == meter)
            #expect(try await database.store.meters.find(code: "egress-gb")?.aggregation == .perMeter)
            #expect(try await database.store.meters.find(code: "volume-gb")?.aggregation == .perResource)
            #expect(try await database.store.meters.list() == [meter, separate])
            await #expect(throws: StoreError.self) { try await database.store.meters.create(meter) }
        }
    }

    @Test("usage is stored once per workspace and event id, and summed per service", arguments: TestDatabase.kinds)
    func idempotentUsage(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let workspace = Fixtures.workspace()
            let other = Fixtures.workspace(name: "Other")
            try await database.store.workspaces.create(workspace)
            try await database.store.workspaces.create(other)
            let start = Fixtures.now
            func record(_ event: String, _ quantity: String, in workspace: Workspace, hour: Double = 0) -> UsageRecord {
                UsageRecord(
                    id: .generate(), workspaceID: workspace.id, eventID: event, meterCode: "pod-vcpu",
                    resourceName: "api", quantity: FixedDecimal(quantity)!,
                    startedAt: start.addingTimeInterval(hour * 3600),
                    endedAt: start.addingTimeInterval((hour + 1) * 3600), createdAt: start)
            }
            let first = [record("e1", "1.5", in: workspace), record("e2", "2.25", in: workspace, hour: 1)]
            let outcomes = try await database.store.usage.record(first)
            #expect(outcomes == first.map { .recorded($0.id) })
            let again = [record("e1", "99", in: workspace), record("e1", "0.5", in: other)]
            let second = try await database.store.usage.record(again)
            #expect(second == [.duplicate(first[0].id), .recorded(again[1].id)])
            // Twice in one batch, and across the 500-row statements a large batch is split into.
            var large = (0..<1_200).map { record("bulk-\($0)", "1", in: other) }
            large.append(record("bulk-3", "7", in: other))
            large.insert(record("e9", "1", in: other), at: 600)
            large.append(record("e9", "2", in: other))
            let bulk = try await database.store.usage.record(large)
            #expect(Array(bulk.prefix(600)) == large.prefix(600).map { UsageRecordOutcome.recorded($0.id) })
            #expect(bulk[600] == .recorded(large[600].id))
            #expect(Array(bulk.suffix(2)) == [.duplicate(large[3].id), .duplicate(large[600].id)])
            let totals = try await database.store.usage.totals(
                for: workspace.id, from: start, to: start.addingTimeInterval(86_400))
            #expect(totals.count == 1)
            #expect(totals.first?.quantity == FixedDecimal("3.75"))
            #expect(totals.first?.lastEndedAt == start.addingTimeInterval(2 * 3600))
            let outside = try await database.store.usage.totals(
                for: workspace.id, from: start.addingTimeInterval(3600), to: start.addingTimeInterval(7200))
            #expect(outside.first?.quantity == FixedDecimal("2.25"))
        }
    }
}
