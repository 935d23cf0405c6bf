import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Invoice summary and CSV export")
struct InvoiceSummaryCSVTests {
    /// Splits RFC 4180 text into records of fields; fails the test on a malformed quote.
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters = characters.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                #expect(character != "\"" && character != "\n" && character != "\r", "stray \(character) in CSV")
                field.append(character)
            }
        }
        #expect(!quoted && field.isEmpty && record.isEmpty, "the CSV does not end with a complete record")
        return records
    }

    /// Minor units from a CSV amount such as `1180.50` or `-3.05`.
    static func minorUnits(_ text: String) -> Int? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, parts[1].count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else {
            return nil
        }
        return major * 100 + (text.hasPrefix("-") ? -minor : minor)
    }

    @Test("every filter's list, summary and CSV agree on the demo data", arguments: TestDatabase.kinds)
    func agree(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let someWorkspace = try #require(
                (try await client.call(.get, "/api/v1/workspaces?limit=1").object["data"] as? [[String: Any]])?
                    .first?["id"] as? String)
            let filters = [
                "", "&workspace_id=\(someWorkspace)", "&status=overdue,pending", "&status=paid&kind=invoice",
                "&kind=receipt,credit_note",
                "&from=2026-04-01&to=2026-09-30", "&q=GROWTH", "&q=inv/26-27",
            ]
            for filter in filters {
                let items = try await InvoiceAPITests().allInvoices(client, query: filter)
                let summary = try await client.call(.get, "/api/v1/invoices/summary?\(filter.dropFirst())")
                #expect(summary.status == .ok, "\(filter)")
                let currencies = try #require(summary.object["currencies"] as? [[String: Any]])
                for entry in currencies {
                    let currency = try #require(entry["currency"] as? String)
                    let mine = items.filter { $0["currency"] as? String == currency }
                    func expected(_ kind: String, _ statuses: Set<String>, _ key: String) -> [String: Int] {
                        let kept = mine.filter {
                            $0["kind"] as? String == kind && statuses.contains($0["status"] as? String ?? "")
                        }
                        return ["count": kept.count, "amount": kept.compactMap { $0[key] as? Int }.reduce(0, +)]
                    }
                    // Paid, pending and overdue count invoices alone; top-ups and credit notes have figures of
                    // their own.
                    #expect(
                        entry["paid"] as? [String: Int] == expected("invoice", ["paid"], "amount_paid"), "\(filter)")
                    #expect(
                        entry["pending"] as? [String: Int]
                            == expected("invoice", ["pending", "processing", "failed"], "amount_due"),
                        "\(filter)")
                    #expect(
                        entry["overdue"] as? [String: Int] == expected("invoice", ["overdue"], "amount_due"),
                        "\(filter)")
                    #expect(
                        entry["disputed"] as? [String: Int] == expected("invoice", ["disputed"], "amount_due"),
                        "\(filter)")
                    #expect(
                        entry["wallet_top_ups"] as? [String: Int] == expected("receipt", ["paid"], "total"),
                        "\(filter)")
                    let issued: Set<String> = [
                        "pending", "processing", "disputed", "overdue", "failed", "paid", "cancelled",
                    ]
                    #expect(
                        entry["credit_notes"] as? [String: Int] == expected("credit_note", issued, "total"),
                        "\(filter)")
                }
                let counted = currencies.flatMap { $0["by_status"] as? [[String: Any]] ?? [] }
                    .compactMap { $0["count"] as? Int }.reduce(0, +)
                #expect(counted == items.count, "\(filter)")

                let export = try await client.call(.get, "/api/v1/invoices/export.csv?\(filter.dropFirst())")
                #expect(export.status == .ok && export.headers[.contentType] == "text/csv; charset=utf-8")
                let records = Self.parseCSV(String(buffer: export.body))
                #expect(
                    records.first == [
                        "number", "kind", "issue_date", "period_start", "period_end", "description", "services",
                        "taxable", "cgst", "sgst", "utgst", "igst", "total", "paid", "due", "status",
                    ])
                let rows = records.dropFirst()
                #expect(rows.count == items.count, "\(filter)")
                for (row, item) in zip(rows, items) {
                    #expect(row.count == 16)
                    #expect(row[0] == item["number"] as? String ?? "", "\(filter)")
                    #expect(row[1] == item["kind"] as? String, "\(filter)")
                    #expect(row[15] == item["status"] as? String, "\(filter)")
                    #expect(Self.minorUnits(row[12]) == item["total"] as? Int, "\(filter)")
                    #expect(Self.minorUnits(row[14]) == item["amount_due"] as? Int, "\(filter)")
                    let tax = item["tax"] as? [String: Int] ?? [:]
                    #expect(
                        row[8...11].map(Self.minorUnits) == ["cgst", "sgst", "utgst", "igst"].map { tax[$0] },
                        "\(filter)")
                }
            }
            let bad = try await client.call(.get, "/api/v1/invoices/export.csv?status=late")
            #expect(bad.status == .unprocessableContent && bad.error["param"] as? String == "status")
            let badSummary = try await client.call(.get, "/api/v1/invoices/summary?from=2026-13-01")
            #expect(badSummary.status == .unprocessableContent && badSummary.error["param"] as? String == "from")
        }
    }

    @Test(
        "total paid is the sum of paid invoices: a wallet top-up and a credit note have figures of their own",
        arguments: TestDatabase.kinds)
    func totalPaidCountsInvoices(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: SubscriptionAPITests.now) { client in
            let workspaceID = try await SubscriptionAPITests.prepaidWorkspace(client)
            let plan = try await client.call(
                .post, "/api/v1/plans", json: #"{"code": "basic", "name": "Basic", "platform_fee": 100000}"#)
            let planID = try #require(plan.object["id"] as? String)
            let subscribed = try await client.call(
                .post, "/api/v1/subscriptions",
                json: #"{"workspace_id": "\#(workspaceID)", "plan_id": "\#(planID)", "start_date": "2026-10-31"}"#)
            #expect(subscribed.status == .created)
            let topUp = try await client.call(
                .post, "/api/v1/workspaces/\(workspaceID)/wallet/top_ups", json: #"{"amount": 500000}"#)
            #expect(topUp.status == .created)
            // The period ends: ₹1,000 and 18% IGST, ₹1,180, paid from the wallet at once.
            #expect(try await client.call(.post, "/api/v1/billing_runs", json: "{}").status == .ok)
            let invoices = try await client.call(.get, "/api/v1/invoices?workspace_id=\(workspaceID)&kind=invoice")
            let invoice = try #require((invoices.object["data"] as? [[String: Any]])?.first)
            #expect(invoice["total"] as? Int == 118_000 && invoice["status"] as? String == "paid")

            func figures() async throws -> [String: [String: Int]] {
                let summary = try await client.call(.get, "/api/v1/invoices/summary?workspace_id=\(workspaceID)")
                let rupees = try #require((summary.object["currencies"] as? [[String: Any]])?.first)
                var figures: [String: [String: Int]] = [:]
                for key in ["paid", "pending", "overdue", "wallet_top_ups", "credit_notes"] {
                    figures[key] = rupees[key] as? [String: Int]
                }
                return figures
            }
            let paid = try await figures()
            #expect(paid["paid"] == ["count": 1, "amount": 118_000], "not ₹6,180: the top-up is not an invoice paid")
            #expect(paid["wallet_top_ups"] == ["count": 1, "amount": 500_000])
            #expect(paid["credit_notes"] == ["count": 0, "amount": 0])
            #expect(paid["pending"] == ["count": 0, "amount": 0] && paid["overdue"] == ["count": 0, "amount": 0])

            // Credited in full: the invoice is cancelled, and its credit note is not paid a second time.
            let credited = try await client.call(
                .post, "/api/v1/invoices/\(invoice["id"] as? String ?? "")/credit_notes",
                json: #"{"reason": "Billed in error"}"#)
            #expect(credited.status == .created)
            let afterCredit = try await figures()
            #expect(afterCredit["paid"] == ["count": 0, "amount": 0])
            #expect(afterCredit["credit_notes"] == ["count": 1, "amount": 118_000])
            #expect(afterCredit["wallet_top_ups"] == ["count": 1, "amount": 500_000])
        }
    }

    @Test("a description with a comma and quotes is quoted in the CSV", arguments: TestDatabase.kinds)
    func quoting(kind: DatabaseKind) async throws {
        try await withTestServer(kind, now: SubscriptionAPITests.now) { client in
            let workspaceID = try await SubscriptionAPITests.prepaidWorkspace(client)
            let plan = try await client.call(
                .post, "/api/v1/plans", json: #"{"code": "odd", "name": "Scale, \"Pro\"", "platform_fee": 100000}"#)
            let planID = try #require(plan.object["id"] as? String)
            _ = try await client.call(
                .post, "/api/v1/subscriptions",
                json:
                    "{\"workspace_id\": \"\(workspaceID)\", \"plan_id\": \"\(planID)\", \"start_date\": \"2026-11-01\"}"
            )
            _ = try await client.call(.post, "/api/v1/billing_runs", json: "{}")
            let export = try await client.call(.get, "/api/v1/invoices/export.csv?workspace_id=\(workspaceID)")
            let text = String(buffer: export.body)
            #expect(text.contains("\"Scale, \"\"Pro\"\" - Monthly\""))
            let records = Self.parseCSV(text)
            #expect(records.count == 2 && records[1][5] == "Scale, \"Pro\" - Monthly")
            #expect(records[1][7] == "1000.00" && records[1][12] == "1180.00" && records[1][15] == "pending")
        }
    }
}
