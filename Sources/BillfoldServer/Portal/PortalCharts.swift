import BillfoldCore
import BillfoldStore
import Foundation

/// The dashboard's two charts, drawn on the server as inline SVG so they need no script and print as they show.
enum PortalCharts {
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// Twelve bars, one per month from `from`: the total of the invoices issued in it, in `currency`.
    static func monthly(_ months: [InvoiceSpending.Month], from: CalendarDate, currency: Currency) -> String {
        var totals = [Int64](repeating: 0, count: 12)
        for month in months where month.total.currency == currency {
            let index = (month.month.year - from.year) * 12 + month.month.month - from.month
            guard (0..<12).contains(index) else { continue }
            totals[index] += month.total.minorUnits
        }
        let width = 600.0
        let height = 240.0
        let top = 28.0
        let bottom = 34.0
        let slot = width / 12
        let barWidth = slot * 0.62
        let largest = Double(max(totals.max() ?? 0, 1))
        var description: [String] = []
        var bars = ""
        for (index, total) in totals.enumerated() {
            let month = from.adding(months: index)
            let label = "\(Self.monthNames[month.month - 1]) \(month.year % 100)"
            let amount = Money(minorUnits: total, currency: currency)
            description.append("\(label): \(amount.formatted())")
            let barHeight = (height - top - bottom) * Double(total) / largest
            let x = Double(index) * slot + (slot - barWidth) / 2
            let y = height - bottom - barHeight
            bars += "<g class=\"chart-bar\"><title>\(Self.escape(label)): \(Self.escape(amount.formatted()))</title>"
            bars += "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(barWidth))\" "
            bars += "height=\"\(Self.number(max(barHeight, total > 0 ? 1 : 0)))\" rx=\"3\"/>"
            if total > 0 {
                bars +=
                    "<text class=\"chart-value\" x=\"\(Self.number(x + barWidth / 2))\" y=\"\(Self.number(y - 6))\" "
                bars += "text-anchor=\"middle\">\(Self.escape(Self.compact(amount)))</text>"
            }
            // The month alone under each bar, and the year under the first bar and each January, so twelve labels fit
            // a phone's width.
            let labelX = Self.number(x + barWidth / 2)
            bars += "<text class=\"chart-label\" x=\"\(labelX)\" y=\"\(Self.number(height - 14))\" "
            bars += "text-anchor=\"middle\">\(Self.escape(Self.monthNames[month.month - 1]))</text>"
            if index == 0 || month.month == 1 {
                bars += "<text class=\"chart-label\" x=\"\(labelX)\" y=\"\(Self.number(height - 1))\" "
                bars += "text-anchor=\"middle\">\(month.year)</text>"
            }
            bars += "</g>"
        }
        let baseline =
            "<line class=\"chart-axis\" x1=\"0\" y1=\"\(Self.number(height - bottom))\" x2=\"\(Self.number(width))\" "
            + "y2=\"\(Self.number(height - bottom))\"/>"
        return Self.svg(
            testID: "chart-monthly", width: width, height: height, title: "Invoice totals, last twelve months",
            description: description.joined(separator: "; "), body: baseline + bars)
    }

    /// One horizontal bar per kind of charge in `currency`: the platform fee, seats, credits, and each resource type.
    static func services(_ charges: [InvoiceSpending.Charge], currency: Currency) -> String {
        var totals: [String: Int64] = [:]
        for charge in charges where charge.amount.currency == currency {
            totals[Self.label(charge.category, resourceType: charge.resourceType), default: 0] +=
                charge.amount.minorUnits
        }
        let rows = totals.filter { $0.value > 0 }.sorted {
            $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key)
        }
        let width = 480.0
        let rowHeight = 34.0
        let labelWidth = 112.0
        let valueWidth = 112.0
        let height = max(rowHeight * Double(rows.count) + 8, 60)
        let largest = Double(max(rows.first?.value ?? 0, 1))
        var description: [String] = []
        var body = ""
        if rows.isEmpty {
            body = "<text class=\"chart-label\" x=\"0\" y=\"30\">No charges in the last twelve months.</text>"
        }
        for (index, row) in rows.enumerated() {
            let amount = Money(minorUnits: row.value, currency: currency)
            description.append("\(row.key): \(amount.formatted())")
            let y = Double(index) * rowHeight + 6
            let barWidth = (width - labelWidth - valueWidth) * Double(row.value) / largest
            body += "<g class=\"chart-bar chart-bar-\(index % 6)\"><title>\(Self.escape(row.key)): "
            body += "\(Self.escape(amount.formatted()))</title>"
            body += "<text class=\"chart-label\" x=\"0\" y=\"\(Self.number(y + 17))\">\(Self.escape(row.key))</text>"
            body += "<rect x=\"\(Self.number(labelWidth))\" y=\"\(Self.number(y + 2))\" "
            body += "width=\"\(Self.number(max(barWidth, 2)))\" height=\"20\" rx=\"3\"/>"
            body += "<text class=\"chart-value\" x=\"\(Self.number(labelWidth + barWidth + 8))\" "
            body += "y=\"\(Self.number(y + 17))\">\(Self.escape(amount.formatted()))</text></g>"
        }
        return Self.svg(
            testID: "chart-services", width: width, height: height, title: "Spend by service, last twelve months",
            description: description.joined(separator: "; "), body: body)
    }

    private static func label(_ category: LineCategory, resourceType: String) -> String {
        switch category {
        case .platformFee: return "Platform fee"
        case .seats: return "Extra seats"
        case .credits: return "Credits"
        case .topUp: return "Wallet top-up"
        case .adjustment: return "Adjustments"
        case .usage:
            let type = resourceType.replacingOccurrences(of: "_", with: " ")
            return type.count <= 2 ? type.uppercased() : type.prefix(1).uppercased() + type.dropFirst()
        }
    }

    private static func svg(
        testID: String, width: Double, height: Double, title: String, description: String, body: String
    ) -> String {
        "<svg class=\"chart\" data-testid=\"\(testID)\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" "
            + "role=\"img\" aria-labelledby=\"\(testID)-title \(testID)-desc\" preserveAspectRatio=\"xMidYMid meet\">"
            + "<title id=\"\(testID)-title\">\(Self.escape(title))</title>"
            + "<desc id=\"\(testID)-desc\">\(Self.escape(description))</desc>\(body)</svg>"
    }

    /// `₹1.2L`, `₹45K`, `$3.4K`: short enough to sit above a bar.
    static func compact(_ amount: Money) -> String {
        let major = Double(amount.minorUnits) / Double(amount.currency.minorUnitsPerMajorUnit)
        let symbol = amount.currency.symbol
        let isRupee = amount.currency.code == Currency.inr.code
        func short(_ value: Double, _ suffix: String) -> String {
            let text = value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
            return symbol + (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + suffix
        }
        if isRupee && major >= 10_000_000 { return short(major / 10_000_000, "Cr") }
        if isRupee && major >= 100_000 { return short(major / 100_000, "L") }
        if !isRupee && major >= 1_000_000 { return short(major / 1_000_000, "M") }
        if major >= 1_000 { return short(major / 1_000, "K") }
        return short(major, "")
    }

    private static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
