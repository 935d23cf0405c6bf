import BillfoldCore
import BillfoldStore
import Hummingbird

/// The mail Billfold sent or owes, for the operator: `GET /messages` with filters and a cursor, and
/// `GET /messages/{id}` with the message as rendered and its delivery record.
struct MessagesController {
    let database: Database

    func addRoutes(to api: RouterGroup<BillfoldRequestContext>) {
        api.get("messages", use: self.list)
        api.get("messages/:id", use: self.get)
    }

    /// One message; the list leaves out the bodies.
    struct MessageResponse: Encodable {
        let id: String
        let object = "message"
        let template: String
        let cause: String
        let workspaceID: String?
        let invoiceID: String?
        let recipient: String
        let subject: String
        let status: String
        let attempts: Int
        let nextAttemptAt: String?
        let messageID: String
        let lastError: String?
        let attachments: [String]
        let createdAt: String
        let sentAt: String?
        let text: String?
        let html: String?

        init(_ message: OutboxMessage, withBodies: Bool) {
            self.id = message.id.rawValue
            self.template = message.template
            self.cause = message.cause
            self.workspaceID = message.workspaceID?.rawValue
            self.invoiceID = message.invoiceID?.rawValue
            self.recipient = message.recipient
            self.subject = message.subject
            self.status = message.status.rawValue
            self.attempts = message.attempts
            self.nextAttemptAt = message.status == .queued ? Timestamp.string(message.nextAttemptAt) : nil
            self.messageID = message.messageID
            self.lastError = message.lastError
            self.attachments = message.attachments.map { attachment in
                switch attachment {
                case .documentPDF(let id): id.rawValue
                }
            }
            self.createdAt = Timestamp.string(message.createdAt)
            self.sentAt = message.sentAt.map(Timestamp.string)
            self.text = withBodies ? message.text : nil
            self.html = withBodies ? message.html : nil
        }

        private enum CodingKeys: String, CodingKey {
            case id, object, template, cause, recipient, subject, status, attempts, attachments, text, html
            case workspaceID = "workspace_id"
            case invoiceID = "invoice_id"
            case nextAttemptAt = "next_attempt_at"
            case messageID = "message_id"
            case lastError = "last_error"
            case createdAt = "created_at"
            case sentAt = "sent_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.object, forKey: .object)
            try container.encode(self.template, forKey: .template)
            try container.encode(self.cause, forKey: .cause)
            try container.encode(self.workspaceID, forKey: .workspaceID)
            try container.encode(self.invoiceID, forKey: .invoiceID)
            try container.encode(self.recipient, forKey: .recipient)
            try container.encode(self.subject, forKey: .subject)
            try container.encode(self.status, forKey: .status)
            try container.encode(self.attempts, forKey: .attempts)
            try container.encode(self.nextAttemptAt, forKey: .nextAttemptAt)
            try container.encode(self.messageID, forKey: .messageID)
            try container.encode(self.lastError, forKey: .lastError)
            try container.encode(self.attachments, forKey: .attachments)
            try container.encode(self.createdAt, forKey: .createdAt)
            try container.encode(self.sentAt, forKey: .sentAt)
            if let text = self.text { try container.encode(text, forKey: .text) }
            if let html = self.html { try container.encode(html, forKey: .html) }
        }
    }

    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = OutboxFilter()
        if let value = query.get("workspace_id") {
            filter.workspaceID = try Validate.identifier(value, as: WorkspaceID.self, param: "workspace_id")
        }
        if let value = query.get("invoice_id") {
            filter.invoiceID = try Validate.identifier(value, as: InvoiceID.self, param: "invoice_id")
        }
        if let value = query.get("status") {
            filter.status = try Validate.enumeration(value, param: "status")
        }
        if let value = query.get("template") {
            guard value.utf8.count <= 64, value.utf8.allSatisfy({ $0 == 0x5F || (0x61...0x7A).contains($0) }) else {
                throw APIError.invalid("template", "template is a template's name, such as invoice_issued")
            }
            filter.template = value
        }
        let limit = try Validate.limit(query.get("limit"))
        let startingAfter = try query.get("starting_after").map {
            try Validate.identifier($0, as: OutboxMessageID.self, param: "starting_after")
        }
        let outbox = self.database.store.outbox
        if let startingAfter, try await outbox.find(startingAfter) == nil {
            throw APIError.notFound("message", id: startingAfter.rawValue, param: "starting_after")
        }
        let messages = try await outbox.list(filter, limit: limit + 1, startingAfter: startingAfter)
        return try JSONCoding.response(
            ListResponse(
                data: messages.prefix(limit).map { MessageResponse($0, withBodies: false) },
                hasMore: messages.count > limit),
            keys: .declared)
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        guard let id = OutboxMessageID(validating: raw), let message = try await self.database.store.outbox.find(id)
        else {
            throw APIError.notFound("message", id: raw)
        }
        return try JSONCoding.response(MessageResponse(message, withBodies: true), keys: .declared)
    }
}
