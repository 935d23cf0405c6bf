import BillfoldCore
import BillfoldEngine
import BillfoldTestSupport

extension InvoiceService {
    /// A draft of October 2026's "Growth - Monthly" with the fixture lines: ₹1,030.00 taxable.
    func octoberDraft(for workspaceID: WorkspaceID) async throws -> Invoice {
        try await self.createDraft(
            kind: .invoice, workspaceID: workspaceID, subscriptionID: nil,
            periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
            periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: "Growth - Monthly",
            lines: Fixtures.lines())
    }

    /// October's draft, finalized on 1 November 2026.
    func octoberInvoice(for workspaceID: WorkspaceID) async throws -> Invoice {
        let draft = try await self.octoberDraft(for: workspaceID)
        return try await self.finalize(draft.id, issueDate: CalendarDate(year: 2026, month: 11, day: 1)!, actor: "test")
    }
}
