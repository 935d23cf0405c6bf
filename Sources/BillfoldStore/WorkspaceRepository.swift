import BillfoldCore
import Foundation
import SQLKit

/// The platform's own registration and address, printed on every document.
package protocol SupplierRepository: Sendable {
    /// The supplier, or `nil` before one is configured.
    func find() async throws -> Supplier?
    /// Creates or replaces the supplier.
    func save(_ supplier: Supplier) async throws
}

/// Workspaces and their billing profiles.
package protocol WorkspaceRepository: Sendable {
    /// Adds a new workspace.
    func create(_ workspace: Workspace) async throws
    /// The workspace with `id`, or `nil`.
    func find(_ id: WorkspaceID) async throws -> Workspace?
    /// The workspaces with these ids that exist, by id.
    func find(_ ids: [WorkspaceID]) async throws -> [WorkspaceID: Workspace]
    /// Inside a transaction: holds the workspace's row until the transaction ends; `false` when there is none.
    func lock(_ id: WorkspaceID) async throws -> Bool
    /// Replaces the billing profile of an existing workspace.
    func update(_ workspace: Workspace, at time: Date) async throws
    /// Workspaces oldest first, after `startingAfter` when given.
    func list(limit: Int, startingAfter: WorkspaceID?) async throws -> [Workspace]
    /// How many workspaces there are.
    func count() async throws -> Int
}

struct SQLSupplierRepository: SupplierRepository {
    let sql: any SQLDatabase

    func find() async throws -> Supplier? {
        guard let row = try await self.sql.raw("SELECT * FROM supplier WHERE id = 1").first() else { return nil }
        let gstinText = try row.string("gstin")
        guard let gstin = try? GSTIN(gstinText) else {
            throw StoreError.corrupt("supplier GSTIN \(gstinText) is invalid")
        }
        return Supplier(
            name: try row.string("name"), legalName: try row.string("legal_name"), email: try row.string("email"),
            gstin: gstin, address: try row.address(),
            letterOfUndertaking: try row.optionalString("letter_of_undertaking"))
    }

    func save(_ supplier: Supplier) async throws {
        try await self.sql.raw("DELETE FROM supplier WHERE id = 1").run()
        let address = supplier.address
        try await self.sql.raw(
            """
            INSERT INTO supplier (id, name, legal_name, email, gstin, address_line1, address_line2, city, state_code,
                pin, country, letter_of_undertaking)
            VALUES (1, \(bind: supplier.name), \(bind: supplier.legalName), \(bind: supplier.email),
                \(bind: supplier.gstin.value), \(bind: address.line1), \(bind: address.line2), \(bind: address.city),
                \(bind: address.stateCode), \(bind: address.pin), \(bind: address.country),
                \(bind: supplier.letterOfUndertaking))
            """
        ).run()
    }
}

struct SQLWorkspaceRepository: WorkspaceRepository {
    let sql: any SQLDatabase

    func create(_ workspace: Workspace) async throws {
        let address = workspace.address
        let createdAt = workspace.createdAt.storedMilliseconds
        do {
            try await self.sql.raw(
                """
                INSERT INTO workspaces (id, name, legal_name, email, gstin, address_line1, address_line2, city,
                    state_code, pin, country, billing_mode, payment_terms_days, auto_pay, service_state, currency,
                    service_state_since, service_state_set_by, billing_emails, wallet_low_balance, dunning,
                    created_at, updated_at)
                VALUES (\(bind: workspace.id.rawValue), \(bind: workspace.name), \(bind: workspace.legalName),
                    \(bind: workspace.email), \(bind: workspace.gstin?.value), \(bind: address.line1),
                    \(bind: address.line2), \(bind: address.city), \(bind: address.stateCode), \(bind: address.pin),
                    \(bind: address.country), \(bind: workspace.billingMode.rawValue),
                    \(bind: workspace.paymentTermsDays), \(bind: workspace.autoPay),
                    \(bind: workspace.serviceState.rawValue), \(bind: workspace.currency.code),
                    \(bind: workspace.serviceStateSince.storedMilliseconds), \(bind: workspace.serviceStateSetBy.rawValue),
                    \(bind: Self.stored(workspace.billingEmails)), \(bind: workspace.walletLowBalance?.minorUnits),
                    \(bind: try Self.stored(workspace.dunning)), \(bind: createdAt), \(bind: createdAt))
                """
            ).run()
        } catch  where error.isUniqueViolation {
            throw StoreError.duplicate("a workspace with id \(workspace.id) already exists")
        }
    }

    func find(_ id: WorkspaceID) async throws -> Workspace? {
        try await self.sql.raw("SELECT * FROM workspaces WHERE id = \(bind: id.rawValue)").first().map(Self.workspace)
    }

