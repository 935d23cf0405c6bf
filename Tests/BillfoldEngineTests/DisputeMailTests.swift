import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

/// The mail that follows a dispute's events and a debit note's, queued by `EventMail` for the workspace's billing
/// contacts: its billing email, its extra billing addresses, and its owners and admins.
@Suite("Mail about disputes and debit notes")
struct DisputeMailTests {
    /// Who hears about the workspace's billing; a plain member does not.
    static let billingContacts: Set<String> = ["billing@acme.example", "accounts@acme.example", "priya@acme.example"]

    /// Runs `body` with an engine over a new database: the supplier, a workspace with an extra billing address, an
    /// admin and a plain member, and one open invoice of ₹1,215.40.
    static func withEngine(
        _ kind: DatabaseKind, _ body: (Engine, Workspace, Invoice) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            var workspace = Fixtures.workspace()
            workspace.billingEmails = ["accounts@acme.example"]
            try await Fixtures.seed(database.store, workspace: workspace)
            let clock = ManualClock(Fixtures.now)
            let engine = Engine(database: database, clock: clock.billingClock(), gateway: nil)
            _ = try await engine.access.addMember(
                to: workspace.id, email: "priya@acme.example", name: "Priya", role: .admin, password: nil,
                actor: "test")
            _ = try await engine.access.addMember(
                to: workspace.id, email: "dev@acme.example", name: "Dev", role: .member, password: nil, actor: "test")
            let draft = try await engine.invoices.createDraft(
                kind: .invoice, workspaceID: workspace.id, subscriptionID: nil,
                periodStart: CalendarDate(year: 2026, month: 8, day: 1)!,
                periodEnd: CalendarDate(year: 2026, month: 8, day: 31)!, description: "Growth - Monthly",
                lines: Fixtures.lines())
            let invoice = try await engine.invoices.finalize(draft.id, actor: "test")
            try await engine.eventMail.run()
            try await body(engine, workspace, invoice)
        }
    }

    /// The messages of `template` queued for `workspace`.
    static func queued(_ template: MailTemplate, for workspace: Workspace, in engine: Engine) async throws
        -> [OutboxMessage]
    {
        try await engine.database.store.outbox.list(
            OutboxFilter(workspaceID: workspace.id, template: template.rawValue), limit: 100, startingAfter: nil)
    }

    static func opening(expectedTotal: Money = rupees(100_000)) -> DisputeService.Opening {
        DisputeService.Opening(
            reason: .usageWrong, linePositions: [1], expectedTotal: expectedTotal,
            message: "The pods were idle all month", uploads: [])
    }

    @Test(
        "A dispute opened is acknowledged once to each billing contact, with the amount and a link to the dispute",
        arguments: TestDatabase.kinds)
    func opened(kind: DatabaseKind) async throws {
        try await Self.withEngine(kind) { engine, workspace, invoice in
            let dispute = try await engine.disputes.open(
                on: invoice.id, of: workspace.id, Self.opening(), author: "priya@acme.example")
            try await engine.eventMail.run()
            try await engine.eventMail.run()
            let mails = try await Self.queued(.disputeOpened, for: workspace, in: engine)
            #expect(mails.count == 3, "one to each billing contact, none twice")
            #expect(Set(mails.map(\.recipient)) == Self.billingContacts)
            let number = try #require(invoice.number)
            for mail in mails {
                #expect(mail.subject == "Dispute received: ₹215.40 on \(number) (Test Cloud)")
                #expect(mail.invoiceID == invoice.id)
                #expect(mail.attachments.isEmpty)
                #expect(mail.text.contains("dispute of invoice \(number): Usage is wrong."))
                #expect(mail.text.contains("Amount disputed: ₹215.40"))
                #expect(mail.text.contains("http://127.0.0.1:8080/portal/disputes/\(dispute.id.rawValue)\n"))
                #expect(mail.html.contains("href=\"http://127.0.0.1:8080/portal/disputes/\(dispute.id.rawValue)\""))
            }
        }
    }

    @Test(
        "The operator's review, reply, resolution with a credit note and a rejection are mailed; a customer's own comment is not",
        arguments: TestDatabase.kinds)
    func course(kind: DatabaseKind) async throws {
        try await Self.withEngine(kind) { engine, workspace, invoice in
            let dispute = try await engine.disputes.open(
                on: invoice.id, of: workspace.id, Self.opening(), author: "priya@acme.example")
            _ = try await engine.disputes.comment(
                on: dispute.id, of: workspace.id, role: .customer, author: "priya@acme.example",
                body: "Here is the dashboard export")
            try await engine.eventMail.run()
            #expect(try await Self.queued(.disputeUpdated, for: workspace, in: engine).isEmpty)

            _ = try await engine.disputes.review(dispute.id, actor: "ops")
            _ = try await engine.disputes.comment(
                on: dispute.id, of: nil, role: .platformOperator, author: "ops",
                body: "We see the idle pods and will credit them")
            try await engine.eventMail.run()
            let updates = try await Self.queued(.disputeUpdated, for: workspace, in: engine)
            #expect(updates.count == 6, "a review and a reply, each to three contacts")
            let number = try #require(invoice.number)
            #expect(
                Set(updates.map(\.subject)) == [
                    "Dispute on \(number) under review (Test Cloud)", "Reply to your dispute on \(number) (Test Cloud)",
                ])
            let reply = try #require(updates.first { $0.subject.hasPrefix("Reply") })
            #expect(reply.text.contains("We see the idle pods and will credit them"))
            #expect(!reply.text.contains("dashboard export"), "the customer's own comment is not quoted back")

            let outcome = try await engine.disputes.resolve(
                dispute.id, explanation: "The idle pods are credited",
                credit: CorrectionService.CreditRequest(
                    adjustments: [LineAdjustment(position: 1, measure: .amount(rupees(3_000)))], reason: "Idle pods"),
                actor: "ops")
            try await engine.eventMail.run()
            let creditNote = try #require(outcome.credit?.creditNote)
            let resolved = try await Self.queued(.disputeResolved, for: workspace, in: engine)
            #expect(resolved.count == 3)
            let creditNumber = try #require(creditNote.number)
            for mail in resolved {
                #expect(
                    mail.subject
                        == "Dispute on \(number) resolved: credit note \(creditNumber) for ₹35.40 (Test Cloud)")
                #expect(mail.text.contains("Resolution: The idle pods are credited"))
                #expect(mail.text.contains("http://127.0.0.1:8080/portal/invoices/\(creditNote.id.rawValue)"))
            }
            #expect(
                try await Self.queued(.creditNoteIssued, for: workspace, in: engine).count == 3,
                "the credit note comes with its PDF in its own mail")

            // A second dispute on the same invoice, rejected.
            let second = try await engine.disputes.open(
                on: invoice.id, of: workspace.id, Self.opening(expectedTotal: rupees(110_000)),
                author: "priya@acme.example")
            _ = try await engine.disputes.reject(
                second.id, explanation: "The remaining pods ran all month", actor: "ops")
            try await engine.eventMail.run()
            let rejected = try await Self.queued(.disputeRejected, for: workspace, in: engine)
            #expect(rejected.count == 3)
            #expect(rejected.allSatisfy { $0.text.contains("Why: The remaining pods ran all month") })
            #expect(try await Self.queued(.disputeOpened, for: workspace, in: engine).count == 6)
        }
    }

    @Test(
        "A debit note is mailed with its PDF, its amount, its due date and a link to pay it",
        arguments: TestDatabase.kinds)
    func debitNote(kind: DatabaseKind) async throws {
        try await Self.withEngine(kind) { engine, workspace, invoice in
            let issued = try await engine.corrections.issueDebitNote(
                against: invoice.id, adjustments: [LineAdjustment(position: 1, measure: .quantity(FixedDecimal(10)))],
                reason: "Usage of August billed short", actor: "ops")
            try await engine.eventMail.run()
            let note = issued.debitNote
            let number = try #require(note.number)
            let due = try #require(note.dueDate)
            let mails = try await Self.queued(.debitNoteIssued, for: workspace, in: engine)
            #expect(Set(mails.map(\.recipient)) == Self.billingContacts)
            // 10 vCPU-hours at ₹2.40 and 18% GST: ₹28.32.
            #expect(note.total == rupees(2_832))
            for mail in mails {
                #expect(mail.subject == "Debit note \(number): ₹28.32 due on \(due.printed) (Test Cloud)")
                #expect(mail.attachments == [.documentPDF(note.id)])
                #expect(mail.invoiceID == note.id)
                #expect(mail.text.contains("against invoice \(invoice.number ?? "")"))
                #expect(mail.text.contains("Reason: Usage of August billed short"))
                #expect(mail.text.contains("Please pay ₹28.32 by \(due.printed)."))
                #expect(mail.text.contains("http://127.0.0.1:8080/portal/invoices/\(note.id.rawValue)\n"))
            }
            // The attachment renders: the debit note names the invoice it corrects.
            let pdf = try await engine.documents.pdf(of: note)
            #expect(pdf.name == number.replacingOccurrences(of: "/", with: "-") + ".pdf")
        }
    }
}
