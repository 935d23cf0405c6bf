// How documents print dates, quantities, rates and amounts.
import BillfoldCore

/// Printing rules shared by the layouts; money and words come from BillfoldCore.
struct DocumentFormat {
    /// `₹` when the fonts can print it, `INR` otherwise.
    let moneyStyle: MoneyFormatStyle

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    func money(_ amount: Money) -> String {
        amount.formatted(self.moneyStyle)
    }

    /// `21 Nov 2026`.
    func date(_ date: CalendarDate) -> String {
        "\(Self.twoDigits(date.day)) \(Self.months[date.month - 1]) \(date.year)"
    }

    /// `01–30 Nov 2026`, `15 Nov–14 Dec 2026`, `20 Dec 2026–19 Jan 2027`.
    func period(from start: CalendarDate, to end: CalendarDate) -> String {
        if start == end { return self.date(start) }
        if start.year == end.year && start.month == end.month {
            return "\(Self.twoDigits(start.day))–\(self.date(end))"
        }
        if start.year == end.year {
            return "\(Self.twoDigits(start.day)) \(Self.months[start.month - 1])–\(self.date(end))"
        }
        return "\(self.date(start))–\(self.date(end))"
    }

    /// A unit price with at least two decimals: `2999.00`, `0.0125`.
    func rate(_ price: FixedDecimal) -> String {
        var text = price.description
        guard let point = text.firstIndex(of: ".") else { return text + ".00" }
        let decimals = text.distance(from: point, to: text.endIndex) - 1
        if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
        return text
    }

    /// A rate in basis points as a percentage: `9%`, `2.5%`, `0.25%`.
    func percentage(basisPoints: Int) -> String {
        let whole = basisPoints / 100
        var fraction = basisPoints % 100
        guard fraction != 0 else { return "\(whole)%" }
        var digits = fraction < 10 ? "0\(fraction)" : "\(fraction)"
        if fraction % 10 == 0 {
            fraction /= 10
            digits = "\(fraction)"
        }
        return "\(whole).\(digits)%"
    }

    /// The lines of an address as printed: street lines, then `City 560103`, then the country abroad.
    func addressLines(_ address: Address) -> [String] {
        var lines = [address.line1]
        if let line2 = address.line2, !line2.isEmpty { lines.append(line2) }
        lines.append([address.city, address.pin].filter { !$0.isEmpty }.joined(separator: " "))
        if !address.isInIndia { lines.append(address.country) }
        return lines
    }

    func paymentMethod(_ method: PaymentMethod) -> String {
        switch method {
        case .upi: return "UPI"
        case .card: return "Card"
        case .netbanking: return "Net banking"
        case .wallet: return "Wallet"
        case .bankTransfer: return "Bank transfer"
        }
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
