import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Invoice use cases")
struct InvoiceServiceTests {
    static let issueDate = CalendarDate(year: 2026, month: 11, day: 1)!

    func makeService(_ database: Database) -> InvoiceService {
        InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
    }

    @Test("16 concurrent finalizations get consecutive numbers", arguments: TestDatabase.kinds)
    func concurrentFinalization(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.makeService(database)
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            var drafts: [InvoiceID] = []
            for _ in 0..<16 {
                let draft = try await service.octoberDraft(for: workspace.id)
                drafts.append(draft.id)
            }
            let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                for id in drafts {
                    group.addTask {
                        try await service.finalize(id, issueDate: Self.issueDate, actor: "test").number ?? ""
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let expected = (1...16).map { "INV/26-27/" + String(repeating: "0", count: 6 - String($0).count) + "\($0)" }
            #expect(numbers.sorted() == expected)
            for id in drafts {
                let entries = try await database.store.auditLog.entries(about: id.rawValue)
                #expect(entries.map(\.action) == ["invoice.finalized"])
            }
        }
    }

    @Test(
        "finalizing dates, numbers and taxes the invoice; a second finalize is refused", arguments: TestDatabase.kinds)
    func finalizeOnce(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.makeService(database)
            let workspace = Fixtures.workspace(paymentTermsDays: 15)
            try await Fixtures.seed(database.store, workspace: workspace)
            let draft = try await service.createDraft(
                kind: .invoice, workspaceID: workspace.id, subscriptionID: nil,
                periodStart: CalendarDate(year: 2026, month: 3, day: 1)!,
                periodEnd: CalendarDate(year: 2026, month: 3, day: 31)!, description: "Growth - Monthly",
                lines: Fixtures.lines())
            let march = try await service.finalize(
                draft.id, issueDate: CalendarDate(year: 2026, month: 3, day: 31)!, actor: "test")
            #expect(march.number == "INV/25-26/000001")
            #expect(march.dueDate == CalendarDate(year: 2026, month: 4, day: 15))
            #expect(march.tax.cgst.minorUnits == 9_270 && march.tax.sgst.minorUnits == 9_270)
            #expect(march.total.minorUnits == 121_540)
            await #expect(throws: EngineError.self) {
                try await service.finalize(draft.id, issueDate: Self.issueDate, actor: "test")
            }
        }
    }

    @Test("cancelling an open invoice issues a credit note for its full value", arguments: TestDatabase.kinds)
    func cancelWithCreditNote(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.makeService(database)
            let workspace = Fixtures.workspace(gstin: "04AAFCS9087L1ZR", stateCode: "04")
            try await Fixtures.seed(database.store, workspace: workspace)
            let invoice = try await service.octoberInvoice(for: workspace.id)
            let (cancelled, creditNote) = try await service.cancel(invoice.id, reason: "billed twice", actor: "test")
            let note = try #require(creditNote)
            #expect(cancelled.state == .cancelled)
            #expect(note.kind == .creditNote && note.originalInvoiceID == invoice.id)
            #expect(note.number?.hasPrefix("CN/") == true)
            // Chandigarh is another state than the supplier's Karnataka: the note reverses ₹1,030 + 18% IGST.
            #expect(note.total.minorUnits == 121_540 && note.tax.igst.minorUnits == 18_540)
            #expect(note.lines.map(\.amount.minorUnits) == [100_000, 3_000])
            #expect(note.state == .paid)
            let stored = try await database.store.invoices.find(invoice.id)
            #expect(stored?.displayStatus(today: Self.issueDate) == .cancelled)
            #expect(
                try await database.store.auditLog.entries(about: invoice.id.rawValue).map(\.action) == [
                    "invoice.finalized", "invoice.cancelled",
                ])
        }
    }

    @Test(
        "payments lower the amount due, pay the invoice at zero, and overpayment is refused",
        arguments: TestDatabase.kinds)
    func payments(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.makeService(database)
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            let invoice = try await service.octoberInvoice(for: workspace.id)
            let part = Money(minorUnits: 21_540, currency: .inr)
            let partly = try await service.recordPayment(
                on: invoice.id, amount: part, method: .bankTransfer, provider: "manual", reference: "NEFT1",
                actor: "test")
            #expect(partly.amountDue.minorUnits == 100_000 && partly.state == .open)
            await #expect(throws: InvoiceTransitionError.self) {
                try await service.recordPayment(
                    on: invoice.id, amount: Money(minorUnits: 100_001, currency: .inr), method: .upi,
                    provider: "manual", reference: nil, actor: "test")
            }
            let paid = try await service.recordPayment(
                on: invoice.id, amount: Money(minorUnits: 100_000, currency: .inr), method: .upi, provider: "manual",
                reference: nil, actor: "test")
            #expect(paid.state == .paid && paid.amountDue.isZero)
            let stored = try #require(try await database.store.invoices.find(invoice.id))
            #expect(stored.payments.count == 2 && stored.amountPaid == invoice.total)
            let actions = try await database.store.auditLog.entries(about: invoice.id.rawValue).map(\.action)
            #expect(actions == ["invoice.finalized", "payment.succeeded", "payment.succeeded"])
        }
    }

    @Test("a top-up issues a paid receipt and the wallet pays what it can", arguments: TestDatabase.kinds)
    func wallet(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.makeService(database)
            let wallet = WalletService(invoices: service)
            let workspace = Fixtures.workspace(billingMode: .prepaid)
            try await Fixtures.seed(database.store, workspace: workspace)
            let receipt = try await wallet.topUp(
                workspace.id, amount: Money(minorUnits: 100_000, currency: .inr), method: .upi, reference: "UPI1",
                actor: "test")
            #expect(receipt.kind == .receipt && receipt.state == .paid && receipt.number?.hasPrefix("RCT/") == true)
            let draft = try await service.createDraft(
                kind: .invoice, workspaceID: workspace.id, subscriptionID: nil,
                periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
                periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: "Starter - Monthly",
                lines: Fixtures.lines())
            let invoice = try await service.finalize(draft.id, issueDate: Self.issueDate, actor: "test")
            let paid = try await wallet.pay(invoice.id, actor: "test")
            #expect(paid.amountDue.minorUnits == 121_540 - 100_000 && paid.state == .open)
            #expect(try await database.store.wallet.balance(of: workspace.id, in: .inr).isZero)
            await #expect(throws: EngineError.self) { try await wallet.pay(invoice.id, actor: "test") }
        }
    }
}
