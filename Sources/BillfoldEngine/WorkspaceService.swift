import BillfoldCore
import BillfoldStore
import Foundation

/// Workspaces and their billing profiles: a new workspace, and changes to its profile, billing terms and service
/// state, whether the operator's API or the workspace's own portal asks.
///
/// A change holds the workspace's row while it is applied, so two changes of different fields both land. What
/// decides money, tax or access (billing mode, payment terms, auto-pay, GSTIN, place of supply, service state) is
/// written to the audit log in the same transaction; names, emails and address lines are not.
package struct WorkspaceService: Sendable {
    package let database: Database
    package let clock: BillingClock

    package init(database: Database, clock: BillingClock) {
        self.database = database
        self.clock = clock
    }

    /// What to change; `nil` leaves a field as it is.
    package struct Change: Sendable {
        /// A new GSTIN, or none: the workspace is no longer registered.
        package enum GSTINChange: Sendable {
            case set(GSTIN)
            case remove
        }

        package var name: String?
        package var legalName: String?
        package var email: String?
        package var address: Address?
        package var gstin: GSTINChange?
        package var billingMode: BillingMode?
        package var paymentTermsDays: Int?
        package var autoPay: Bool?
        package var serviceState: ServiceState?
        package var billingEmails: [String]?
        /// A new low-balance alert for the wallet; `.some(nil)` turns it off.
        package var walletLowBalance: Money??
        package var dunning: WorkspaceDunning?

        package init(
            name: String? = nil, legalName: String? = nil, email: String? = nil, address: Address? = nil,
            gstin: GSTINChange? = nil, billingMode: BillingMode? = nil, paymentTermsDays: Int? = nil,
            autoPay: Bool? = nil, serviceState: ServiceState? = nil, billingEmails: [String]? = nil,
            walletLowBalance: Money?? = nil, dunning: WorkspaceDunning? = nil
        ) {
            self.name = name
            self.legalName = legalName
            self.email = email
            self.address = address
            self.gstin = gstin
            self.billingMode = billingMode
            self.paymentTermsDays = paymentTermsDays
            self.autoPay = autoPay
            self.serviceState = serviceState
            self.billingEmails = billingEmails
            self.walletLowBalance = walletLowBalance
            self.dunning = dunning
        }

        /// `workspace` with the fields this change names replaced.
        package func applied(to workspace: Workspace) -> Workspace {
            var changed = workspace
            if let name = self.name { changed.name = name }
            if let legalName = self.legalName { changed.legalName = legalName }
            if let email = self.email { changed.email = email }
            if let address = self.address { changed.address = address }
            switch self.gstin {
            case .set(let gstin): changed.gstin = gstin
            case .remove: changed.gstin = nil
            case nil: break
            }
            if let billingMode = self.billingMode { changed.billingMode = billingMode }
            if let paymentTermsDays = self.paymentTermsDays { changed.paymentTermsDays = paymentTermsDays }
            if let autoPay = self.autoPay { changed.autoPay = autoPay }
            if let serviceState = self.serviceState { changed.serviceState = serviceState }
            if let billingEmails = self.billingEmails { changed.billingEmails = billingEmails }
            if let walletLowBalance = self.walletLowBalance { changed.walletLowBalance = walletLowBalance }
            if let dunning = self.dunning { changed.dunning = dunning }
            return changed
        }
    }

    /// Stores `workspace`, new, and writes its billing terms to the audit log.
    package func create(_ workspace: Workspace, actor: String) async throws -> Workspace {
        try Self.checkGSTIN(of: workspace)
        let now = self.clock.now
        try await self.database.inTransaction { store in
            try await store.workspaces.create(workspace)
            var details = Self.auditedTerms(of: workspace)
            details["currency"] = workspace.currency.code
            try await store.auditLog.record(
                AuditEntry(
                    occurredAt: now, actor: actor, action: "workspace.created", subjectID: workspace.id.rawValue,
                    workspaceID: workspace.id, amount: nil, details: details))
        }
        return workspace
    }

    /// Applies `change` to the workspace under its row's lock and returns the workspace as it now stands.
    package func update(_ id: WorkspaceID, _ change: Change, actor: String) async throws -> Workspace {
        let now = self.clock.now
        return try await self.database.inTransaction { store in
            guard try await store.workspaces.lock(id), let original = try await store.workspaces.find(id) else {
                throw EngineError(.notFound, "no workspace with id \(id)")
            }
            var updated = change.applied(to: original)
            if change.serviceState != nil {
                // The operator's choice stands: dunning leaves a state it did not set (see DunningService).
                updated.serviceStateSetBy = .operator
                if updated.serviceState != original.serviceState { updated.serviceStateSince = now }
            }
            try Self.checkGSTIN(of: updated)
            try await store.workspaces.update(updated, at: now)
            let before = Self.auditedTerms(of: original)
            var details: [String: String] = [:]
            for (term, value) in Self.auditedTerms(of: updated) where before[term] != value {
                details["from_" + term] = before[term]
                details["to_" + term] = value
            }
            if !details.isEmpty {
                try await store.auditLog.record(
                    AuditEntry(
                        occurredAt: now, actor: actor, action: "workspace.updated", subjectID: id.rawValue,
                        workspaceID: id, amount: nil, details: details))
            }
            if updated.serviceState != original.serviceState {
                try await store.events.record(
                    .serviceStateChanged(
                        updated, from: original.serviceState, by: "operator", overdueBalance: nil, suspendsOn: nil,
                        at: now))
            }
            return updated
        }
    }

    /// Refuses a GSTIN on a workspace whose address is abroad: a GSTIN is registered to a state of India.
    package static func checkGSTIN(of workspace: Workspace) throws {
        guard workspace.gstin == nil || workspace.address.isInIndia else {
            throw EngineError(
                .invalidField, "a GSTIN belongs to an address in India; remove it with \"gstin\": null",
                param: "gstin")
        }
    }

    /// The terms the audit log follows: how the workspace pays, what tax it is charged, and whether it may use the
    /// platform.
    static func auditedTerms(of workspace: Workspace) -> [String: String] {
        [
            "billing_mode": workspace.billingMode.rawValue,
            "payment_terms_days": String(workspace.paymentTermsDays),
            "auto_pay": String(workspace.autoPay),
            "gstin": workspace.gstin?.value ?? "none",
            "place_of_supply": workspace.placeOfSupply?.code ?? "none",
            "service_state": workspace.serviceState.rawValue,
            "dunning": workspace.dunning.mode.rawValue,
        ]
    }
}
