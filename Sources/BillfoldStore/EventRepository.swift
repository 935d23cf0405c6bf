import BillfoldCore
import Foundation
import SQLKit

/// Which events a list keeps; every field left empty keeps all.
package struct EventFilter: Hashable, Sendable {
    package var types: Set<BillingEventType>
    package var workspaceID: WorkspaceID?
    /// Events about this invoice, or about this credit note.
    package var invoiceID: InvoiceID?
    /// Strictly after this time.
    package var createdAfter: Date?
    /// Strictly before this time.
    package var createdBefore: Date?

    package init(
        types: Set<BillingEventType> = [], workspaceID: WorkspaceID? = nil, invoiceID: InvoiceID? = nil,
        createdAfter: Date? = nil, createdBefore: Date? = nil
    ) {
        self.types = types
        self.workspaceID = workspaceID
        self.invoiceID = invoiceID
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
    }
}

/// Where a reader of the event log is: the writing transaction and the sequence of the last event it read.
package struct EventLogPosition: Hashable, Sendable {
    package var transaction: Int64
    package var sequence: Int64

    package init(transaction: Int64, sequence: Int64) {
        self.transaction = transaction
        self.sequence = sequence
    }

    package static let start = EventLogPosition(transaction: 0, sequence: 0)
}

/// The event log: append-only, in the order the events were written.
package protocol EventRepository: Sendable {
    /// Up to `limit` events after `position` in commit order, each with its position. On PostgreSQL only events of
    /// transactions older than any still writing to this database are read, so no event can later commit behind
    /// the position; transactions in other databases of the cluster, and ones that have written nothing, hold
    /// nothing back.
    func following(_ position: EventLogPosition, limit: Int) async throws
        -> [(position: EventLogPosition, event: BillingEvent)]
    /// The newest event of `type` about `workspace`.
    func latest(_ type: BillingEventType, of workspace: WorkspaceID) async throws -> BillingEvent?
    /// Appends an event; record it in the transaction of the change it tells of.
    func record(_ event: BillingEvent) async throws
    /// Appends events in their order, in as few statements as the database allows.
    func record(_ events: [BillingEvent]) async throws
    /// The event with this id.
    func find(_ id: EventID) async throws -> BillingEvent?
    /// The events the filter keeps, oldest first, at most `limit`, after the event `startingAfter` when given.
    func list(_ filter: EventFilter, limit: Int, startingAfter: EventID?) async throws -> [BillingEvent]
}

struct SQLEventRepository: EventRepository {
    let sql: any SQLDatabase

    func record(_ event: BillingEvent) async throws {
        try await self.record([event])
    }

    func record(_ events: [BillingEvent]) async throws {
        let rows = try events.map { event -> [BulkValue] in
            [
                .text(event.id.rawValue), .text(event.type.rawValue), .text(event.workspaceID?.rawValue),
                .text(event.invoiceID?.rawValue), .text(event.paymentID?.rawValue), .text(event.creditNoteID?.rawValue),
                .text(event.refundID?.rawValue), .text(StoredEventData.encode(event.data)),
                .integer(event.createdAt.storedMilliseconds),
            ]
        }
        try await BulkInsert.run(
            rows, into: "events",
            columns: [
                "id", "type", "workspace_id", "invoice_id", "payment_id", "credit_note_id", "refund_id", "data",
                "created_at",
            ], rowsPerStatement: 1_000, on: self.sql)
    }

    func following(_ position: EventLogPosition, limit: Int) async throws
        -> [(position: EventLogPosition, event: BillingEvent)]
    {
        let query: SQLQueryString =
            self.sql.isPostgreSQL
            ? """
            SELECT * FROM events
            WHERE (txid, sequence) > (\(bind: position.transaction), \(bind: position.sequence))
                AND txid < COALESCE(
                    (SELECT MIN(running::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
                    WHERE running::text::bigint % 4294967296 IN (
                        SELECT backend_xid::text::bigint FROM pg_stat_activity
                        WHERE datname = current_database() AND backend_xid IS NOT NULL
                            AND pid <> pg_backend_pid())),
                    pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
            ORDER BY txid, sequence LIMIT \(bind: limit)
            """
            : "SELECT * FROM events WHERE sequence > \(bind: position.sequence) ORDER BY sequence LIMIT \(bind: limit)"
        return try await self.sql.raw(query).all().map { row in
            (
                EventLogPosition(transaction: try row.int64("txid"), sequence: try row.int64("sequence")),
                try Self.event(from: row)
            )
        }
    }

    func latest(_ type: BillingEventType, of workspace: WorkspaceID) async throws -> BillingEvent? {
        try await self.sql.raw(
            """
            SELECT * FROM events WHERE type = \(bind: type.rawValue) AND workspace_id = \(bind: workspace.rawValue)
            ORDER BY sequence DESC LIMIT 1
            """
        ).first().map(Self.event(from:))
    }

