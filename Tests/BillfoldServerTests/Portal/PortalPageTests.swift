import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The billing portal's pages")
struct PortalPageTests {
    static let now = InvoiceAPITests.now

    /// A browser's state: its cookies, and the form token of the page it last loaded.
    struct Browser {
        var cookies: [String: String] = [:]
        var token = ""

        var cookieHeader: String {
            self.cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }

        mutating func keep(_ response: ServerTestResponse) {
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";")[0].split(
                    separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2 else { continue }
                self.cookies[String(pair[0])] = pair[1].isEmpty ? nil : String(pair[1])
            }
            let html = String(buffer: response.body)
            if let range = html.range(of: #"name="csrf_token" value="([^"]+)""#, options: .regularExpression) {
                let field = html[range]
                self.token = String(field.dropFirst(#"name="csrf_token" value=""#.count).dropLast())
            }
        }

        mutating func get(_ client: some ServerTestClient, _ uri: String) async throws -> ServerTestResponse {
            let response = try await client.execute(
                uri: uri, method: .get, headers: [.cookie: self.cookieHeader], body: nil)
            self.keep(response)
            return response
        }

        /// Posts a form, with the page's token unless `token` says otherwise.
        mutating func post(
            _ client: some ServerTestClient, _ uri: String, _ fields: [(String, String)], token: String?? = .none
        ) async throws -> ServerTestResponse {
            var all = fields
            if let token = token ?? self.token { all.append(("csrf_token", token)) }
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let body = all.map { name, value in
                name + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
            }.joined(separator: "&")
            let response = try await client.execute(
                uri: uri, method: .post,
                headers: [.cookie: self.cookieHeader, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: body))
            self.keep(response)
            return response
        }

        /// Signs in through the sign-in form.
        static func signedIn(
            _ client: some ServerTestClient, _ email: String = DemoData.portalEmail,
            password: String = DemoData.portalPassword
        ) async throws -> Browser {
            var browser = Browser()
            #expect(try await browser.get(client, "/portal/sign-in").status == .ok)
            let response = try await browser.post(
                client, "/portal/sign-in", [("email", email), ("password", password)])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/portal")
            #expect(browser.cookies[sessionCookie] != nil)
            return browser
        }
    }

    static let sessionCookie = "billfold_session"

