import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `POST /api/v1/usage`: a batch of metered usage, stored once per `(workspace, event_id)`.
///
/// A batch is all or nothing: when any record is invalid, the answer is 422 listing every invalid record by
/// index, and nothing is stored. Sending a record again never counts it twice and answers with the id it
/// was stored under the first time. A 200 answer means the batch is committed to disk.
struct UsageController {
    static let maximumBatchSize = 10_000

    /// How far back a record's times may lie: a year's billing period (366 days in a leap year) and a month for a
    /// meter that reports late. Usage of a period already invoiced is never billed, so older records only hide
    /// a sender's mistake, such as a year 0000 or a time in seconds read as milliseconds.
    static let oldestUsage: TimeInterval = 400 * 86_400
    /// How far ahead: clocks of the platform's meters may run a little ahead of the server's; a day covers any
    /// zone mix-up, and nothing is metered before it happens.
    static let newestUsage: TimeInterval = 86_400

    let database: Database
    let clock: BillingClock

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("usage", use: self.record)
    }

    struct RecordBody: Decodable {
        var eventId: String?
        var workspaceId: String?
        var meter: String?
        var resourceName: String?
        var quantity: String?
        var startedAt: String?
        var endedAt: String?

        enum CodingKeys: String, CodingKey {
            case eventId = "event_id"
            case workspaceId = "workspace_id"
            case meter
            case resourceName = "resource_name"
            case quantity
            case startedAt = "started_at"
            case endedAt = "ended_at"
        }
    }

    struct BatchBody: Decodable {
        var records: [RecordBody]?
    }

    /// Bodies of 10,000 records fit in 8 MiB; the default 1 MiB limit is for everything else.
    static let maximumBodySize = 8 << 20

    @Sendable func record(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(
            BatchBody.self, from: request, context: context, upTo: Self.maximumBodySize, keys: .declared)
        guard let records = body.records else { throw APIError.missing("records") }
        guard (1...Self.maximumBatchSize).contains(records.count) else {
            throw APIError.invalid("records", "send from 1 to \(Self.maximumBatchSize) records in one batch")
        }
        let now = self.clock.now
        var errors: [APIError.ItemError] = []
        var parsed: [(index: Int, record: UsageRecord)] = []
        parsed.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            do {
                parsed.append((index, try Self.parse(record, now: now)))
            } catch let error as APIError {
                errors.append(
                    .init(index: index, param: "records[\(index)].\(error.param ?? "")", message: error.message))
            }
        }
        let valid = parsed
        let formatErrors = errors
        let total = records.count
        let outcomes = try await self.database.inTransaction { store in
            let errors = (formatErrors + (try await Self.referenceErrors(valid, in: store))).sorted {
                $0.index < $1.index
            }
            guard errors.isEmpty else {
                throw APIError(
                    .unprocessableContent, .invalidRequest, code: "invalid_records",
                    message: "\(errors.count) of \(total) records are invalid; nothing was stored",
                    param: errors[0].param, errors: Array(errors.prefix(100)))
            }
            return try await store.usage.record(valid.map(\.record))
        }
        // Written by hand: for 10,000 records JSONEncoder costs more than storing them. The shape and key order
        // are what `JSONCoding.response` would give: {"count", "data": [{"event_id", "id"}], "object": "list"}.
        var json = "{\"count\":\(outcomes.count),\"data\":["
        json.reserveCapacity(outcomes.count * 80)
        for (position, (record, outcome)) in zip(parsed.map(\.record), outcomes).enumerated() {
            let id: UsageRecordID
            switch outcome {
            case .recorded(let recorded), .duplicate(let recorded): id = recorded
            }
            if position > 0 { json += "," }
            json +=
                "{\"event_id\":" + JSONCoding.quoted(record.eventID) + ",\"id\":" + JSONCoding.quoted(id.rawValue)
                + "}"
        }
        json += "],\"object\":\"list\"}"
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// One record checked field by field; a thrown `APIError` names the field without the `records[i].` part.
    static func parse(_ body: RecordBody, now: Date) throws -> UsageRecord {
        let eventID = try Validate.text(body.eventId, param: "event_id", maximumLength: 255)
        guard let workspaceText = body.workspaceId else { throw APIError.missing("workspace_id") }
        let workspaceID = try Validate.identifier(workspaceText, as: WorkspaceID.self, param: "workspace_id")
        let meter = try Validate.code(body.meter, param: "meter")
        let resourceName = try Validate.text(body.resourceName, param: "resource_name")
        guard let quantityText = body.quantity else { throw APIError.missing("quantity") }
        let quantity = try Validate.decimal(quantityText, param: "quantity")
        let startedAt = try Self.usageTime(body.startedAt, param: "started_at", now: now)
        let endedAt = try Self.usageTime(body.endedAt, param: "ended_at", now: now)
        guard endedAt >= startedAt else { throw APIError.invalid("ended_at", "ended_at is before started_at") }
        return UsageRecord(
            id: .generate(), workspaceID: workspaceID, eventID: eventID, meterCode: meter, resourceName: resourceName,
            quantity: quantity, startedAt: startedAt, endedAt: endedAt, createdAt: now)
    }

    /// A record's time, within 400 days before and a day after `now`, the billing clock's time.
    static func usageTime(_ value: String?, param: String, now: Date) throws -> Date {
        let time = try Validate.timestamp(value, param: param)
        let oldest = now.addingTimeInterval(-Self.oldestUsage)
        let newest = now.addingTimeInterval(Self.newestUsage)
        guard time >= oldest, time <= newest else {
            throw APIError.invalid(
                param,
                "\(param) must be within 400 days before and 1 day after the server's time: from "
                    + "\(ISO8601Instant.format(oldest)) to \(ISO8601Instant.format(newest))")
        }
        return time
    }

    /// An error for every record whose workspace or meter does not exist.
    static func referenceErrors(
        _ records: [(index: Int, record: UsageRecord)], in store: Store
    ) async throws -> [APIError.ItemError] {
        let found = try await store.workspaces.find(records.map(\.record.workspaceID))
        var workspaces: [WorkspaceID: Bool] = [:]
        var meters: [String: Bool] = [:]
        for (_, record) in records {
            workspaces[record.workspaceID] = found[record.workspaceID] != nil
            if meters[record.meterCode] == nil {
                meters[record.meterCode] = try await store.meters.find(code: record.meterCode) != nil
            }
        }
        var errors: [APIError.ItemError] = []
        for (index, record) in records {
            if workspaces[record.workspaceID] == false {
                errors.append(
                    .init(
                        index: index, param: "records[\(index)].workspace_id",
                        message: "no workspace \(record.workspaceID)"
                    ))
            }
            if meters[record.meterCode] == false {
                errors.append(
                    .init(index: index, param: "records[\(index)].meter", message: "no meter \(record.meterCode)"))
            }
        }
        return errors
    }
}
