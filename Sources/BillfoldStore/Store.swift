import BillfoldCore
import Foundation
import PostgresKit
import SQLKit
import SQLiteKit

/// The repositories over one database handle: the database itself, or a transaction's session.
package struct Store: Sendable {
    package let sql: any SQLDatabase

    package init(sql: any SQLDatabase) {
        self.sql = sql
    }

    package var supplier: any SupplierRepository { SQLSupplierRepository(sql: self.sql) }
    package var workspaces: any WorkspaceRepository { SQLWorkspaceRepository(sql: self.sql) }
    package var members: any MemberRepository { SQLMemberRepository(sql: self.sql) }
    package var apiKeys: any APIKeyRepository { SQLAPIKeyRepository(sql: self.sql) }
    package var plans: any PlanRepository { SQLPlanRepository(sql: self.sql) }
    package var subscriptions: any SubscriptionRepository { SQLSubscriptionRepository(sql: self.sql) }
    package var meters: any MeterRepository { SQLMeterRepository(sql: self.sql) }
    package var usage: any UsageRepository { SQLUsageRepository(sql: self.sql) }
    package var invoices: any InvoiceRepository { SQLInvoiceRepository(sql: self.sql) }
    package var numberSeries: any NumberSeriesRepository { SQLNumberSeriesRepository(sql: self.sql) }
    package var payments: any PaymentRepository { SQLPaymentRepository(sql: self.sql) }
    package var wallet: any WalletRepository { SQLWalletRepository(sql: self.sql) }
    package var auditLog: any AuditLogRepository { SQLAuditLogRepository(sql: self.sql) }
    package var idempotency: any IdempotencyRepository { SQLIdempotencyRepository(sql: self.sql) }
    package var memberSessions: any MemberSessionRepository { SQLMemberSessionRepository(sql: self.sql) }
    package var signInAttempts: any SignInAttemptRepository { SQLSignInAttemptRepository(sql: self.sql) }
    package var portalLinks: any PortalLinkRepository { SQLPortalLinkRepository(sql: self.sql) }
    package var serverSecrets: any ServerSecretRepository { SQLServerSecretRepository(sql: self.sql) }
    package var gatewayEvents: any GatewayEventRepository { SQLGatewayEventRepository(sql: self.sql) }
    package var refunds: any RefundRepository { SQLRefundRepository(sql: self.sql) }
    package var mandates: any MandateRepository { SQLMandateRepository(sql: self.sql) }
    package var autoPayCharges: any AutoPayChargeRepository { SQLAutoPayChargeRepository(sql: self.sql) }
    package var outbox: any OutboxRepository { SQLOutboxRepository(sql: self.sql) }
    package var dunning: any DunningRepository { SQLDunningRepository(sql: self.sql) }
    package var jobCursors: any JobCursorRepository { SQLJobCursorRepository(sql: self.sql) }
    package var events: any EventRepository { SQLEventRepository(sql: self.sql) }
    package var disputes: any DisputeRepository { SQLDisputeRepository(sql: self.sql) }
    package var webhooks: any WebhookRepository { SQLWebhookRepository(sql: self.sql) }
    package var creditBalance: any CreditBalanceRepository { SQLCreditBalanceRepository(sql: self.sql) }
}

extension Database {
    /// Repositories whose every statement stands alone.
    package var store: Store { Store(sql: self.sql) }

    /// Runs `body` with repositories bound to one transaction.
    package func inTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (Store) async throws -> Result
    ) async throws -> Result {
        try await self.transaction { session in try await body(Store(sql: session)) }
    }
}

/// A repository could not do what was asked for a reason the caller can act on.
package struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case notFound = "not_found"
        case duplicate
        case corrupt
        /// A value the store refuses to hold, such as an API key that expires before it is created.
        case invalid
    }

    package let code: Code
    package let message: String

    package var description: String { self.message }

    package static func notFound(_ message: String) -> StoreError { StoreError(code: .notFound, message: message) }
    package static func duplicate(_ message: String) -> StoreError { StoreError(code: .duplicate, message: message) }
    package static func corrupt(_ message: String) -> StoreError { StoreError(code: .corrupt, message: message) }
    package static func invalid(_ message: String) -> StoreError { StoreError(code: .invalid, message: message) }
}

extension Date {
    /// Milliseconds since 1970, as timestamps are stored.
    var storedMilliseconds: Int64 { Int64((self.timeIntervalSince1970 * 1000).rounded()) }

    init(storedMilliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(storedMilliseconds) / 1000)
    }
}

