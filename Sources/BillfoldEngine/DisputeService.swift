import BillfoldCore
import BillfoldStore
import Foundation

/// Disputes: a workspace's owner or admin raises one against an invoice in the portal, both sides write in its
/// thread, and the operator closes it through the API, with a credit note or an explanation.
///
/// Every change is one transaction with its event (which mails the billing contacts) and its audit entry. While a
/// dispute is open its invoice carries it: it shows `disputed`, dunning sets the contested amount aside, auto-pay
/// leaves it alone.
package struct DisputeService: Sendable {
    package let corrections: CorrectionService

    package init(corrections: CorrectionService) {
        self.corrections = corrections
    }

    var database: Database { self.corrections.database }
    var clock: BillingClock { self.corrections.clock }

    /// A file sent with a dispute, as uploaded.
    package struct Upload: Sendable {
        package let filename: String
        package let bytes: [UInt8]

        package init(filename: String, bytes: [UInt8]) {
            self.filename = filename
            self.bytes = bytes
        }
    }

    /// What the customer says when raising a dispute.
    package struct Opening: Sendable {
        package var reason: DisputeReason
        package var linePositions: [Int]
        /// What the customer believes the invoice should total.
        package var expectedTotal: Money
        package var message: String
        package var uploads: [Upload]

        package init(
            reason: DisputeReason, linePositions: [Int], expectedTotal: Money, message: String, uploads: [Upload]
        ) {
            self.reason = reason
            self.linePositions = linePositions
            self.expectedTotal = expectedTotal
            self.message = message
            self.uploads = uploads
        }
    }

    /// The longest comment taken.
    package static let maximumCommentLength = 5_000

    /// Raises a dispute on invoice `invoiceID` of `workspaceID`, by member `author`.
    package func open(
        on invoiceID: InvoiceID, of workspaceID: WorkspaceID, _ opening: Opening, author: String
    ) async throws -> Dispute {
        let now = self.clock.now
        let message = try Self.commentBody(opening.message, param: "message")
        guard opening.uploads.count <= DisputeAttachment.maximumCount else {
            throw EngineError(
                .invalidField,
                "Attach at most \(DisputeAttachment.maximumCount) files; \(opening.uploads.count) were sent",
                param: "attachments")
        }
        var checked: [(DisputeAttachment.ContentType, Upload)] = []
        for upload in opening.uploads {
            do throws(AttachmentError) {
                checked.append((try DisputeAttachment.check(filename: upload.filename, bytes: upload.bytes), upload))
            } catch {
                throw EngineError(.invalidField, error.message, param: "attachments")
            }
        }
        let attachments = checked
        return try await self.database.inTransaction { store in
            guard try await store.invoices.lock(invoiceID), var invoice = try await store.invoices.find(invoiceID),
                invoice.workspaceID == workspaceID
            else { throw EngineError(.notFound, "no invoice \(invoiceID)") }
            guard invoice.isDisputable, let number = invoice.number else {
                throw EngineError(
                    .invalidState,
                    invoice.openDispute != nil
                        ? "invoice \(invoice.number ?? invoiceID.rawValue) already has an open dispute; add to its "
                            + "thread instead"
                        : "only an issued invoice that is open or paid can be disputed; this one is "
                            + "\(invoice.state.rawValue)")
            }
            for position in opening.linePositions where !invoice.lines.indices.contains(position) {
                throw EngineError(
                    .invalidField,
                    "The invoice has lines 0 to \(invoice.lines.count - 1); there is no line \(position)",
                    param: "lines")
            }
            let expected = opening.expectedTotal
            guard expected.currency == invoice.currency, !expected.isNegative,
                expected.minorUnits < invoice.total.minorUnits
            else {
                throw EngineError(
                    .invalidField,
                    "The amount you believe is right must be at least zero and less than the invoice's "
                        + "\(invoice.total.formatted())", param: "expected_total")
            }
            let dispute = Dispute(
                workspaceID: workspaceID, invoiceID: invoiceID, invoiceNumber: number, reason: opening.reason,
                linePositions: Array(Set(opening.linePositions)).sorted(), expectedTotal: expected,
                disputedAmount: invoice.total - expected, openedBy: author, state: .open, createdAt: now)
            do {
                try await store.disputes.create(dispute)
            } catch let error as StoreError where error.code == .duplicate {
                throw EngineError(.invalidState, "invoice \(number) already has an open dispute")
            }
            try await store.disputes.addComment(
                DisputeComment(disputeID: dispute.id, role: .customer, author: author, body: message, createdAt: now))
            for (type, upload) in attachments {
                try await store.disputes.addAttachment(
                    DisputeAttachment(
                        disputeID: dispute.id,
                        filename: DisputeAttachment.safeFilename(upload.filename, type: type), contentType: type,
                        byteCount: upload.bytes.count, createdAt: now),
                    content: upload.bytes)
            }
            invoice.openDispute = dispute.openDispute
            try await store.invoices.saveOpenDispute(invoice)
            try await store.events.record(.dispute(.disputeOpened, dispute, change: "opened", at: now))
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: author, action: "dispute.opened", subjectID: invoiceID.rawValue,
                    workspaceID: workspaceID, amount: dispute.disputedAmount,
                    details: ["dispute_id": dispute.id.rawValue, "reason": dispute.reason.rawValue]))
            return dispute
        }
    }

    /// Adds `body` to the thread of dispute `id`, written by `author` as `role`. A customer's comment is taken only
    /// on a dispute of `workspaceID`.
    package func comment(
        on id: DisputeID, of workspaceID: WorkspaceID?, role: DisputeAuthorRole, author: String, body: String
    ) async throws -> DisputeComment {
        let now = self.clock.now
        let text = try Self.commentBody(body, param: "body")
        return try await self.database.inTransaction { store in
            var dispute = try await Self.locked(id, of: workspaceID, in: store)
            do throws(DisputeTransitionError) {
                _ = try dispute.apply({ lifecycle throws(DisputeTransitionError) in try lifecycle.comment() }, at: now)
            } catch {
                throw EngineError(.invalidState, error.message)
            }
            let comment = DisputeComment(disputeID: id, role: role, author: author, body: text, createdAt: now)
            try await store.disputes.addComment(comment)
            try await store.disputes.save(dispute)
            try await store.events.record(
                .dispute(
                    .disputeUpdated, dispute, change: "comment_added_by_\(role.rawValue)", comment: comment, at: now))
            return comment
        }
    }

    /// The operator takes dispute `id` up.
    package func review(_ id: DisputeID, actor: String) async throws -> Dispute {
        try await self.move(id, of: nil, actor: actor, change: "under_review", type: .disputeUpdated) {
            lifecycle throws(DisputeTransitionError) in try lifecycle.review()
        }
    }

    /// The customer withdraws dispute `id` of `workspaceID` before the operator takes it up.
    package func withdraw(_ id: DisputeID, of workspaceID: WorkspaceID, actor: String) async throws -> Dispute {
        try await self.move(id, of: workspaceID, actor: actor, change: "withdrawn", type: .disputeUpdated) {
            lifecycle throws(DisputeTransitionError) in try lifecycle.withdraw()
        }
    }

    /// The operator rejects dispute `id`, saying why: the invoice stands.
    package func reject(_ id: DisputeID, explanation: String, actor: String) async throws -> Dispute {
        let text = try Self.commentBody(explanation, param: "explanation")
        return try await self.move(id, of: nil, actor: actor, change: "rejected", type: .disputeRejected, note: text) {
            lifecycle throws(DisputeTransitionError) in try lifecycle.reject()
        }
    }

    /// The operator resolves dispute `id` with `explanation`, and with a credit note when `credit` is given.
    package func resolve(
        _ id: DisputeID, explanation: String, credit: CorrectionService.CreditRequest?, actor: String
    ) async throws -> (dispute: Dispute, credit: CorrectionService.CreditOutcome?) {
        let now = self.clock.now
        let today = self.clock.today
        let text = try Self.commentBody(explanation, param: "explanation")
        let payments = self.corrections.payments
        let result = try await self.database.inTransaction {
            store -> (Dispute, CorrectionService.CreditOutcome?) in
            guard let found = try await store.disputes.find(id),
                try await store.workspaces.lock(found.workspaceID)
            else { throw EngineError(.notFound, "no dispute \(id)") }
            var dispute = try await Self.locked(id, of: nil, in: store)
            do throws(DisputeTransitionError) {
                _ = try dispute.apply({ lifecycle throws(DisputeTransitionError) in try lifecycle.resolve() }, at: now)
            } catch {
                throw EngineError(.invalidState, error.message)
            }
            // The dispute lets go of the invoice first, so the credit sees it as it now stands.
            try await Self.release(dispute, in: store)
            var outcome: CorrectionService.CreditOutcome?
            if let credit {
                do {
                    outcome = try await CorrectionService.issueCreditNote(
                        against: dispute.invoiceID, credit, in: store, gatewayProvider: payments.gateway?.provider,
                        numberSeries: payments.invoices.numberSeries, today: today, actor: actor, now: now)
                } catch let error as EngineError {
                    // The credit note is the request's `credit_note`: its fields are named under it.
                    throw EngineError(
                        error.code, error.message, param: error.param.map { "credit_note.\($0)" },
                        problems: error.problems)
                }
                dispute.creditNoteID = outcome?.creditNote.id
            }
            dispute.resolution = text
            try await store.disputes.save(dispute)
            try await store.disputes.addComment(
                DisputeComment(disputeID: id, role: .platformOperator, author: actor, body: text, createdAt: now))
            try await store.events.record(
                .dispute(.disputeResolved, dispute, change: "resolved", creditNote: outcome?.creditNote, at: now))
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "dispute.resolved", subjectID: dispute.invoiceID.rawValue,
                    workspaceID: dispute.workspaceID, amount: outcome?.creditNote.total,
                    details: [
                        "dispute_id": id.rawValue, "credit_note": outcome?.creditNote.number ?? "",
                    ]))
            return (dispute, outcome)
        }
        if let outcome = result.1 {
            for refund in outcome.refunds where refund.destination == .gateway {
                await payments.sendRefund(refund.id)
            }
        }
        return result
    }

    /// Runs `event` on dispute `id` (of `workspaceID` when the customer asks) and records what it asks.
    private func move(
        _ id: DisputeID, of workspaceID: WorkspaceID?, actor: String, change: String, type: BillingEventType,
        note: String? = nil,
        event: @escaping @Sendable (inout DisputeLifecycle) throws(DisputeTransitionError) -> DisputeLifecycle.Action
    ) async throws -> Dispute {
        let now = self.clock.now
        return try await self.database.inTransaction { store in
            var dispute = try await Self.locked(id, of: workspaceID, in: store)
            let action: DisputeLifecycle.Action
            do throws(DisputeTransitionError) {
                action = try dispute.apply(event, at: now)
            } catch {
                throw EngineError(.invalidState, error.message)
            }
            switch action {
            case .release:
                try await Self.release(dispute, in: store)
            case .notifyUpdate, .recordComment:
                break
            }
            if let note {
                dispute.resolution = note
                try await store.disputes.addComment(
                    DisputeComment(disputeID: id, role: .platformOperator, author: actor, body: note, createdAt: now))
            }
            try await store.disputes.save(dispute)
            try await store.events.record(.dispute(type, dispute, change: change, at: now))
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "dispute.\(change)", subjectID: dispute.invoiceID.rawValue,
                    workspaceID: dispute.workspaceID, amount: nil, details: ["dispute_id": id.rawValue]))
            return dispute
        }
    }

    /// The dispute `id`, its row held; a customer's `workspaceID` must own it, or it is not found.
    private static func locked(_ id: DisputeID, of workspaceID: WorkspaceID?, in store: Store) async throws -> Dispute {
        guard try await store.disputes.lock(id), let dispute = try await store.disputes.find(id),
            workspaceID == nil || dispute.workspaceID == workspaceID
        else { throw EngineError(.notFound, "no dispute \(id)") }
        return dispute
    }

    /// The invoice no longer carries the closed `dispute`.
    private static func release(_ dispute: Dispute, in store: Store) async throws {
        guard try await store.invoices.lock(dispute.invoiceID),
            var invoice = try await store.invoices.find(dispute.invoiceID), invoice.openDispute?.id == dispute.id
        else { return }
        invoice.openDispute = nil
        try await store.invoices.saveOpenDispute(invoice)
    }

    private static func commentBody(_ text: String, param: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw EngineError(.invalidField, "Write a message; it is empty", param: param) }
        guard trimmed.count <= Self.maximumCommentLength else {
            throw EngineError(
                .invalidField,
                "The message has \(trimmed.count) characters; at most \(Self.maximumCommentLength) are taken",
                param: param)
        }
        return trimmed
    }
}
