import BillfoldCore
import Foundation
import SQLKit

/// Billable resource types and their pricing.
package protocol MeterRepository: Sendable {
    /// Adds a meter; its code must be new.
    func create(_ meter: Meter) async throws
    /// The meter with `code`, or `nil`.
    func find(code: String) async throws -> Meter?
    /// Every meter, oldest first.
    func list() async throws -> [Meter]
}

/// What became of one usage record sent to `UsageRepository.record`.
package enum UsageRecordOutcome: Hashable, Sendable {
    /// Stored now.
    case recorded(UsageRecordID)
    /// Its `(workspace, event_id)` was stored before; nothing changed.
    case duplicate(UsageRecordID)
}

/// Metered usage, stored once per `(workspace, event_id)`.
package protocol UsageRepository: Sendable {
    /// Stores each record unless its event id is already stored for its workspace. Call it inside a transaction:
    /// on SQLite the rows stored are counted by a second statement, which must see no other writer in between.
    func record(_ records: [UsageRecord]) async throws -> [UsageRecordOutcome]
    /// Total quantity per meter and resource for usage that started in `[from, to)`.
    func totals(for workspace: WorkspaceID, from: Date, to: Date) async throws -> [UsageTotal]
    /// The totals of several workspaces' periods in one query, by the index of the period in `periods`.
    func totals(for periods: [UsagePeriod]) async throws -> [Int: [UsageTotal]]
    /// Where the usage stored so far ends, in the order it was stored: SQLite's newest row id (0 for none), which
    /// any record stored later is above, as records are never deleted. `nil` on PostgreSQL, which keeps no such
    /// order.
    func storedPosition() async throws -> Int64?
    /// SQLite only: the workspaces with usage stored after `position`, a value of `storedPosition`.
    func workspaces(storedAfter position: Int64) async throws -> Set<WorkspaceID>
}

/// A workspace's usage window `[from, to)`.
package struct UsagePeriod: Hashable, Sendable {
    package let workspaceID: WorkspaceID
    package let from: Date
    package let to: Date

    package init(workspaceID: WorkspaceID, from: Date, to: Date) {
        self.workspaceID = workspaceID
        self.from = from
        self.to = to
    }
}

/// One service's usage over a period: a meter and a resource, and the quantity summed.
package struct UsageTotal: Hashable, Sendable {
    package let meterCode: String
    package let resourceName: String
    package let quantity: FixedDecimal
    package let firstStartedAt: Date
    package let lastEndedAt: Date
}

struct SQLMeterRepository: MeterRepository {
    let sql: any SQLDatabase

    func create(_ meter: Meter) async throws {
        do {
            try await self.sql.raw(
                """
                INSERT INTO meters (id, code, name, resource_type, unit, sac, currency, pricing, aggregation, created_at)
                VALUES (\(bind: meter.id.rawValue), \(bind: meter.code), \(bind: meter.name),
                    \(bind: meter.resourceType), \(bind: meter.unit), \(bind: meter.sac), \(bind: meter.currency.code),
                    \(bind: try SnapshotCoding.encode(StoredPricing(meter.pricing))),
                    \(bind: meter.aggregation.rawValue), \(bind: meter.createdAt.storedMilliseconds))
                """
            ).run()
        } catch  where error.isUniqueViolation {
            throw StoreError.duplicate("a meter with code \(meter.code) already exists")
        }
    }

    func find(code: String) async throws -> Meter? {
        try await self.sql.raw("SELECT * FROM meters WHERE code = \(bind: code)").first().map(Self.meter)
    }

    func list() async throws -> [Meter] {
        try await self.sql.raw("SELECT * FROM meters ORDER BY created_at, id").all().map(Self.meter)
    }

    static func meter(from row: any SQLRow) throws -> Meter {
        let pricing = try SnapshotCoding.decode(StoredPricing.self, from: try row.string("pricing")).pricing()
        let aggregationName = try row.string("aggregation")
        guard let aggregation = MeterAggregation(rawValue: aggregationName) else {
            throw StoreError.corrupt("unknown meter aggregation \(aggregationName)")
        }
        return Meter(
            id: MeterID(rawValue: try row.string("id")), code: try row.string("code"), name: try row.string("name"),
            resourceType: try row.string("resource_type"), unit: try row.string("unit"), sac: try row.string("sac"),
            currency: try row.currency("currency"), pricing: pricing, aggregation: aggregation,
            createdAt: try row.date("created_at"))
    }
}

