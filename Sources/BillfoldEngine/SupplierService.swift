import BillfoldCore
import BillfoldStore
import Foundation

/// The platform's own details, printed on every document it issues.
///
/// The supplier's GSTIN decides whether a supply is intra- or inter-state, and its Letter of Undertaking lets exports
/// go out zero-rated, so every change is written to the audit log with what it replaced.
package struct SupplierService: Sendable {
    package let database: Database
    package let clock: BillingClock

    package init(database: Database, clock: BillingClock) {
        self.database = database
        self.clock = clock
    }

    /// Stores `supplier` in place of the one before, if any.
    package func save(_ supplier: Supplier, actor: String) async throws -> Supplier {
        try Self.checkAddress(supplier.address)
        let now = self.clock.now
        try await self.database.inTransaction { store in
            let previous = try await store.supplier.find()
            try await store.supplier.save(supplier)
            var details = [
                "gstin": supplier.gstin.value, "state_code": supplier.state.code,
                "letter_of_undertaking": supplier.letterOfUndertaking ?? "none",
            ]
            if let previous {
                details["previous_gstin"] = previous.gstin.value
                details["previous_letter_of_undertaking"] = previous.letterOfUndertaking ?? "none"
            }
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "supplier.saved", subjectID: "supplier", workspaceID: nil,
                    amount: nil, details: details))
        }
        return supplier
    }

    /// Refuses an address abroad: the supplier issues GST invoices, so it is registered in India.
    package static func checkAddress(_ address: Address) throws(EngineError) {
        guard address.isInIndia else {
            throw EngineError(
                .invalidField, "the supplier issues GST invoices, so its address is in India", param: "address.country")
        }
    }
}