extension SQLRow {
    func string(_ column: String) throws -> String { try self.decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try self.decode(column: column, as: String?.self) }
    func int64(_ column: String) throws -> Int64 { try self.decode(column: column, as: Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try self.decode(column: column, as: Int64?.self) }
    func int(_ column: String) throws -> Int { Int(try self.int64(column)) }
    func bool(_ column: String) throws -> Bool { try self.decode(column: column, as: Bool.self) }
    func date(_ column: String) throws -> Date { Date(storedMilliseconds: try self.int64(column)) }
    func optionalDate(_ column: String) throws -> Date? { try self.optionalInt64(column).map(Date.init) }

    func calendarDate(_ column: String) throws -> CalendarDate {
        let text = try self.string(column)
        guard let date = CalendarDate(iso8601: text) else {
            throw StoreError.corrupt("\(column) is not a date: \(text)")
        }
        return date
    }

    func optionalCalendarDate(_ column: String) throws -> CalendarDate? {
        guard let text = try self.optionalString(column) else { return nil }
        guard let date = CalendarDate(iso8601: text) else {
            throw StoreError.corrupt("\(column) is not a date: \(text)")
        }
        return date
    }

    func currency(_ column: String) throws -> Currency {
        let code = try self.string(column)
        guard let currency = Currency.named(code) else { throw StoreError.corrupt("unknown currency \(code)") }
        return currency
    }

    func money(_ column: String, in currency: Currency) throws -> Money {
        Money(minorUnits: try self.int64(column), currency: currency)
    }

    func decimal(_ column: String) throws -> FixedDecimal { FixedDecimal(scaledValue: try self.int64(column)) }

    func enumeration<Value: RawRepresentable>(_ column: String, as type: Value.Type) throws -> Value
    where Value.RawValue == String {
        let text = try self.string(column)
        guard let value = Value(rawValue: text) else { throw StoreError.corrupt("\(column) has unknown value \(text)") }
        return value
    }

    func address(prefix: String = "") throws -> Address {
        Address(
            line1: try self.string("\(prefix)address_line1"), line2: try self.optionalString("\(prefix)address_line2"),
            city: try self.string("\(prefix)city"), stateCode: try self.optionalString("\(prefix)state_code"),
            pin: try self.string("\(prefix)pin"), country: try self.string("\(prefix)country"))
    }
}

/// JSON for the snapshot columns.
package enum SnapshotCoding {
    package static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A party's snapshot as `encode` writes it with unescaped slashes, written by hand: a billing run stores one
    /// an invoice, where `JSONEncoder`'s generic path cost a twentieth of the run.
    package static func json(of party: PartySnapshot) -> String {
        var json: [UInt8] = []
        json.reserveCapacity(256)
        // The keys in snake case and in order, as `encode` sorts them; a `nil` is left out, as `Codable` leaves it.
        let address = party.address
        json.append(contentsOf: #"{"address":{"#.utf8)
        Self.append(
            [
                ("city", address.city), ("country", address.country), ("line1", address.line1),
                ("line2", address.line2), ("pin", address.pin), ("state_code", address.stateCode),
            ], to: &json)
        json.append(UInt8(ascii: "}"))
        Self.append(
            [
                ("email", party.email), ("gstin", party.gstin), ("legal_name", party.legalName),
                ("letter_of_undertaking", party.letterOfUndertaking), ("name", party.name),
            ], to: &json, afterOthers: true)
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    /// Text details (an audit entry's) as `encode` writes them with unescaped slashes, written by hand.
    package static func json(of details: [String: String]) -> String {
        Self.object(details) { JSONText.appendQuoted($0, to: &$1) }
    }

    /// `"key":"value"` for each member whose value is not `nil`, in the order given, separated by commas.
    private static func append(_ members: [(String, String?)], to json: inout [UInt8], afterOthers: Bool = false) {
        var isFirst = !afterOthers
        for case (let key, let value?) in members {
            if !isFirst { json.append(UInt8(ascii: ",")) }
            isFirst = false
            JSONText.appendQuoted(key, to: &json)
            json.append(UInt8(ascii: ":"))
            JSONText.appendQuoted(value, to: &json)
        }
    }

    /// An object of `members` with its keys sorted by their UTF-8 bytes, as `JSONEncoder` sorts them, each value
    /// written by `write`.
    static func object<Value>(_ members: [String: Value], _ write: (Value, inout [UInt8]) -> Void) -> String {
        var json: [UInt8] = [UInt8(ascii: "{")]
        json.reserveCapacity(48 * members.count + 2)
        for (index, (key, value)) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
            .enumerated()
        {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(key, to: &json)
            json.append(UInt8(ascii: ":"))
            write(value, &json)
        }
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from text: String) throws -> Value {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(text.utf8))
    }
}

extension Error {
    /// Whether the database refused a row because a unique key already held it.
    package var isUniqueViolation: Bool {
        if let error = self as? SQLiteFailure {
            return error.isUniqueViolation
        }
        if let error = self as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        return false
    }
}

extension Array {
    /// The elements in runs of at most `size`, in order.
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: self.count, by: size).map { self[$0..<Swift.min($0 + size, self.count)] }
    }
}

extension SQLDatabase {
    /// Whether this is PostgreSQL, where row locks and `RETURNING` in a CTE are available.
    var isPostgreSQL: Bool { self.dialect.name == "postgresql" }
}

extension SQLQueryString {
    /// An integer written into the statement as a literal instead of a bound value. Safe, since an integer
    /// prints as digits and a sign only; and in bulk inserts binding each value costs more than the insert itself.
    mutating func appendInterpolation(integer value: some BinaryInteger) {
        self.appendInterpolation(unsafeRaw: String(value))
    }
}

extension SQLQueryString {
    /// A string of letters, digits, `_` and `-` only (an id, a code) written as a quoted literal, which cannot
    /// break out of its quotes; anything else is bound as usual.
    ///
    /// Besides bulk statements, reads of tables with a partial index (invoices, payments) use it: SQLite's planner
    /// compares each bound value with the index's condition, and a statement whose plan so depends on a bound value
    /// is prepared a second time on its first step. A literal is prepared once.
    mutating func appendInterpolation(plain value: String) {
        if value.utf8.allSatisfy(PlainText.allows) {
            self.appendInterpolation(unsafeRaw: "'" + value + "'")
        } else {
            self.appendInterpolation(bind: value)
        }
    }

    /// `values` comma-separated, each as `appendInterpolation(plain:)` writes it: the plain counterpart of `binds:`.
    mutating func appendInterpolation(plain values: [String]) {
        for (index, value) in values.enumerated() {
            if index > 0 { self.appendLiteral(", ") }
            self.appendInterpolation(plain: value)
        }
    }
}