    /// The text inside the element carrying `data-testid="id"`, tags removed and spaces collapsed.
    static func text(of testID: String, in html: String) -> String? {
        guard let mark = html.range(of: "data-testid=\"\(testID)\""),
            let open = html[..<mark.lowerBound].lastIndex(of: "<"),
            let close = html[mark.upperBound...].firstIndex(of: ">")
        else { return nil }
        let name = String(html[html.index(after: open)...].prefix { $0.isLetter || $0.isNumber })
        var depth = 1
        var index = html.index(after: close)
        let contentStart = index
        while index < html.endIndex {
            let rest = html[index...]
            if rest.hasPrefix("</\(name)>") {
                depth -= 1
                if depth == 0 { break }
            } else if rest.hasPrefix("<\(name) ") || rest.hasPrefix("<\(name)>") {
                depth += 1
            }
            index = html.index(after: index)
        }
        return String(html[contentStart..<index]).replacingOccurrences(
            of: "<[^>]+>", with: " ", options: .regularExpression
        )
        .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func money(_ minorUnits: Any?) -> String {
        Money(minorUnits: (minorUnits as? Int64) ?? Int64((minorUnits as? Int) ?? 0), currency: .inr).formatted()
    }

    @Test(
        "sign-in: a good password reaches the dashboard, a wrong one is told so, a form without its token is refused",
        arguments: TestDatabase.kinds)
    func signIn(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            // Without a session, every page sends the browser to sign-in.
            var stranger = Browser()
            let away = try await stranger.get(client, "/portal/invoices")
            #expect(away.status == .seeOther)
            #expect(away.headers[.location] == "/portal/sign-in?next=%2Fportal%2Finvoices")
            #expect(try await stranger.get(client, "/portal").headers[.location] == "/portal/sign-in")

            var browser = Browser()
            let form = try await browser.get(client, "/portal/sign-in")
            let html = String(buffer: form.body)
            for field in ["name=\"email\"", "name=\"password\"", "name=\"csrf_token\"", "data-testid=\"sign-in\""] {
                #expect(html.contains(field), "\(field)")
            }
            let wrong = try await browser.post(
                client, "/portal/sign-in", [("email", DemoData.portalEmail), ("password", "not-the-password")])
            #expect(wrong.status == .unauthorized)
            #expect(Self.text(of: "error", in: String(buffer: wrong.body))?.contains("wrong") == true)
            #expect(browser.cookies[Self.sessionCookie] == nil)

            let forged = try await browser.post(
                client, "/portal/sign-in", [("email", DemoData.portalEmail), ("password", DemoData.portalPassword)],
                token: .some(nil))
            #expect(forged.status == .forbidden)
            #expect(String(buffer: forged.body).contains("data-testid=\"csrf-error\""))

            let good = try await browser.post(
                client, "/portal/sign-in", [("email", DemoData.portalEmail), ("password", DemoData.portalPassword)])
            #expect(good.status == .seeOther)
            #expect(good.headers[.location] == "/portal")
            let cookie = try #require(good.headers[.setCookie])
            #expect(cookie.hasPrefix("billfold_session=bfs_"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(try await browser.get(client, "/portal").status == .ok)

            // A link into the portal (a mail's, to an invoice) leads there after signing in; `next` outside the
            // portal is dropped.
            var reader = Browser()
            let link = try #require(
                try await reader.get(client, "/portal/invoices/inv_from_a_mail").headers[.location])
            #expect(link == "/portal/sign-in?next=%2Fportal%2Finvoices%2Finv_from_a_mail")
            let page = String(buffer: try await reader.get(client, link).body)
            #expect(page.contains(#"name="next" value="/portal/invoices/inv_from_a_mail""#))
            let back = try await reader.post(
                client, "/portal/sign-in",
                [
                    ("email", DemoData.portalEmail), ("password", DemoData.portalPassword),
                    ("next", "/portal/invoices/inv_from_a_mail"),
                ])
            #expect(back.headers[.location] == "/portal/invoices/inv_from_a_mail")
            var wanderer = Browser()
            _ = try await wanderer.get(client, "/portal/sign-in")
            let outside = try await wanderer.post(
                client, "/portal/sign-in",
                [
                    ("email", DemoData.portalEmail), ("password", DemoData.portalPassword),
                    ("next", "//evil.example/portal/"),
                ])
            #expect(outside.headers[.location] == "/portal")
        }
    }

