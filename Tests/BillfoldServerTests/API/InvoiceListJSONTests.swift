import BillfoldCore
import Foundation
import Testing

@testable import BillfoldServer
@testable import BillfoldStore

@Suite("The invoice list's JSON, written by hand")
struct InvoiceListJSONTests {
    static func item(description: String, number: String?, dates: Bool, placeOfSupply: String?, amount: Int64)
        -> InvoiceListItem
    {
        func money(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .inr) }
        return InvoiceListItem(
            id: .generate(), kind: .invoice, number: number, workspaceID: .generate(), status: .overdue,
            issueDate: dates ? CalendarDate(year: 2026, month: 11, day: 1) : nil,
            dueDate: dates ? CalendarDate(year: 2026, month: 11, day: 16) : nil,
            periodStart: CalendarDate(year: 2026, month: 10, day: 1)!,
            periodEnd: CalendarDate(year: 2026, month: 10, day: 31)!, description: description, currency: .inr,
            subtotal: money(amount), platformFee: money(999_900), creditsFee: money(0), servicesCount: 7,
            cgst: money(amount * 9 / 100), sgst: money(amount * 9 / 100), utgst: money(0), igst: money(-1),
            taxTotal: money(amount * 18 / 100), total: money(Int64.max), amountPaid: money(Int64.min),
            amountDue: money(0), placeOfSupply: placeOfSupply)
    }

    @Test("a page is byte for byte what JSONEncoder writes, whatever the text and with fields left out")
    func sameAsEncoder() throws {
        let items = [
            Self.item(
                description: "Growth - Monthly", number: "INV/26-27/000042", dates: true, placeOfSupply: "29",
                amount: 1_180_000),
            Self.item(
                description: "quote \" backslash \\ slash / tab \t newline \n bell \u{07} ₹ 😀 \u{1F}",
                number: nil, dates: false, placeOfSupply: nil, amount: -5),
            Self.item(description: "", number: "", dates: true, placeOfSupply: "97", amount: 0),
        ]
        for hasMore in [true, false] {
            for count in 0...items.count {
                let page = ListResponse(
                    data: items.prefix(count).map(InvoiceSummaryResponse.init), hasMore: hasMore)
                let encoded = String(decoding: try JSONCoding.makeEncoder(.declared).encode(page), as: UTF8.self)
                #expect(String(decoding: page.json, as: UTF8.self) == encoded)
            }
        }
    }
}
