import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Usage batches")
struct UsageServiceTests {
    func service(_ database: Database) -> UsageService {
        Engine(database: database, clock: ManualClock(Fixtures.now).billingClock(), gateway: nil).usage
    }

    /// A record of an hour of pod time starting `start` seconds from the fixtures' now.
    static func record(
        _ eventID: String, workspace: WorkspaceID, meter: String = BillingRunTests.pods.code,
        start: TimeInterval = -7200,
        length: TimeInterval = 3600
    ) -> UsageRecord {
        UsageRecord(
            id: .generate(), workspaceID: workspace, eventID: eventID, meterCode: meter, resourceName: "api",
            quantity: FixedDecimal(2), startedAt: Fixtures.now.addingTimeInterval(start),
            endedAt: Fixtures.now.addingTimeInterval(start + length), createdAt: Fixtures.now)
    }

    /// A workspace and the pods meter, stored.
    func seed(_ database: Database) async throws -> Workspace {
        let workspace = Fixtures.workspace()
        try await Fixtures.seed(database.store, workspace: workspace)
        try await database.store.meters.create(BillingRunTests.pods)
        return workspace
    }

    @Test("a batch is stored once: sent again, every record answers with the id it has", arguments: TestDatabase.kinds)
    func storedOnce(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let workspace = try await self.seed(database)
            var batch = service.batch(of: 2)
            batch.add(Self.record("e1", workspace: workspace.id), at: 0)
            batch.add(Self.record("e2", workspace: workspace.id), at: 1)
            let first = try await service.record(batch)
            #expect(first.map(\.isDuplicate) == [false, false])
            var again = service.batch(of: 1)
            again.add(Self.record("e2", workspace: workspace.id), at: 0)
            let second = try await service.record(again)
            #expect(second == [.duplicate(first[1].id)])
        }
    }

    /// Where a record starts and how long it lasts, in seconds from the fixtures' now, and the field refused, if any.
    static let windows: [(start: TimeInterval, length: TimeInterval, field: String?)] = [
        (-400 * 86_400, 60, nil),
        (-400 * 86_400 - 1, 60, "started_at"),
        (86_400 - 60, 60, nil),
        (86_400 - 60, 61, "ended_at"),
        (86_400 + 1, 60, "started_at"),
        (0, -1, "ended_at"),
    ]

    @Test(
        "records from 400 days before to a day after the batch arrived are taken; others are refused",
        arguments: TestDatabase.kinds)
    func window(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let workspace = try await self.seed(database)
            for (number, window) in Self.windows.enumerated() {
                var batch = service.batch(of: 1)
                batch.add(
                    Self.record("e\(number)", workspace: workspace.id, start: window.start, length: window.length),
                    at: 0)
                #expect(batch.problems.map(\.field) == (window.field.map { [$0] } ?? []), "\(window)")
                if window.field == nil {
                    #expect(try await service.record(batch).count == 1)
                } else {
                    await #expect(throws: EngineError.self) { _ = try await service.record(batch) }
                }
            }
        }
    }

    @Test("a batch naming what does not exist is refused whole, every problem listed", arguments: TestDatabase.kinds)
    func refusedWhole(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let workspace = try await self.seed(database)
            var batch = service.batch(of: 5)
            batch.add(Self.record("good", workspace: workspace.id), at: 0)
            batch.add(Self.record("nowhere", workspace: .generate(), meter: "gpu-hours"), at: 1)
            batch.refuse(at: 2, field: "quantity", message: "quantity is required")
            batch.add(Self.record("late", workspace: workspace.id, start: -500 * 86_400), at: 3)
            batch.add(Self.record("no-meter", workspace: workspace.id, meter: "gpu-hours"), at: 4)
            let refusal = await #expect(throws: EngineError.self) { _ = try await service.record(batch) }
            #expect(refusal?.code == .invalidRecords)
            #expect(refusal?.message == "5 of 5 records are invalid; nothing was stored")
            #expect(refusal?.problems.map(\.index) == [1, 1, 2, 3, 4])
            #expect(refusal?.problems.map(\.field) == ["workspace_id", "meter", "quantity", "started_at", "meter"])

            var good = service.batch(of: 1)
            good.add(Self.record("good", workspace: workspace.id), at: 0)
            #expect(try await service.record(good).map(\.isDuplicate) == [false])
        }
    }
}

extension UsageRecordOutcome {
    var id: UsageRecordID {
        switch self {
        case .recorded(let id), .duplicate(let id): id
        }
    }

    var isDuplicate: Bool {
        if case .duplicate = self { true } else { false }
    }
}