    @Test("the dashboard shows the demo owner's figures and both charts", arguments: TestDatabase.kinds)
    func dashboard(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var browser = try await Browser.signedIn(client)
            let page = try await browser.get(client, "/portal")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            for id in [
                "next-issue-date", "monthly-credits", "monthly-seats", "invoice-total", "wallet-balance", "total-paid",
                "total-pending", "total-overdue", "chart-monthly", "chart-services", "sign-out",
            ] {
                #expect(html.contains("data-testid=\"\(id)\""), "\(id)")
            }
            #expect(html.contains("Chai Labs"))
            #expect(html.contains("aria-current=\"page\""))
            let workspace = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let dashboard = try await client.call(.get, "/api/v1/workspaces/\(workspace)/dashboard")
            let seats = try #require(dashboard.object["seats"] as? [String: Any])
            #expect(
                Self.text(of: "monthly-seats", in: html)?.contains("\(seats["subscribed"] as? Int ?? -1) seats") == true
            )
            #expect(
                Self.text(of: "invoice-total", in: html)?.contains(Self.money(dashboard.object["invoice_total"]))
                    == true)
            let summary = try await client.call(.get, "/api/v1/invoices/summary?workspace_id=\(workspace)")
            let currencies = try #require(summary.object["currencies"] as? [[String: Any]])
            let rupees = try #require(currencies.first { $0["currency"] as? String == "INR" })
            for (id, bucket) in [("total-paid", "paid"), ("total-pending", "pending"), ("total-overdue", "overdue")] {
                let amount = Self.money((rupees[bucket] as? [String: Any])?["amount"])
                #expect(Self.text(of: id, in: html)?.contains(amount) == true, "\(id) shows \(amount)")
            }
            #expect(html.contains("<rect"))
        }
    }

    @Test("the billing history lists, filters, pages, downloads and refreshes", arguments: TestDatabase.kinds)
    func billingHistory(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now, gateway: .sandbox) { client in
            var browser = try await Browser.signedIn(client)
            let page = try await browser.get(client, "/portal/invoices")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            for id in [
                "tab-all", "tab-pending", "tab-paid", "tab-overdue", "tab-processing", "tab-failed", "tab-cancelled",
                "apply-filters", "invoice-table", "invoice-row", "status", "view", "download", "download-selected",
                "export-csv", "refresh", "next-page",
            ] {
                #expect(html.contains("data-testid=\"\(id)\""), "\(id)")
            }
            #expect(html.contains("data-testid=\"tab-all\" aria-current=\"page\""))
            #expect(html.contains("data-testid=\"pay\""), "an open demo invoice offers Pay")
            let ids = Self.rowIDs(html)
            #expect(ids.count == 10)
            // The numbers are the API's.
            let workspace = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let list = try await client.call(.get, "/api/v1/invoices?workspace_id=\(workspace)&status=paid&limit=1")
            let first = try #require((list.object["data"] as? [[String: Any]])?.first)
            #expect(html.contains(try #require(first["number"] as? String)))

            // The next page, and back.
            let next = try #require(Self.href("next-page", in: html))
            let second = try await browser.get(client, next)
            let secondHTML = String(buffer: second.body)
            #expect(Set(Self.rowIDs(secondHTML)).isDisjoint(with: ids))
            let previous = try #require(Self.href("prev-page", in: secondHTML))
            #expect(Self.rowIDs(String(buffer: try await browser.get(client, previous).body)) == ids)

            // A tab keeps to its status.
            let paid = String(buffer: try await browser.get(client, "/portal/invoices?status=paid").body)
            #expect(paid.contains("data-testid=\"tab-paid\" aria-current=\"page\""))
            let statuses = paid.components(separatedBy: "data-testid=\"status\">").dropFirst().map { $0.prefix(4) }
            #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == "Paid" })

            // Search by number.
            let number = try #require(first["number"] as? String)
            let found = String(buffer: try await browser.get(client, "/portal/invoices?q=\(number)").body)
            #expect(Self.rowIDs(found) == [try #require(first["id"] as? String)])

            // Download selected: a ZIP of the ticked PDFs.
            let zip = try await browser.post(client, "/portal/invoices/download", ids.prefix(2).map { ("ids", $0) })
            #expect(zip.status == .ok)
            #expect(zip.headers[.contentType] == "application/zip")
            #expect(zip.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            #expect(Array(zip.body.readableBytesView.prefix(2)) == Array("PK".utf8))
            let unsafe = try await browser.post(client, "/portal/invoices/download", [("ids", ids[0])], token: "forged")
            #expect(unsafe.status == .forbidden)

            // Refresh comes back to the same filtered list.
            let refreshed = try await browser.post(client, "/portal/invoices/refresh", [("status", "paid"), ("q", "")])
            #expect(refreshed.status == .seeOther)
            #expect(refreshed.headers[.location]?.hasPrefix("/portal/invoices?") == true)
            #expect(refreshed.headers[.location]?.contains("status=paid") == true)
        }
    }

    @Test(
        "an invoice's page shows its number, tax, lines and payments; another workspace's is not found",
        arguments: TestDatabase.kinds)
    func invoiceDetail(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now, gateway: .sandbox) { client in
            var browser = try await Browser.signedIn(client)
            let workspace = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let list = try await client.call(
                .get, "/api/v1/invoices?workspace_id=\(workspace)&status=paid&kind=invoice&limit=1")
            let paid = try #require((list.object["data"] as? [[String: Any]])?.first)
            let id = try #require(paid["id"] as? String)
            let page = try await browser.get(client, "/portal/invoices/\(id)")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(Self.text(of: "invoice-number", in: html) == paid["number"] as? String)
            #expect(Self.text(of: "status", in: html) == "Paid")
            for id in ["gst-breakdown", "line-items", "payments", "print", "download"] {
                #expect(html.contains("data-testid=\"\(id)\""), "\(id)")
            }
            #expect(html.contains("CGST") && html.contains("SGST"))
            #expect(html.contains(Self.money(paid["total"])))
            #expect(!html.contains("data-testid=\"pay-now\""))

            let open = try await client.call(
                .get, "/api/v1/invoices?workspace_id=\(workspace)&status=pending,overdue&kind=invoice&limit=1")
            let due = try #require((open.object["data"] as? [[String: Any]])?.first)
            let duePage = String(
                buffer: try await browser.get(client, "/portal/invoices/\(due["id"] as? String ?? "")").body)
            #expect(duePage.contains("data-testid=\"pay-now\""))

            let other = try await MemberAccessTests.workspaceID(client, named: "Dhanush Analytics")
            let theirs = try await client.call(.get, "/api/v1/invoices?workspace_id=\(other)&limit=1")
            let foreign = try #require((theirs.object["data"] as? [[String: Any]])?.first?["id"] as? String)
            let refused = try await browser.get(client, "/portal/invoices/\(foreign)")
            #expect(refused.status == .notFound)
            #expect(String(buffer: refused.body).contains("data-testid=\"not-found\""))
            #expect(try await browser.get(client, "/portal/invoices/inv_nothing").status == .notFound)
        }
    }

    @Test(
        "the wallet shows a prepaid balance and ledger and starts a top-up; a postpaid workspace has none",
        arguments: TestDatabase.kinds)
    func wallet(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now, gateway: .sandbox) { client in
            var owner = try await Browser.signedIn(client)
            let postpaid = String(buffer: try await owner.get(client, "/portal/wallet").body)
            #expect(postpaid.contains("data-testid=\"no-wallet\""))

            var meera = try await Browser.signedIn(client, "meera.iyer@mail.example")
            let page = try await meera.get(client, "/portal/wallet")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            let workspace = try await MemberAccessTests.workspaceID(client, named: "Meera Iyer")
            let wallet = try await client.call(.get, "/api/v1/workspaces/\(workspace)/wallet")
            #expect(Self.text(of: "wallet-balance", in: html)?.contains(Self.money(wallet.object["balance"])) == true)
            #expect(html.contains("data-testid=\"wallet-ledger\""))
            #expect(html.contains("data-testid=\"top-up\""))
            let bad = try await meera.post(client, "/portal/wallet/top_ups", [("amount", "five hundred")])
            #expect(bad.status == .unprocessableContent)
            #expect(String(buffer: bad.body).contains("data-testid=\"error\""))
            let topUp = try await meera.post(client, "/portal/wallet/top_ups", [("amount", "500.00")])
            #expect(topUp.status == .seeOther)
            #expect(topUp.headers[.location]?.hasPrefix("/portal/checkout/pay_") == true)
        }
    }

    @Test(
        "the billing profile shows KYC, refuses a wrong GSTIN with 422, and saves a right one",
        arguments: TestDatabase.kinds)
    func profile(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var browser = try await Browser.signedIn(client)
            let page = try await browser.get(client, "/portal/profile")
            let html = String(buffer: page.body)
            #expect(page.status == .ok)
            #expect(Self.text(of: "kyc-status", in: html) == "Verified")
            for field in ["legal_name", "line1", "line2", "city", "state_code", "pin", "gstin", "auto_pay"] {
                #expect(html.contains("name=\"\(field)\""), "\(field)")
            }
            #expect(html.contains("29AADCC7311R1Z6"))
            let fields = [
                ("legal_name", "Chai Labs Private Limited"), ("line1", "221, 100 Feet Road"), ("line2", "Indiranagar"),
                ("city", "Bengaluru"), ("state_code", "29"), ("pin", "560038"),
            ]
            let wrong = try await browser.post(client, "/portal/profile", fields + [("gstin", "29AADCC7311R1Z7")])
            #expect(wrong.status == .unprocessableContent)
            let message = try #require(Self.text(of: "error", in: String(buffer: wrong.body)))
            #expect(message.contains("check character"))

            let saved = try await browser.post(
                client, "/portal/profile",
                fields.map { $0.0 == "city" ? ("city", "Bangalore") : $0 } + [
                    ("gstin", "29AADCC7311R1Z6"), ("auto_pay", "on"),
                ])
            #expect(saved.status == .seeOther)
            let workspace = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let stored = try await client.call(.get, "/api/v1/workspaces/\(workspace)")
            #expect((stored.object["address"] as? [String: Any])?["city"] as? String == "Bangalore")
            #expect(stored.object["auto_pay"] as? Bool == true)
        }
    }

    @Test("a member without a billing role gets a page that says whom to ask", arguments: TestDatabase.kinds)
    func memberRole(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var browser = try await Browser.signedIn(client, "member@chailabs.example")
            for path in ["/portal", "/portal/invoices", "/portal/wallet", "/portal/profile"] {
                let page = try await browser.get(client, path)
                #expect(page.status == .forbidden, "\(path)")
                #expect(String(buffer: page.body).contains("data-testid=\"no-billing-access\""))
            }
        }
    }

    @Test("sign-out ends the session on the server", arguments: TestDatabase.kinds)
    func signOut(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var browser = try await Browser.signedIn(client)
            _ = try await browser.get(client, "/portal")
            let old = try #require(browser.cookies[Self.sessionCookie])
            let out = try await browser.post(client, "/portal/sign-out", [])
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/portal/sign-in")
            #expect(browser.cookies[Self.sessionCookie] == nil)
            browser.cookies[Self.sessionCookie] = old
            let again = try await browser.get(client, "/portal")
            #expect(again.status == .seeOther)
            #expect(again.headers[.location] == "/portal/sign-in")
        }
    }

    static func rowIDs(_ html: String) -> [String] {
        html.components(separatedBy: "data-testid=\"invoice-row\" data-id=\"").dropFirst().map {
            String($0.prefix { $0 != "\"" })
        }
    }

    static func href(_ testID: String, in html: String) -> String? {
        guard let mark = html.range(of: "data-testid=\"\(testID)\"") else { return nil }
        let before = html[..<mark.lowerBound]
        guard let start = before.range(of: "href=\"", options: .backwards) else { return nil }
        let value = html[start.upperBound...].prefix { $0 != "\"" }
        return String(value).replacingOccurrences(of: "&amp;", with: "&")
    }
}

