import BillfoldCore
import SQLKit

/// What the documents a filter keeps add up to, as the portal's charts show it: their totals by month of issue, and
/// their lines' amounts by category and resource type. Each amount carries its currency.
package struct InvoiceSpending: Hashable, Sendable {
    /// The total of the documents issued in one month, in one currency.
    package struct Month: Hashable, Sendable {
        /// The first day of the month.
        package let month: CalendarDate
        package let total: Money
    }

    /// What the lines of one category and resource type add up to, in one currency.
    package struct Charge: Hashable, Sendable {
        package let category: LineCategory
        package let resourceType: String
        package let amount: Money
    }

    /// By currency, then month; drafts, which have no issue date, are in no month.
    package let months: [Month]
    /// By currency, category and resource type.
    package let charges: [Charge]
}

extension SQLInvoiceRepository {
    func spending(_ filter: InvoiceFilter, today: CalendarDate) async throws -> InvoiceSpending {
        let kept = Self.whereClause(Self.conditions(for: filter, today: today, table: "i"))
        var monthQuery = SQLQueryString(
            """
            SELECT currency, issue_month, CAST(SUM(total / 4294967296) AS BIGINT) AS total_high,
                CAST(SUM(total % 4294967296) AS BIGINT) AS total_low
            FROM (SELECT i.currency, SUBSTR(i.issue_date, 1, 7) AS issue_month, i.total FROM invoices i
            """)
        monthQuery += kept
        monthQuery.appendLiteral(
            ") AS kept WHERE issue_month IS NOT NULL GROUP BY currency, issue_month ORDER BY currency, issue_month")
        let months = try await self.sql.raw(monthQuery).all().map { row in
            let text = try row.string("issue_month") + "-01"
            guard let month = CalendarDate(iso8601: text) else {
                throw StoreError.corrupt("issue_date is not a date: \(text)")
            }
            return InvoiceSpending.Month(
                month: month, total: try Self.amount(row, "total", in: try row.currency("currency")))
        }
        var chargeQuery = SQLQueryString(
            """
            SELECT i.currency, l.category, l.resource_type, CAST(SUM(l.amount / 4294967296) AS BIGINT) AS amount_high,
                CAST(SUM(l.amount % 4294967296) AS BIGINT) AS amount_low
            FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
            """)
        chargeQuery += kept
        chargeQuery.appendLiteral(
            " GROUP BY i.currency, l.category, l.resource_type ORDER BY i.currency, l.category, l.resource_type")
        let charges = try await self.sql.raw(chargeQuery).all().map { row in
            InvoiceSpending.Charge(
                category: try row.enumeration("category", as: LineCategory.self),
                resourceType: try row.string("resource_type"),
                amount: try Self.amount(row, "amount", in: try row.currency("currency")))
        }
        return InvoiceSpending(months: months, charges: charges)
    }

    /// The sum `name` (as `name_high` and `name_low`), refused when it does not fit in an amount.
    private static func amount(_ row: any SQLRow, _ name: String, in currency: Currency) throws -> Money {
        guard let minorUnits = Int64(exactly: try Self.sum(row, high: name + "_high", low: name + "_low")) else {
            throw MoneyError.overflow
        }
        return Money(minorUnits: minorUnits, currency: currency)
    }
}
