import BillfoldCore
import BillfoldStore
import Foundation

/// Ready-made domain values for tests, with GSTINs whose check characters are right.
package enum Fixtures {
    package static let now = Date(timeIntervalSince1970: 1_790_000_000)

    package static let supplier = Supplier(
        name: "Test Cloud", legalName: "Test Cloud Private Limited", email: "billing@testcloud.example",
        gstin: try! GSTIN("29AAGCN4821K1Z5"),
        address: Address(line1: "1 MG Road", city: "Bengaluru", stateCode: "29", pin: "560001", country: "IN"),
        letterOfUndertaking: "AD2903260001")

    /// A workspace in Karnataka (the supplier's state) unless a GSTIN or address says otherwise.
    package static func workspace(
        name: String = "Acme", gstin: String? = "29AADCC7311R1Z6", stateCode: String? = "29", country: String = "IN",
        billingMode: BillingMode = .postpaid, paymentTermsDays: Int = 15, currency: Currency = .inr
    ) -> Workspace {
        Workspace(
            id: .generate(), name: name, legalName: "\(name) Private Limited",
            email: "billing@\(name.lowercased()).example",
            gstin: try! gstin.map { try GSTIN($0) },
            address: Address(
                line1: "2 Residency Road", city: "City", stateCode: stateCode, pin: country == "IN" ? "560025" : "0154",
                country: country),
            billingMode: billingMode, paymentTermsDays: paymentTermsDays, autoPay: false, serviceState: .active,
            currency: currency, createdAt: now)
    }

    /// A platform fee of ₹1,000 and 12.5 vCPU-hours at ₹2.40: ₹1,030.00 taxable.
    package static func lines(currency: Currency = .inr) -> [InvoiceLine] {
        let start = CalendarDate(year: 2026, month: 10, day: 1)!
        let end = CalendarDate(year: 2026, month: 10, day: 31)!
        return [
            try! InvoiceLine.priced(
                category: .platformFee, resourceType: "platform", resourceName: "Growth", description: "Platform fee",
                periodStart: start, periodEnd: end, quantity: FixedDecimal(1), unit: "month",
                unitPrice: FixedDecimal(1000), currency: currency, sac: "998315"),
            try! InvoiceLine.priced(
                category: .usage, resourceType: "pod", resourceName: "api", description: "Pods",
                periodStart: start, periodEnd: end, quantity: FixedDecimal("12.5")!, unit: "vCPU-hour",
                unitPrice: FixedDecimal("2.4")!, currency: currency, sac: "998315"),
        ]
    }

    /// Stores the supplier and `workspace`.
    package static func seed(_ store: Store, workspace: Workspace) async throws {
        if try await store.supplier.find() == nil { try await store.supplier.save(self.supplier) }
        try await store.workspaces.create(workspace)
    }
}
