/// How documents and pages print dates, periods, prices, addresses and payment methods, so the PDF and the print
/// view read the same.
extension CalendarDate {
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `01 Dec 2026`.
    package var printed: String {
        "\(Self.twoDigits(self.day)) \(Self.monthNames[self.month - 1]) \(self.year)"
    }

    /// `01–30 Nov 2026`, `15 Nov–14 Dec 2026`, `20 Dec 2026–19 Jan 2027`.
    package static func printedPeriod(from start: CalendarDate, to end: CalendarDate) -> String {
        if start == end { return start.printed }
        if start.year == end.year && start.month == end.month {
            return "\(Self.twoDigits(start.day))–\(end.printed)"
        }
        if start.year == end.year {
            return "\(Self.twoDigits(start.day)) \(Self.monthNames[start.month - 1])–\(end.printed)"
        }
        return "\(start.printed)–\(end.printed)"
    }
}

extension FixedDecimal {
    /// A unit price with at least two decimals: `2999.00`, `0.0125`.
    package var printedPrice: String {
        var text = self.description
        guard let point = text.firstIndex(of: ".") else { return text + ".00" }
        let decimals = text.distance(from: point, to: text.endIndex) - 1
        if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
        return text
    }
}

extension Address {
    /// The lines of an address as printed: street lines, then `City 560103`, then the country abroad.
    package var printedLines: [String] {
        var lines = [self.line1]
        if let line2 = self.line2, !line2.isEmpty { lines.append(line2) }
        lines.append([self.city, self.pin].filter { !$0.isEmpty }.joined(separator: " "))
        if !self.isInIndia { lines.append(self.country) }
        return lines
    }
}

extension PaymentMethod {
    /// How a person names the method: `UPI`, `Net banking`, `Bank transfer`.
    package var displayName: String {
        switch self {
        case .upi: "UPI"
        case .card: "Card"
        case .netbanking: "Net banking"
        case .wallet: "Wallet"
        case .bankTransfer: "Bank transfer"
        case .gateway: "Online payment"
        case .creditBalance: "Credit balance"
        }
    }
}