    func find(_ ids: [WorkspaceID]) async throws -> [WorkspaceID: Workspace] {
        var found: [WorkspaceID: Workspace] = [:]
        for chunk in Array(Set(ids)).chunked(into: 1_000) {
            let list = chunk.map { SQLQueryString("\(bind: $0.rawValue)") }.joined(separator: ", ")
            for row in try await self.sql.raw("SELECT * FROM workspaces WHERE id IN (\(list))").all() {
                let workspace = try Self.workspace(from: row)
                found[workspace.id] = workspace
            }
        }
        return found
    }

    func lock(_ id: WorkspaceID) async throws -> Bool {
        // A no-op write: PostgreSQL locks the row, SQLite already holds the database's write lock.
        try await self.sql.raw(
            "UPDATE workspaces SET updated_at = updated_at WHERE id = \(bind: id.rawValue) RETURNING id"
        ).first() != nil
    }

    func update(_ workspace: Workspace, at time: Date) async throws {
        let address = workspace.address
        try await self.sql.raw(
            """
            UPDATE workspaces SET name = \(bind: workspace.name), legal_name = \(bind: workspace.legalName),
                email = \(bind: workspace.email), gstin = \(bind: workspace.gstin?.value),
                address_line1 = \(bind: address.line1), address_line2 = \(bind: address.line2),
                city = \(bind: address.city), state_code = \(bind: address.stateCode), pin = \(bind: address.pin),
                country = \(bind: address.country), billing_mode = \(bind: workspace.billingMode.rawValue),
                payment_terms_days = \(bind: workspace.paymentTermsDays), auto_pay = \(bind: workspace.autoPay),
                service_state = \(bind: workspace.serviceState.rawValue), currency = \(bind: workspace.currency.code),
                service_state_since = \(bind: workspace.serviceStateSince.storedMilliseconds),
                service_state_set_by = \(bind: workspace.serviceStateSetBy.rawValue),
                billing_emails = \(bind: Self.stored(workspace.billingEmails)),
                wallet_low_balance = \(bind: workspace.walletLowBalance?.minorUnits),
                dunning = \(bind: try Self.stored(workspace.dunning)),
                updated_at = \(bind: time.storedMilliseconds)
            WHERE id = \(bind: workspace.id.rawValue)
            """
        ).run()
    }

    func list(limit: Int, startingAfter: WorkspaceID?) async throws -> [Workspace] {
        let rows: [any SQLRow]
        if let startingAfter {
            rows = try await self.sql.raw(
                """
                SELECT w.* FROM workspaces w, workspaces c WHERE c.id = \(bind: startingAfter.rawValue)
                AND (w.created_at > c.created_at OR (w.created_at = c.created_at AND w.id > c.id))
                ORDER BY w.created_at, w.id LIMIT \(bind: limit)
                """
            ).all()
        } else {
            rows = try await self.sql.raw("SELECT * FROM workspaces ORDER BY created_at, id LIMIT \(bind: limit)").all()
        }
        return try rows.map(Self.workspace)
    }

    func count() async throws -> Int {
        try await self.sql.raw("SELECT COUNT(*) AS n FROM workspaces").first().map { try $0.int("n") } ?? 0
    }

    static func workspace(from row: any SQLRow) throws -> Workspace {
        let gstin = try row.optionalString("gstin").map { text in
            guard let gstin = try? GSTIN(text) else { throw StoreError.corrupt("stored GSTIN \(text) is invalid") }
            return gstin
        }
        let currency = try row.currency("currency")
        return Workspace(
            id: WorkspaceID(rawValue: try row.string("id")), name: try row.string("name"),
            legalName: try row.string("legal_name"), email: try row.string("email"), gstin: gstin,
            address: try row.address(), billingMode: try row.enumeration("billing_mode", as: BillingMode.self),
            paymentTermsDays: try row.int("payment_terms_days"), autoPay: try row.bool("auto_pay"),
            serviceState: try row.enumeration("service_state", as: ServiceState.self),
            currency: currency, createdAt: try row.date("created_at"),
            serviceStateSince: try row.optionalDate("service_state_since"),
            serviceStateSetBy: try row.enumeration("service_state_set_by", as: ServiceStateSetter.self),
            billingEmails: try row.string("billing_emails").split(separator: " ").map(String.init),
            walletLowBalance: try row.optionalInt64("wallet_low_balance").map {
                Money(minorUnits: $0, currency: currency)
            },
            dunning: try Self.dunning(from: try row.optionalString("dunning")))
    }

    /// The dunning setting as stored: `NULL` for the supplier's policy, else its JSON.
    static func stored(_ dunning: WorkspaceDunning) throws -> String? {
        guard dunning != .standard else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(dunning), as: UTF8.self)
    }

    static func dunning(from text: String?) throws -> WorkspaceDunning {
        guard let text else { return .standard }
        do {
            return try JSONDecoder().decode(WorkspaceDunning.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt("a stored dunning setting does not read back: \(error)")
        }
    }

    /// Billing addresses as stored: separated by spaces, which no address holds.
    static func stored(_ emails: [String]) -> String { emails.joined(separator: " ") }
}