/// Pricing as stored in the `meters.pricing` JSON column; decimals as exact strings.
struct StoredPricing: Codable {
    struct Tier: Codable {
        var upTo: String?
        var unitPrice: String
        var flatFee: Int64
    }

    var model: String
    var unitPrice: String?
    var packageSize: String?
    var tiers: [Tier]?

    init(_ pricing: MeterPricing) {
        self.model = pricing.model
        switch pricing {
        case .perUnit(let price):
            self.unitPrice = price.description
        case .graduated(let tiers), .volume(let tiers):
            self.tiers = tiers.map {
                Tier(upTo: $0.upTo?.description, unitPrice: $0.unitPrice.description, flatFee: $0.flatFee)
            }
        case .package(let size, let price):
            self.packageSize = size.description
            self.unitPrice = price.description
        }
    }

    func pricing() throws -> MeterPricing {
        func decimal(_ text: String?) throws -> FixedDecimal {
            guard let text, let value = FixedDecimal(text) else { throw StoreError.corrupt("bad decimal in pricing") }
            return value
        }
        let tiers = try (self.tiers ?? []).map { tier in
            PriceTier(
                upTo: try tier.upTo.map { try decimal($0) }, unitPrice: try decimal(tier.unitPrice),
                flatFee: tier.flatFee)
        }
        switch self.model {
        case "per_unit": return .perUnit(unitPrice: try decimal(self.unitPrice))
        case "graduated": return .graduated(tiers: tiers)
        case "volume": return .volume(tiers: tiers)
        case "package": return .package(size: try decimal(self.packageSize), price: try decimal(self.unitPrice))
        default: throw StoreError.corrupt("unknown pricing model \(self.model)")
        }
    }
}

struct SQLUsageRepository: UsageRepository {
    let sql: any SQLDatabase

    /// Rows per INSERT: 9 values each keeps a statement under SQLite's limit of 32,766 bound values.
    static let rowsPerStatement = 2_500

    func record(_ records: [UsageRecord]) async throws -> [UsageRecordOutcome] {
        var outcomes: [UsageRecordOutcome] = []
        outcomes.reserveCapacity(records.count)
        for chunk in records.chunked(into: Self.rowsPerStatement) {
            outcomes += try await self.record(chunk: chunk)
        }
        return outcomes
    }

    /// One multi-row INSERT. When it stored every row, each record is new; otherwise each record's key is looked
    /// up, and a record whose key was taken, before or earlier in the chunk, gets the stored id.
    private func record(chunk: ArraySlice<UsageRecord>) async throws -> [UsageRecordOutcome] {
        let rows = chunk.map { record -> SQLQueryString in
            """
            (\(plain: record.id.rawValue), \(plain: record.workspaceID.rawValue), \(bind: record.eventID),
                \(plain: record.meterCode), \(bind: record.resourceName), \(integer: record.quantity.scaledValue),
                \(integer: record.startedAt.storedMilliseconds), \(integer: record.endedAt.storedMilliseconds),
                \(integer: record.createdAt.storedMilliseconds))
            """
        }
        let insert: SQLQueryString = """
            INSERT INTO usage_records (id, workspace_id, event_id, meter_code, resource_name, quantity,
                started_at, ended_at, created_at)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (workspace_id, event_id) DO NOTHING
            """
        // Counting the rows stored is cheaper than reading back an id for each.
        let stored: Int
        if self.sql.isPostgreSQL {
            let row = try await self.sql.raw("WITH stored AS (\(insert) RETURNING 1) SELECT COUNT(*) AS n FROM stored")
                .first()
            stored = try row?.int("n") ?? 0
        } else {
            // SQLite allows no INSERT inside WITH. RETURNING, unlike a later `SELECT changes()`, answers on the
            // statement's own connection whichever connection the next statement takes.
            stored = try await self.sql.raw("\(insert) RETURNING 1").all().count
        }
        if stored == chunk.count { return chunk.map { .recorded($0.id) } }
        var outcomes: [UsageRecordOutcome] = []
        outcomes.reserveCapacity(chunk.count)
        for record in chunk {
            guard
                let existing = try await self.sql.raw(
                    """
                    SELECT id FROM usage_records
                    WHERE workspace_id = \(bind: record.workspaceID.rawValue) AND event_id = \(bind: record.eventID)
                    """
                ).first()
            else { throw StoreError.corrupt("usage event \(record.eventID) was neither stored nor found") }
            let id = UsageRecordID(rawValue: try existing.string("id"))
            outcomes.append(id == record.id ? .recorded(id) : .duplicate(id))
        }
        return outcomes
    }