extension PortalPageTests {
    @Test("the dashboard warns when the workspace is in its grace period", arguments: TestDatabase.kinds)
    func serviceBanner(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            var browser = try await Browser.signedIn(client)
            #expect(!String(buffer: try await browser.get(client, "/portal").body).contains("service-banner"))
            let workspace = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let patched = try await client.call(
                .patch, "/api/v1/workspaces/\(workspace)", json: #"{"service_state": "grace"}"#)
            #expect(patched.status == .ok)
            let html = String(buffer: try await browser.get(client, "/portal").body)
            #expect(Self.text(of: "service-banner", in: html)?.contains("grace period") == true)
        }
    }
}

extension PortalPageTests {
    @Test(
        "an export's page, print view and JSON carry the LUT endorsement with the ARN frozen at finalization",
        arguments: TestDatabase.kinds)
    func exportEndorsement(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let fjord = try await MemberAccessTests.workspaceID(client, named: "Fjord Data")
            let list = try await client.call(.get, "/api/v1/invoices?workspace_id=\(fjord)&kind=invoice&limit=1")
            let id = try #require((list.object["data"] as? [[String: Any]])?.first?["id"] as? String)
            let endorsement =
                "SUPPLY MEANT FOR EXPORT UNDER LETTER OF UNDERTAKING WITHOUT PAYMENT OF INTEGRATED TAX"
                + " (LUT ARN AD290326000123X)"
            let detail = try await client.call(.get, "/api/v1/invoices/\(id)")
            #expect(detail.object["endorsement"] as? String == endorsement)
            let supplier = try #require(detail.object["supplier"] as? [String: Any])
            #expect(supplier["letter_of_undertaking"] as? String == "AD290326000123X")
            #expect((detail.object["customer"] as? [String: Any])?["letter_of_undertaking"] == nil)

            // The supplier renews its LUT: issued invoices keep the ARN they were issued under.
            let renewed = try await client.call(
                .put, "/api/v1/supplier",
                json: """
                    {"name": "Nimbus Cloud", "legal_name": "Nimbus Cloud Platforms Private Limited",
                     "email": "billing@nimbus.example", "gstin": "29AAGCN4821K1Z5",
                     "address": {"line1": "4th Floor, Prestige Tech Park", "city": "Bengaluru", "state_code": "29",
                                 "pin": "560103", "country": "IN"},
                     "letter_of_undertaking": "AD290327000456Y"}
                    """)
            #expect(renewed.status == .ok)
            #expect(
                try await client.call(.get, "/api/v1/invoices/\(id)").object["endorsement"] as? String == endorsement)