    func find(_ id: EventID) async throws -> BillingEvent? {
        try await self.sql.raw("SELECT * FROM events WHERE id = \(bind: id.rawValue)").first().map(Self.event(from:))
    }

    func list(_ filter: EventFilter, limit: Int, startingAfter: EventID?) async throws -> [BillingEvent] {
        var conditions: [SQLQueryString] = []
        if !filter.types.isEmpty {
            conditions.append("type IN (\(binds: filter.types.map(\.rawValue).sorted()))")
        }
        if let workspaceID = filter.workspaceID {
            conditions.append("workspace_id = \(bind: workspaceID.rawValue)")
        }
        if let invoiceID = filter.invoiceID {
            conditions.append(
                "(invoice_id = \(bind: invoiceID.rawValue) OR credit_note_id = \(bind: invoiceID.rawValue))")
        }
        if let after = filter.createdAfter {
            conditions.append("created_at > \(bind: after.storedMilliseconds)")
        }
        if let before = filter.createdBefore {
            conditions.append("created_at < \(bind: before.storedMilliseconds)")
        }
        if let startingAfter {
            conditions.append(
                "sequence > (SELECT c.sequence FROM events c WHERE c.id = \(bind: startingAfter.rawValue))")
        }
        var query = SQLQueryString("SELECT * FROM events")
        for (index, condition) in conditions.enumerated() {
            query.appendLiteral(index == 0 ? " WHERE " : " AND ")
            query += condition
        }
        query.appendLiteral(" ORDER BY sequence LIMIT ")
        query.appendInterpolation(bind: limit)
        return try await self.sql.raw(query).all().map(Self.event(from:))
    }

    static func event(from row: any SQLRow) throws -> BillingEvent {
        BillingEvent(
            id: EventID(rawValue: try row.string("id")), type: try row.enumeration("type", as: BillingEventType.self),
            workspaceID: try row.optionalString("workspace_id").map(WorkspaceID.init(rawValue:)),
            invoiceID: try row.optionalString("invoice_id").map(InvoiceID.init(rawValue:)),
            paymentID: try row.optionalString("payment_id").map(PaymentID.init(rawValue:)),
            creditNoteID: try row.optionalString("credit_note_id").map(InvoiceID.init(rawValue:)),
            refundID: try row.optionalString("refund_id").map(RefundID.init(rawValue:)),
            data: try StoredEventData.decode(try row.string("data")), at: try row.date("created_at"))
    }
}

/// An event's data as the `data` column holds it: JSON in which money, unlike in the API, keeps its currency
/// (`{"minor_units": 121540, "currency": "INR"}`), so the event reads back as it was recorded.
enum StoredEventData {
    private enum Value: Decodable {
        case plain(EventValue)
        case money(minorUnits: Int64, currency: String)

        private enum CodingKeys: String, CodingKey {
            case minorUnits = "minor_units"
            case currency
        }

        init(from decoder: any Decoder) throws {
            if let container = try? decoder.container(keyedBy: CodingKeys.self) {
                self = .money(
                    minorUnits: try container.decode(Int64.self, forKey: .minorUnits),
                    currency: try container.decode(String.self, forKey: .currency))
            } else {
                self = .plain(try EventValue(from: decoder))
            }
        }

        func eventValue() throws -> EventValue {
            switch self {
            case .plain(let value): return value
            case .money(let minorUnits, let code):
                guard let currency = Currency.named(code) else {
                    throw StoreError.corrupt("an event's data holds money in unknown currency \(code)")
                }
                return .money(Money(minorUnits: minorUnits, currency: currency))
            }
        }
    }

    /// The data as JSON with its keys in order, written by hand: what `JSONEncoder` with sorted keys and unescaped
    /// slashes writes, for a fraction of its cost, which a billing run pays once an invoice.
    static func encode(_ data: [String: EventValue]) -> String {
        SnapshotCoding.object(data) { value, json in
            switch value {
            case .string(let string): JSONText.appendQuoted(string, to: &json)
            case .integer(let integer): JSONText.appendInteger(integer, to: &json)
            case .money(let money):
                json.append(contentsOf: "{\"currency\":".utf8)
                JSONText.appendQuoted(money.currency.code, to: &json)
                json.append(contentsOf: ",\"minor_units\":".utf8)
                JSONText.appendInteger(money.minorUnits, to: &json)
                json.append(UInt8(ascii: "}"))
            case .bool(let bool): json.append(contentsOf: (bool ? "true" : "false").utf8)
            case .null: json.append(contentsOf: "null".utf8)
            }
        }
    }

    static func decode(_ text: String) throws -> [String: EventValue] {
        try JSONDecoder().decode([String: Value].self, from: Data(text.utf8)).mapValues { try $0.eventValue() }
    }
}
