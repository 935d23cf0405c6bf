import BillfoldCore
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/events`: the event log, oldest first, for a platform to poll.
struct EventsController {
    let database: Database

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.get("events", use: self.list)
        group.get("events/:id", use: self.get)
    }

    /// The events the filters keep, oldest first: `type` (one or more, comma separated or repeated),
    /// `workspace_id`, `invoice_id`, `created_after`, `created_before`, `limit` and `starting_after`. A poller passes
    /// the last id it has seen as `starting_after`.
    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let filter = try Self.filter(from: query)
        let limit = try Validate.limit(query.get("limit"))
        let startingAfter = try query.get("starting_after").map {
            try Validate.identifier($0, as: EventID.self, param: "starting_after")
        }
        let store = self.database.store
        if let startingAfter, try await store.events.find(startingAfter) == nil {
            throw APIError.notFound("event", id: startingAfter.rawValue, param: "starting_after")
        }
        let events = try await store.events.list(filter, limit: limit + 1, startingAfter: startingAfter)
        return try JSONCoding.response(
            ListResponse(
                data: events.prefix(limit).map(BillingEvent.Representation.init), hasMore: events.count > limit),
            keys: .declared)
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        guard let id = EventID(validating: raw), let event = try await self.database.store.events.find(id) else {
            throw APIError.notFound("event", id: raw)
        }
        return try JSONCoding.response(BillingEvent.Representation(event), keys: .declared)
    }

    static func filter(from query: Parameters) throws -> EventFilter {
        var filter = EventFilter()
        for value in query.getAll("type").flatMap({ $0.split(separator: ",") }) {
            let type: BillingEventType = try Validate.enumeration(
                value.trimmingCharacters(in: .whitespaces), param: "type")
            filter.types.insert(type)
        }
        filter.workspaceID = try query.get("workspace_id").map {
            try Validate.identifier($0, as: WorkspaceID.self, param: "workspace_id")
        }
        filter.invoiceID = try query.get("invoice_id").map {
            try Validate.identifier($0, as: InvoiceID.self, param: "invoice_id")
        }
        filter.createdAfter = try query.get("created_after").map {
            try Validate.timestamp($0, param: "created_after")
        }
        filter.createdBefore = try query.get("created_before").map {
            try Validate.timestamp($0, param: "created_before")
        }
        if let after = filter.createdAfter, let before = filter.createdBefore, before <= after {
            throw APIError.invalid(
                "created_before", "created_before (\(Timestamp.string(before))) must be later than created_after")
        }
        return filter
    }
}