    func totals(for periods: [UsagePeriod]) async throws -> [Int: [UsageTotal]] {
        var totals: [Int: [UsageTotal]] = [:]
        var offset = 0
        for chunk in periods.chunked(into: 1_000) {
            let rows = chunk.enumerated().map { index, period -> SQLQueryString in
                """
                (CAST(\(bind: offset + index) AS BIGINT), \(bind: period.workspaceID.rawValue),
                    CAST(\(bind: period.from.storedMilliseconds) AS BIGINT),
                    CAST(\(bind: period.to.storedMilliseconds) AS BIGINT))
                """
            }
            offset += chunk.count
            let result = try await self.sql.raw(
                """
                WITH periods (period_index, workspace_id, from_ms, to_ms) AS (VALUES \(rows.joined(separator: ", ")))
                SELECT periods.period_index, usage_records.meter_code, usage_records.resource_name,
                    \(unsafeRaw: Self.quantitySums(of: "usage_records.quantity")),
                    MIN(usage_records.started_at) AS first_started_at, MAX(usage_records.ended_at) AS last_ended_at
                FROM periods JOIN usage_records ON usage_records.workspace_id = periods.workspace_id
                    AND usage_records.started_at >= periods.from_ms AND usage_records.started_at < periods.to_ms
                GROUP BY periods.period_index, usage_records.meter_code, usage_records.resource_name
                ORDER BY periods.period_index, usage_records.meter_code, usage_records.resource_name
                """
            ).all()
            for row in result {
                totals[try row.int("period_index"), default: []].append(try Self.total(from: row))
            }
        }
        return totals
    }

    /// The sum of a quantity column as two sums that cannot overflow: whole units and millionths. A plain `SUM`
    /// of many large quantities overflows 64 bits, which SQLite reports as an error and PostgreSQL's cast too.
    static func quantitySums(of column: String) -> String {
        """
        CAST(SUM(\(column) / \(FixedDecimal.scale)) AS BIGINT) AS quantity_units,
            CAST(SUM(\(column) % \(FixedDecimal.scale)) AS BIGINT) AS quantity_fraction
        """
    }

    /// A usage total from a row of `quantitySums`; `MoneyError.overflow` when it is beyond what a quantity holds.
    static func total(from row: any SQLRow) throws -> UsageTotal {
        let (scaledUnits, unitsOverflow) = try row.int64("quantity_units").multipliedReportingOverflow(
            by: FixedDecimal.scale)
        let (quantity, sumOverflow) = scaledUnits.addingReportingOverflow(try row.int64("quantity_fraction"))
        guard !unitsOverflow, !sumOverflow else { throw MoneyError.overflow }
        return UsageTotal(
            meterCode: try row.string("meter_code"), resourceName: try row.string("resource_name"),
            quantity: FixedDecimal(scaledValue: quantity), firstStartedAt: try row.date("first_started_at"),
            lastEndedAt: try row.date("last_ended_at"))
    }

    func storedPosition() async throws -> Int64? {
        guard !self.sql.isPostgreSQL else { return nil }
        return try await self.sql.raw("SELECT COALESCE(MAX(rowid), 0) AS position FROM usage_records").first()?
            .int64("position") ?? 0
    }

    func workspaces(storedAfter position: Int64) async throws -> Set<WorkspaceID> {
        guard !self.sql.isPostgreSQL else {
            throw StoreError.invalid("PostgreSQL keeps no order in which usage was stored")
        }
        // No DISTINCT: with it SQLite walks a whole index for the workspaces instead of the rows after `position`.
        let rows = try await self.sql.raw("SELECT workspace_id FROM usage_records WHERE rowid > \(bind: position)")
            .all()
        return Set(try rows.map { WorkspaceID(rawValue: try $0.string("workspace_id")) })
    }

    func totals(for workspace: WorkspaceID, from: Date, to: Date) async throws -> [UsageTotal] {
        try await self.sql.raw(
            """
            SELECT meter_code, resource_name, \(unsafeRaw: Self.quantitySums(of: "quantity")),
                MIN(started_at) AS first_started_at, MAX(ended_at) AS last_ended_at
            FROM usage_records
            WHERE workspace_id = \(bind: workspace.rawValue) AND started_at >= \(bind: from.storedMilliseconds)
                AND started_at < \(bind: to.storedMilliseconds)
            GROUP BY meter_code, resource_name
            ORDER BY meter_code, resource_name
            """
        ).all().map(Self.total)
    }
}
