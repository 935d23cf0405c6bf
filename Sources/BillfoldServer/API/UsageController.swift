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

    let usage: UsageService

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
        var batch = self.usage.batch(of: records.count)
        for (index, record) in records.enumerated() {
            do {
                let parsed = try Self.parse(record, in: batch)
                batch.add(parsed, at: index)
            } catch let error as APIError {
                batch.refuse(at: index, field: error.param ?? "", message: error.message)
            } catch let error as EngineError {
                batch.refuse(at: index, field: error.param ?? "", message: error.message)
            }
        }
        let outcomes = try await self.usage.record(batch)
        // Written by hand: for 10,000 records JSONEncoder costs more than storing them. The shape and key order
        // are what `JSONCoding.response` would give: {"count", "data": [{"event_id", "id"}], "object": "list"}.
        var json = "{\"count\":\(outcomes.count),\"data\":["
        json.reserveCapacity(outcomes.count * 80)
        for (position, (record, outcome)) in zip(batch.accepted.map(\.record), outcomes).enumerated() {
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
        return JSONCoding.response(json: json)
    }

    /// One record checked field by field, its times against the window of `batch`; a thrown `APIError` or
    /// `EngineError` names the field without the `records[i].` part.
    static func parse(_ body: RecordBody, in batch: UsageBatch) throws -> UsageRecord {
        let eventID = try Validate.text(body.eventId, param: "event_id", maximumLength: 255)
        guard let workspaceText = body.workspaceId else { throw APIError.missing("workspace_id") }
        let workspaceID = try Validate.identifier(workspaceText, as: WorkspaceID.self, param: "workspace_id")
        let meter = try Validate.code(body.meter, param: "meter")
        let resourceName = try Validate.text(body.resourceName, param: "resource_name")
        guard let quantityText = body.quantity else { throw APIError.missing("quantity") }
        let quantity = try Validate.decimal(quantityText, param: "quantity")
        let startedAt = try batch.check(Validate.timestamp(body.startedAt, param: "started_at"), field: "started_at")
        let endedAt = try batch.check(Validate.timestamp(body.endedAt, param: "ended_at"), field: "ended_at")
        try batch.checkPeriod(from: startedAt, to: endedAt)
        return UsageRecord(
            id: .generate(), workspaceID: workspaceID, eventID: eventID, meterCode: meter, resourceName: resourceName,
            quantity: quantity, startedAt: startedAt, endedAt: endedAt, createdAt: batch.receivedAt)
    }
}
