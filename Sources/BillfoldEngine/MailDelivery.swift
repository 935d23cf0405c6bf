import BillfoldCore
import BillfoldMail
import BillfoldStore
import Foundation
import Logging

/// Sends what the outbox holds: claims due messages under a lease, renders their attachments (each document once a
/// batch), hands each message to the transport, and records the outcome.
///
/// A message a process claimed and never finished (it died mid-send) is claimed again once its lease lapses, so
/// nothing is lost; it keeps its `Message-ID`, so a mail server that already took it can tell the copy apart. A
/// transient failure (a 4xx reply, a dropped connection) queues the message again after the retry schedule's
/// wait; a permanent one (a 5xx reply), or the last attempt, marks it failed with the server's reply.
package struct MailDelivery: Sendable {
    package let database: Database
    package let documents: DocumentService
    package let transport: any MailTransport
    /// The `From` of every message; `nil`: the supplier's name and email.
    package let sender: MailAddress?
    package let clock: BillingClock
    package let schedule: MailRetrySchedule
    /// How long a claim holds before another process may take the message.
    package let lease: TimeInterval
    /// Who claims: unique to this process.
    package let claimant: String
    /// How many messages are sent at once.
    package let concurrency: Int
    package let logger: Logger

    package init(
        database: Database, documents: DocumentService, transport: any MailTransport, sender: MailAddress?,
        clock: BillingClock, schedule: MailRetrySchedule = .standard, lease: TimeInterval = 300,
        claimant: String = MailDelivery.processClaimant(), concurrency: Int = 4,
        logger: Logger = Logger(label: "billfold.mail")
    ) {
        self.database = database
        self.documents = documents
        self.transport = transport
        self.sender = sender
        self.clock = clock
        self.schedule = schedule
        self.lease = lease
        self.claimant = claimant
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// A name for this process's claims: host, process id and a random part, so a restarted process with the
    /// same pid never mistakes an old claim for its own.
    package static func processClaimant() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// What one pass did.
    package struct Report: Hashable, Sendable {
        package var sent = 0
        package var retrying = 0
        package var failed = 0
        /// Messages whose claim passed to another process before this one finished; their outcome is the other's.
        package var lostClaims = 0

        package init() {}
    }

    /// Delivers every message due now, a batch at a time, until none is left.
    @discardableResult
    package func deliverDue(batchSize: Int = 50) async throws -> Report {
        var report = Report()
        // Before claiming anything: without a sender nothing can go, and nothing should sit claimed.
        let from = try await self.from()
        while true {
            let now = self.clock.now
            let batch = try await self.database.store.outbox.claim(
                due: now, claimant: self.claimant, leaseExpiresAt: now.addingTimeInterval(self.lease),
                limit: batchSize)
            if batch.isEmpty { return report }
            // Each document once, however many of its billing contacts the batch mails it to.
            let documents = try await self.render(batch.flatMap(\.attachments))
            let outcomes = try await concurrently(batch, atMost: self.concurrency) { message in
                try await self.deliver(message, from: from, documents: documents)
            }
            for outcome in outcomes {
                switch outcome {
                case .sent: report.sent += 1
                case .retrying: report.retrying += 1
                case .failed: report.failed += 1
                case .lostClaim: report.lostClaims += 1
                }
            }
        }
    }

    private enum Outcome {
        case sent, retrying, failed, lostClaim
    }

    /// The sender: the configured one, else the supplier.
    private func from() async throws -> MailAddress {
        if let sender = self.sender { return sender }
        guard let supplier = try await self.database.store.supplier.find() else {
            throw EngineError(.invalidState, "mail needs a sender: set BILLFOLD_MAIL_FROM or the supplier")
        }
        guard let address = MailAddress(supplier.email, displayName: supplier.name) else {
            throw EngineError(
                .invalidState,
                "the supplier's email \(supplier.email) cannot send mail (an address in ASCII is needed); "
                    + "set BILLFOLD_MAIL_FROM or change the supplier's email")
        }
        return address
    }

    private func deliver(
        _ message: OutboxMessage, from: MailAddress, documents: [InvoiceID: Result<MailAttachment, EngineError>]
    ) async throws -> Outcome {
        let outbox = self.database.store.outbox
        do {
            let mail = try self.mail(for: message, from: from, documents: documents)
            try await self.transport.send(mail)
        } catch let error as MailDeliveryError {
            return try await self.recordFailure(message, error.description, permanent: error.kind == .permanent)
        } catch let error as EngineError {
            // The message cannot be built (its recipient or attachment is unusable): retrying will not help.
            return try await self.recordFailure(message, error.message, permanent: true)
        }
        let recorded = try await outbox.markSent(message.id, claimant: self.claimant, at: self.clock.now)
        return recorded ? .sent : .lostClaim
    }

    private func recordFailure(_ message: OutboxMessage, _ reason: String, permanent: Bool) async throws -> Outcome {
        let now = self.clock.now
        let retryAt = permanent ? nil : self.schedule.nextAttempt(after: message.attempts, failedAt: now)
        self.logger.warning(
            "mail \(message.id) to \(message.recipient) failed on attempt \(message.attempts): \(reason)",
            metadata: ["retry_at": "\(retryAt.map(ISO8601Instant.format) ?? "never")"])
        let recorded = try await self.database.store.outbox.markAttemptFailed(
            message.id, claimant: self.claimant, error: reason, retryAt: retryAt, at: now)
        guard recorded else { return .lostClaim }
        return retryAt == nil ? .failed : .retrying
    }

    /// The message as the transport sends it, its attachments rendered now.
    /// The PDFs of the documents `attachments` name, each rendered once; a document that is gone or cannot be
    /// rendered is the refusal its messages fail with.
    private func render(_ attachments: [OutboxMessage.Attachment]) async throws
        -> [InvoiceID: Result<MailAttachment, EngineError>]
    {
        var documents: [InvoiceID: Result<MailAttachment, EngineError>] = [:]
        for case .documentPDF(let id) in attachments where documents[id] == nil {
            guard let invoice = try await self.database.store.invoices.find(id) else {
                documents[id] = .failure(EngineError(.notFound, "the attached document \(id) no longer exists"))
                continue
            }
            do {
                let file = try await self.documents.pdf(of: invoice)
                documents[id] = .success(
                    MailAttachment(filename: file.name, contentType: "application/pdf", data: file.bytes))
            } catch let error as EngineError {
                documents[id] = .failure(error)
            }
        }
        return documents
    }

    /// The message as the transport sends it, with its attachments from `documents`.
    func mail(
        for message: OutboxMessage, from: MailAddress, documents: [InvoiceID: Result<MailAttachment, EngineError>]
    ) throws(EngineError) -> MailMessage {
        guard let recipient = MailAddress(message.recipient) else {
            throw EngineError(.invalidField, "\(message.recipient) is not an email address")
        }
        let attachments = try message.attachments.map { attachment throws(EngineError) in
            switch attachment {
            case .documentPDF(let id):
                guard let document = documents[id] else {
                    throw EngineError(.notFound, "the attached document \(id) was not rendered")
                }
                return try document.get()
            }
        }
        return MailMessage(
            from: from, to: [recipient], subject: message.subject, text: message.text,
            html: message.html.isEmpty ? nil : message.html, attachments: attachments, messageID: message.messageID,
            date: message.createdAt)
    }
}
