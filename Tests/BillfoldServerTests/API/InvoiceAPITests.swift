import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Invoices API over the demo data")
struct InvoiceAPITests {
    /// 2026-11-21 at noon in India: the demo's year runs from November 2025.
    static let now = Date(timeIntervalSince1970: 1_795_248_000)

    func allInvoices(_ client: some ServerTestClient, query: String = "") async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var cursor: String?
        repeat {
            let after = cursor.map { "&starting_after=\($0)" } ?? ""
            let page = try await client.call(.get, "/api/v1/invoices?limit=100\(query)\(after)")
            #expect(page.status == .ok)
            let data = page.object["data"] as? [[String: Any]] ?? []
            items += data
            cursor = page.object["has_more"] as? Bool == true ? data.last?["id"] as? String : nil
        } while cursor != nil
        return items
    }

    @Test("the demo covers every display status and its GST figures are right", arguments: TestDatabase.kinds)
    func demoInvoices(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let items = try await self.allInvoices(client)
            let statuses = Set(items.compactMap { $0["status"] as? String })
            #expect(statuses == Set(InvoiceDisplayStatus.allCases.map(\.rawValue)))
            #expect(items.count >= 7 * 12)
            let numbers = items.compactMap { $0["number"] as? String }
            #expect(Set(numbers).count == numbers.count)
            for item in items {
                let id = try #require(item["id"] as? String)
                let detail = try await client.call(.get, "/api/v1/invoices/\(id)")
                #expect(detail.status == .ok)
                try self.checkGST(detail.object)
                // The list works status and amount due out in SQL, the detail in Swift: they must agree.
                for key in ["status", "amount_due", "amount_paid", "total", "subtotal", "number", "services_count"] {
                    #expect(String(describing: detail.object[key]) == String(describing: item[key]), "\(id) \(key)")
                }
                #expect(detail.object["tax"] as? [String: Int] == item["tax"] as? [String: Int], "\(id)")
            }
        }
    }

    /// Recomputes an invoice's tax from its lines with reference/gst.md's rules.
    func checkGST(_ invoice: [String: Any]) throws {
        let lines = try #require(invoice["lines"] as? [[String: Any]])
        let tax = try #require(invoice["tax"] as? [String: Int])
        let subtotal = lines.compactMap { $0["amount"] as? Int }.reduce(0, +)
        #expect(invoice["subtotal"] as? Int == subtotal)
        var taxableByRate: [Int: Int] = [:]
        for line in lines {
            // "18" or "2.5" percent, read exactly as basis points.
            let rate = try #require(FixedDecimal(line["gst_rate"] as? String ?? "")).scaledValue / 10_000
            taxableByRate[Int(rate), default: 0] += line["amount"] as? Int ?? 0
        }
        let supplierState = ((invoice["supplier"] as? [String: Any])?["gstin"] as? String)?.prefix(2)
        let placeOfSupply = invoice["place_of_supply"] as? String
        /// Tax at `basisPoints` on `value` paise, half away from zero (all values here are positive).
        func taxOn(_ value: Int, basisPoints: Int) -> Int { (value * basisPoints + 5_000) / 10_000 }
        switch placeOfSupply {
        case "96":
            #expect(tax["total"] == 0 && invoice["supply_type"] as? String == "export_under_lut")
            let arn = try #require((invoice["supplier"] as? [String: Any])?["letter_of_undertaking"] as? String)
            #expect(
                invoice["endorsement"] as? String
                    == "SUPPLY MEANT FOR EXPORT UNDER LETTER OF UNDERTAKING WITHOUT PAYMENT OF INTEGRATED TAX"
                    + " (LUT ARN \(arn))")
        case .some(let state) where state == supplierState.map(String.init):
            let half = taxableByRate.map { taxOn($0.value, basisPoints: $0.key / 2) }.reduce(0, +)
            let unionTerritory = ["04", "26", "31", "35", "38"].contains(state)
            #expect(tax["cgst"] == half && tax["igst"] == 0)
            #expect(tax[unionTerritory ? "utgst" : "sgst"] == half && tax[unionTerritory ? "sgst" : "utgst"] == 0)
        default:
            let igst = taxableByRate.map { taxOn($0.value, basisPoints: $0.key) }.reduce(0, +)
            #expect(tax["igst"] == igst && tax["cgst"] == 0 && tax["sgst"] == 0)
        }
        #expect(tax["total"] == (tax["cgst"] ?? 0) + (tax["sgst"] ?? 0) + (tax["utgst"] ?? 0) + (tax["igst"] ?? 0))
        #expect(invoice["total"] as? Int == subtotal + (tax["total"] ?? 0))
        let paid = invoice["amount_paid"] as? Int ?? 0
        let status = invoice["status"] as? String
        if status == "paid" || status == "cancelled" {
            #expect(invoice["amount_due"] as? Int == 0)
        } else {
            #expect(invoice["amount_due"] as? Int == (invoice["total"] as? Int ?? 0) - paid)
        }
    }

    @Test("filters by status, workspace, dates and text agree with the full list", arguments: TestDatabase.kinds)
    func filters(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let all = try await self.allInvoices(client)
            for status in InvoiceDisplayStatus.allCases.map(\.rawValue) {
                let filtered = try await self.allInvoices(client, query: "&status=\(status)")
                #expect(filtered.count == all.filter { $0["status"] as? String == status }.count, "\(status)")
            }
            let both = try await self.allInvoices(client, query: "&status=paid,overdue")
            #expect(both.count == all.filter { ["paid", "overdue"].contains($0["status"] as? String) }.count)
            let workspaceID = try #require(all.first?["workspace_id"] as? String)
            let mine = try await self.allInvoices(client, query: "&workspace_id=\(workspaceID)")
            #expect(mine.count == all.filter { $0["workspace_id"] as? String == workspaceID }.count)
            let autumn = try await self.allInvoices(client, query: "&from=2026-09-01&to=2026-10-31")
            #expect(
                autumn.count
                    == all.filter { item in
                        guard let date = item["issue_date"] as? String else { return false }
                        return date >= "2026-09-01" && date <= "2026-10-31"
                    }.count)
            #expect(!autumn.isEmpty)
            let number = try #require(all.compactMap { $0["number"] as? String }.first)
            let searched = try await self.allInvoices(client, query: "&q=\(number.lowercased().suffix(6))")
            #expect(searched.map { $0["number"] as? String }.contains(number))
            let growth = try await self.allInvoices(client, query: "&q=GROWTH%20-%20monthly")
            #expect(growth.count == all.filter { ($0["description"] as? String) == "Growth - Monthly" }.count)
            let dates = all.map { ($0["issue_date"] as? String) ?? ($0["period_end"] as? String) ?? "" }
            #expect(dates == dates.sorted(by: >))
        }
    }

    @Test("paging stays stable while documents are added between pages", arguments: TestDatabase.kinds)
    func stablePages(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let before = Set(try await self.allInvoices(client).compactMap { $0["id"] as? String })
            let meera = try await MemberAccessTests.workspaceID(client, named: "Meera Iyer")
            var seen: [String] = []
            var cursor: String?
            repeat {
                let after = cursor.map { "&starting_after=\($0)" } ?? ""
                let page = try await client.call(.get, "/api/v1/invoices?limit=7\(after)")
                let data = try #require(page.object["data"] as? [[String: Any]])
                seen += data.compactMap { $0["id"] as? String }
                // A wallet top-up issues a receipt dated today, the newest document of all.
                let topUp = try await client.call(
                    .post, "/api/v1/workspaces/\(meera)/wallet/top_ups", json: #"{"amount": 10000}"#)
                #expect(topUp.status == .created)
                cursor = page.object["has_more"] as? Bool == true ? data.last?["id"] as? String : nil
            } while cursor != nil
            #expect(Set(seen).count == seen.count, "a document came twice")
            #expect(Set(seen) == before, "the pages held \(seen.count) documents of \(before.count)")
        }
    }
}