            var browser = try await Browser.signedIn(client, "owner@fjorddata.example")
            for path in ["/portal/invoices/\(id)", "/portal/invoices/\(id)/print"] {
                let page = try await browser.get(client, path)
                #expect(page.status == .ok, "\(path)")
                #expect(String(buffer: page.body).contains(endorsement), "\(path)")
            }
        }
    }
}

extension PortalPageTests {
    @Test(
        "the history's choice of documents keeps to one kind, and the dashboard's totals count and link to invoices",
        arguments: TestDatabase.kinds)
    func documentKinds(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            // Meera Iyer's wallet is topped up, so her history holds receipts beside invoices.
            var browser = try await Browser.signedIn(client, "meera.iyer@mail.example")
            let dashboard = String(buffer: try await browser.get(client, "/portal").body)
            #expect(Self.href("total-paid", in: dashboard) == "/portal/invoices?status=paid&kind=invoice")
            let meera = try await MemberAccessTests.workspaceID(client, named: "Meera Iyer")
            let summary = try await client.call(.get, "/api/v1/invoices/summary?workspace_id=\(meera)")
            let rupees = try #require((summary.object["currencies"] as? [[String: Any]])?.first)
            let topUps = try #require(rupees["wallet_top_ups"] as? [String: Int])
            #expect((topUps["count"] ?? 0) > 0, "the demo tops Meera's wallet up")
            let paid = try #require(rupees["paid"] as? [String: Int])
            #expect(Self.text(of: "total-paid", in: dashboard)?.contains(Self.money(paid["amount"])) == true)
            #expect(Self.text(of: "total-paid", in: dashboard)?.contains("\(paid["count"] ?? -1) invoice") == true)

            for (choice, label) in [("receipt", "Receipt"), ("invoice", "Invoice")] {
                let html = String(buffer: try await browser.get(client, "/portal/invoices?kind=\(choice)").body)
                #expect(html.contains("<option value=\"\(choice)\" selected>"), "\(choice)")
                let labels = html.components(separatedBy: "</a><br><small class=\"muted\">").dropFirst().map {
                    String($0.prefix { $0 != "<" })
                }
                #expect(!labels.isEmpty && labels.allSatisfy { $0 == label }, "\(choice): \(labels)")
                #expect(Self.href("export-csv", in: html)?.contains("kind=\(choice)") == true, "\(choice)")
            }
            let refused = try await browser.get(client, "/portal/invoices?kind=bill")
            #expect(refused.status == .unprocessableContent || refused.status == .badRequest)
        }
    }
}
