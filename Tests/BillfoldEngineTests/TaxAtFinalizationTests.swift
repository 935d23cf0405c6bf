import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Tax as finalized")
struct TaxAtFinalizationTests {
    static let issueDate = CalendarDate(year: 2026, month: 11, day: 1)!

    @Test("a GSTIN changed after the draft decides the tax at finalization", arguments: TestDatabase.kinds)
    func retaxedAtFinalization(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
            var workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            let draft = try await service.octoberDraft(for: workspace.id)
            #expect(draft.tax.cgst.minorUnits == 9_270 && draft.tax.igst.isZero)
            workspace.gstin = try GSTIN("27AAPFU0939F1ZV")
            workspace.address.stateCode = "27"
            try await database.store.workspaces.update(workspace, at: Fixtures.now)
            let invoice = try await service.finalize(draft.id, issueDate: Self.issueDate, actor: "test")
            #expect(invoice.placeOfSupply?.code == "27")
            #expect(invoice.tax.igst.minorUnits == 18_540 && invoice.tax.cgst.isZero)
            let stored = try #require(try await database.store.invoices.find(invoice.id))
            #expect(stored == invoice)
            let listed = try await database.store.invoices.list(
                InvoiceFilter(), today: Self.issueDate, limit: 10, startingAfter: nil)
            #expect(listed.first?.igst.minorUnits == 18_540 && listed.first?.total.minorUnits == 121_540)
        }
    }

    @Test("a supplier and customer in one union territory pay CGST and UTGST", arguments: TestDatabase.kinds)
    func unionTerritory(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
            var supplier = Fixtures.supplier
            supplier.gstin = try GSTIN("04AAFCS9087L1ZR")
            supplier.address.stateCode = "04"
            try await database.store.supplier.save(supplier)
            let workspace = Fixtures.workspace(gstin: nil, stateCode: "04")
            try await database.store.workspaces.create(workspace)
            let draft = try await service.octoberDraft(for: workspace.id)
            let invoice = try await service.finalize(draft.id, issueDate: Self.issueDate, actor: "test")
            #expect(invoice.tax.supplyType == .intraUnionTerritory)
            #expect(invoice.tax.cgst.minorUnits == 9_270 && invoice.tax.utgst.minorUnits == 9_270)
            #expect(invoice.tax.sgst.isZero && invoice.tax.igst.isZero)
            #expect(try await database.store.invoices.find(invoice.id)?.tax.utgst.minorUnits == 9_270)
        }
    }

    @Test("an export is zero-rated only when the supplier has a Letter of Undertaking", arguments: TestDatabase.kinds)
    func exportNeedsLUT(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
            let abroad = Fixtures.workspace(gstin: nil, stateCode: nil, country: "NO")
            try await Fixtures.seed(database.store, workspace: abroad)
            let underLUT = try await service.octoberInvoice(for: abroad.id)
            #expect(underLUT.tax.supplyType == .exportUnderLUT && underLUT.tax.total.isZero)
            #expect(underLUT.tax.endorsement?.contains("LETTER OF UNDERTAKING") == true)
            // The LUT's ARN is frozen with the supplier's other details, and printed after the statutory words.
            #expect(underLUT.supplier.letterOfUndertaking == "AD2903260001")
            #expect(underLUT.endorsement?.hasSuffix("INTEGRATED TAX (LUT ARN AD2903260001)") == true)
            var renewed = Fixtures.supplier
            renewed.letterOfUndertaking = "AD2903270002"
            try await database.store.supplier.save(renewed)
            let stored = try #require(try await database.store.invoices.find(underLUT.id))
            #expect(
                stored.endorsement?.hasSuffix("(LUT ARN AD2903260001)") == true, "a new LUT changes no issued invoice")
            #expect(try await service.octoberInvoice(for: abroad.id).supplier.letterOfUndertaking == "AD2903270002")
            var withoutLUT = Fixtures.supplier
            withoutLUT.letterOfUndertaking = nil
            try await database.store.supplier.save(withoutLUT)
            let taxed = try await service.octoberInvoice(for: abroad.id)
            #expect(taxed.placeOfSupply?.code == "96")
            #expect(taxed.tax.igst.minorUnits == 18_540 && taxed.tax.endorsement == nil && taxed.endorsement == nil)
        }
    }

    @Test("no second attempt, payment or cancellation while an attempt is processing", arguments: TestDatabase.kinds)
    func attemptInFlight(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = InvoiceService(database: database, clock: ManualClock(Fixtures.now).billingClock())
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            let invoice = try await service.octoberInvoice(for: workspace.id)
            _ = try await service.recordAttempt(
                on: invoice.id, method: .upi, provider: "sandbox", amount: invoice.amountDue, status: .processing,
                reference: "order_1", failureReason: nil, actor: "test")
            await #expect(throws: EngineError.self) {
                try await service.recordPayment(
                    on: invoice.id, amount: invoice.amountDue, method: .bankTransfer, provider: "manual",
                    reference: nil, actor: "test")
            }
            await #expect(throws: EngineError.self) {
                try await service.cancel(invoice.id, reason: "mistake", actor: "test")
            }
            await #expect(throws: EngineError.self) {
                try await service.recordPayment(
                    on: invoice.id, amount: Money(minorUnits: 0, currency: .inr), method: .upi, provider: "manual",
                    reference: nil, actor: "test")
            }
            let stored = try #require(try await database.store.invoices.find(invoice.id))
            #expect(stored.payments.count == 1 && stored.state == .open)
        }
    }
}
