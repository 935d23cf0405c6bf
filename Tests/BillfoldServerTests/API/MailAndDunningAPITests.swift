import BillfoldCore
import BillfoldEngine
import BillfoldMail
import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("The outbox, the dunning policy and a workspace's dunning settings over the API")
struct MailAndDunningAPITests {
    /// 21 November 2026, 13:30 in India. In the demo as of then, Chai Labs' November invoice (due 16 November) is five
    /// days overdue, so a dunning pass puts it in grace until 24 November; Dhanush Analytics owes half of an invoice due
    /// on 31 October, so it is suspended.
    static let now = InvoiceAPITests.now

    /// What a test gets besides the client: where the database is, and where the server's mail goes.
    struct Server: Sendable {
        let location: DatabaseLocation
        let mailDirectory: URL

        /// Reads the database the server runs on.
        func withStore<Result: Sendable>(_ body: (Store) async throws -> Result) async throws -> Result {
            try await Database.withOpen(self.location, logger: MailAndDunningAPITests.logger) { database in
                try await body(database.store)
            }
        }
    }

    static var logger: Logger {
        var logger = Logger(label: "billfold-test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` against a server over the demo as of `now`, with mail written under a temporary folder.
    ///
    /// `prepare` runs first on the database, with an engine on a clock standing at `now` and mail delivery to the same
    /// folder, as the server's background jobs would. With `testClock`, the server runs on a test clock starting at
    /// `now` and serves `/api/v1/test_clock`.
    static func withDemoServer(
        _ kind: DatabaseKind, now: Date = Self.now, testClock: Bool = false,
        prepare: (@Sendable (Engine, MailDelivery, ManualClock) async throws -> Void)? = nil,
        _ body: @escaping @Sendable (any ServerTestClient, Server) async throws -> Void
    ) async throws {
        let mailDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "billfold-test-mail-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: mailDirectory) }
        try await TestDatabase.withLocation(kind) { location in
            try await Database.withOpen(location, logger: Self.logger) { database in
                try await Migrations.run(on: database)
                _ = try await DemoData.seed(into: database, now: now)
                guard let prepare else { return }
                let clock = ManualClock(now)
                let engine = Engine(
                    database: database, clock: clock.billingClock(), gateway: nil,
                    mail: MailComposer(
                        templates: .bundled, address: PublicAddress("https://billing.test"),
                        messageIDDomain: "billing.test"),
                    logger: Self.logger)
                let delivery = MailDelivery(
                    database: database, documents: engine.documents,
                    transport: MailDirectoryTransport(directory: mailDirectory), sender: nil,
                    clock: clock.billingClock(), logger: Self.logger)
                try await prepare(engine, delivery, clock)
            }
            let configuration = ServerConfiguration(
                host: "127.0.0.1", port: 0, database: location, bootstrapAPIKey: testAPIKey, logLevel: .critical,
                clock: BillingClock { now }, signInPolicy: SignInPolicy(bcryptCost: 4),
                mail: MailSettings(route: .directory(mailDirectory)), testClock: testClock ? ManualClock(now) : nil)
            let app = try await buildApplication(configuration)
            let server = Server(location: location, mailDirectory: mailDirectory)
            try await app.withTestClient(.live) { client in try await body(client, server) }
        }
    }

    /// The demo workspace named `name`, as the API lists it.
    static func workspace(_ client: some ServerTestClient, named name: String) async throws -> [String: Any] {
        let list = try await client.call(.get, "/api/v1/workspaces?limit=100")
        let all = list.object["data"] as? [[String: Any]] ?? []
        return try #require(all.first { $0["name"] as? String == name }, "no workspace named \(name)")
    }

    static func data(_ response: ServerTestResponse) -> [[String: Any]] {
        response.object["data"] as? [[String: Any]] ?? []
    }

    static func ids(_ response: ServerTestResponse) -> [String] {
        Self.data(response).compactMap { $0["id"] as? String }
    }

    // MARK: - GET /messages

    /// A dunning pass on 21 November.
    static let dunnedOnce: @Sendable (Engine, MailDelivery, ManualClock) async throws -> Void = { engine, _, _ in
        _ = try await engine.dunning.run()
    }

    /// A dunning pass on 21 November, its mail delivered, and another on 23 November, the day before Chai Labs'
    /// suspension, whose final warning is left queued.
    static let dunnedTwice: @Sendable (Engine, MailDelivery, ManualClock) async throws -> Void = {
        engine, delivery, clock in
        _ = try await engine.dunning.run()
        _ = try await engine.eventMail.run()
        _ = try await delivery.deliverDue()
        clock.set(MailAndDunningAPITests.now.addingTimeInterval(2 * 86_400))
        _ = try await engine.dunning.run()
    }

    @Test(
        "messages: newest first without bodies, filtered by workspace, invoice, status and template, paged",
        arguments: TestDatabase.kinds)
    func messageList(kind: DatabaseKind) async throws {
        try await Self.withDemoServer(kind, prepare: Self.dunnedTwice) { client, _ in
            let chai = try #require(try await Self.workspace(client, named: "Chai Labs")["id"] as? String)
            let overdue = try await client.call(.get, "/api/v1/invoices?status=overdue&workspace_id=\(chai)")
            let invoice = try #require(Self.data(overdue).first?["id"] as? String)

            let all = try await client.call(.get, "/api/v1/messages?limit=100")
            #expect(all.status == .ok && all.object["object"] as? String == "list")
            #expect(all.object["has_more"] as? Bool == false)
            let messages = Self.data(all)
            #expect(messages.count >= 3, "\(messages)")
            let created = messages.compactMap { $0["created_at"] as? String }
            #expect(created.count == messages.count && created == created.sorted(by: >), "newest first")
            for message in messages {
                #expect(message["object"] as? String == "message")
                #expect(message["text"] == nil && message["html"] == nil, "the list leaves out the bodies")
                #expect((message["subject"] as? String)?.isEmpty == false)
            }
            let sent = messages.filter { $0["status"] as? String == "sent" }
            let queued = messages.filter { $0["status"] as? String == "queued" }
            #expect(!sent.isEmpty && !queued.isEmpty && sent.count + queued.count == messages.count)
            // Chai Labs was reminded on 21 November (delivered) and warned on the 23rd (still queued).
            let chaiMessages = messages.filter { $0["workspace_id"] as? String == chai }
            let templates = chaiMessages.map { "\($0["template"] as? String ?? "?") \($0["status"] as? String ?? "?")" }
            #expect(
                templates.contains("reminder_overdue sent") && templates.contains("final_warning queued"),
                "\(templates)")

            func ids(where keep: ([String: Any]) -> Bool) -> [String] {
                messages.filter(keep).compactMap { $0["id"] as? String }
            }
            let filters: [(String, [String])] = [
                ("workspace_id=\(chai)", ids { $0["workspace_id"] as? String == chai }),
                ("invoice_id=\(invoice)", ids { $0["invoice_id"] as? String == invoice }),
                ("status=sent", ids { $0["status"] as? String == "sent" }),
                ("status=queued", ids { $0["status"] as? String == "queued" }),
                ("status=failed", []),
                ("template=final_warning", ids { $0["template"] as? String == "final_warning" }),
                ("template=reminder_overdue&status=queued", []),
                (
                    "workspace_id=\(chai)&template=reminder_overdue",
                    ids { $0["workspace_id"] as? String == chai && $0["template"] as? String == "reminder_overdue" }
                ),
                ("template=wallet_low", []),
            ]
            for (query, expected) in filters {
                let response = try await client.call(.get, "/api/v1/messages?\(query)")
                #expect(response.status == .ok, "\(query)")
                #expect(Self.ids(response) == expected, "\(query)")
            }
            #expect(!filters[0].1.isEmpty && !filters[1].1.isEmpty && !filters[5].1.isEmpty)

            var paged: [String] = []
            var cursor: String?
            for _ in 0..<messages.count {
                let after = cursor.map { "&starting_after=\($0)" } ?? ""
                let page = try await client.call(.get, "/api/v1/messages?limit=2\(after)")
                #expect(page.status == .ok)
                paged += Self.ids(page)
                cursor = Self.ids(page).last
                if page.object["has_more"] as? Bool != true { break }
            }
            #expect(paged == ids { _ in true })
            let filteredPage = try await client.call(
                .get, "/api/v1/messages?status=sent&limit=1&starting_after=\(filters[2].1[0])")
            #expect(Self.ids(filteredPage) == Array(filters[2].1.dropFirst().prefix(1)))
        }
    }

    @Test("a message in full: bodies, recipient and delivery record", arguments: TestDatabase.kinds)
    func messageDetail(kind: DatabaseKind) async throws {
        try await Self.withDemoServer(kind, prepare: Self.dunnedTwice) { client, server in
            let chai = try await Self.workspace(client, named: "Chai Labs")
            let chaiID = try #require(chai["id"] as? String)
            let invoice = try #require(
                Self.data(try await client.call(.get, "/api/v1/invoices?status=overdue&workspace_id=\(chaiID)")).first)
            let number = try #require(invoice["number"] as? String)

            let warnings = try await client.call(
                .get, "/api/v1/messages?workspace_id=\(chaiID)&template=final_warning")
            // One message to each billing contact: the workspace's address and its owner and admin, not its member.
            let recipients = Self.data(warnings).compactMap { $0["recipient"] as? String }
            #expect(
                recipients.sorted() == [
                    "accounts@chailabs.example", "admin@chailabs.example", "owner@chailabs.example",
                ])
            let warningID = try #require(
                Self.data(warnings).first { $0["recipient"] as? String == chai["email"] as? String }?["id"] as? String)
            let warning = try await client.call(.get, "/api/v1/messages/\(warningID)")
            #expect(warning.status == .ok)
            let body = warning.object
            #expect(body["object"] as? String == "message" && body["id"] as? String == warningID)
            #expect(body["status"] as? String == "queued" && body["attempts"] as? Int == 0)
            #expect(body["recipient"] as? String == chai["email"] as? String)
            #expect(body["invoice_id"] as? String == invoice["id"] as? String)
            #expect(body["next_attempt_at"] as? String == "2026-11-23T08:00:00Z")
            #expect(body["sent_at"] == nil || body["sent_at"] is NSNull)
            #expect((body["message_id"] as? String)?.hasSuffix("@billing.test") == true)
            #expect((body["subject"] as? String)?.hasPrefix("Final notice:") == true, "\(body["subject"] ?? "")")
            let text = try #require(body["text"] as? String)
            let html = try #require(body["html"] as? String)
            #expect(text.contains(number) && html.contains(number))
            #expect(text.contains("24 Nov 2026"), "the suspension day: \(text)")
            #expect(html.contains("<") && !text.contains("<html"))

            let reminders = try await client.call(
                .get, "/api/v1/messages?workspace_id=\(chaiID)&template=reminder_overdue")
            let reminderID = try #require(Self.ids(reminders).first)
            let reminder = try await client.call(.get, "/api/v1/messages/\(reminderID)").object
            #expect(reminder["status"] as? String == "sent" && reminder["attempts"] as? Int == 1)
            #expect(reminder["sent_at"] as? String == "2026-11-21T08:00:00Z")
            #expect(reminder["next_attempt_at"] == nil || reminder["next_attempt_at"] is NSNull)
            #expect((reminder["text"] as? String)?.contains(number) == true)
            // Delivered as a file in the folder the delivery wrote to.
            let files = try FileManager.default.contentsOfDirectory(atPath: server.mailDirectory.path)
            #expect(!files.isEmpty)

            for missing in ["msg_00000000000000000000", "inv_1", "nonsense"] {
                let response = try await client.call(.get, "/api/v1/messages/\(missing)")
                #expect(response.status == .notFound, "\(missing)")
                #expect(response.error["code"] as? String == "resource_missing", "\(missing)")
            }
        }
    }

    @Test("a bad message filter is a 422 naming it; an unknown cursor a 404", arguments: TestDatabase.kinds)
    func messageBadFilters(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let refusals: [(String, String)] = [
                ("status=delivered", "status"),
                ("status=SENT", "status"),
                ("template=Invoice-Issued", "template"),
                ("template=invoice%20issued", "template"),
                ("template=\(String(repeating: "a", count: 65))", "template"),
                ("workspace_id=inv_123", "workspace_id"),
                ("invoice_id=ws_123", "invoice_id"),
                ("starting_after=inv_123", "starting_after"),
                ("limit=0", "limit"),
                ("limit=101", "limit"),
            ]
            for (query, param) in refusals {
                let response = try await client.call(.get, "/api/v1/messages?\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.error["param"] as? String == param, "\(query)")
            }
            let unknown = try await client.call(.get, "/api/v1/messages?starting_after=msg_00000000000000000000")
            #expect(unknown.status == .notFound && unknown.error["param"] as? String == "starting_after")
            let empty = try await client.call(.get, "/api/v1/messages?template=invoice_issued")
            #expect(empty.status == .ok && Self.ids(empty).isEmpty)
        }
    }

    @Test(
        "the outbox and the dunning policy are the operator's: no key is a 401, a member's session a 403",
        arguments: TestDatabase.kinds)
    func operatorOnly(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let token = try await MemberAccessTests.signIn(client, DemoData.portalEmail)
            let requests: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/v1/messages", nil),
                (.get, "/api/v1/messages/msg_00000000000000000000", nil),
                (.get, "/api/v1/dunning_policy", nil),
                (.put, "/api/v1/dunning_policy", #"{"reminder_offsets": [], "grace_days": 0, "minimum_overdue": 0}"#),
            ]
            for (method, path, json) in requests {
                let anonymous = try await client.call(method, path, json: json, key: nil)
                #expect(anonymous.status == .unauthorized, "\(method) \(path)")
                let member = try await client.call(method, path, json: json, key: token)
                #expect(member.status == .forbidden, "\(method) \(path)")
                #expect(member.error["code"] as? String == "operator_key_required", "\(method) \(path)")
            }
            let policy = try await client.call(.get, "/api/v1/dunning_policy").object
            #expect(policy["grace_days"] as? Int == 7, "the member's PUT changed nothing")
        }
    }

    // MARK: - /dunning_policy

    @Test(
        "the dunning policy: the standard one until a PUT replaces it, and the change audited",
        arguments: TestDatabase.kinds)
    func dunningPolicy(kind: DatabaseKind) async throws {
        try await Self.withDemoServer(kind) { client, server in
            let standard = try await client.call(.get, "/api/v1/dunning_policy")
            #expect(standard.status == .ok)
            let body = standard.object
            #expect(body["object"] as? String == "dunning_policy")
            #expect(body["reminder_offsets"] as? [Int] == [-3, 0, 3, 7])
            #expect(body["grace_days"] as? Int == 7 && body["minimum_overdue"] as? Int == 100)
            #expect(body["currency"] as? String == "INR")

            let put = try await client.call(
                .put, "/api/v1/dunning_policy",
                json: #"{"reminder_offsets": [10, -5, 0], "grace_days": 14, "minimum_overdue": 0}"#)
            #expect(put.status == .ok, "\(String(buffer: put.body))")
            #expect(put.object["reminder_offsets"] as? [Int] == [-5, 0, 10], "sorted")
            #expect(put.object["grace_days"] as? Int == 14 && put.object["minimum_overdue"] as? Int == 0)
            let read = try await client.call(.get, "/api/v1/dunning_policy").object
            #expect(read["reminder_offsets"] as? [Int] == [-5, 0, 10])
            #expect(read["grace_days"] as? Int == 14 && read["minimum_overdue"] as? Int == 0)
            let none = try await client.call(
                .put, "/api/v1/dunning_policy",
                json: #"{"reminder_offsets": [], "grace_days": 90, "minimum_overdue": 500000}"#)
            #expect(none.status == .ok && none.object["reminder_offsets"] as? [Int] == [])

            let entries = try await server.withStore { try await $0.auditLog.entries(about: "dunning_policy") }
            #expect(entries.map(\.action) == ["dunning_policy.updated", "dunning_policy.updated"])
            let first = try #require(entries.first)
            #expect(!first.actor.isEmpty && first.workspaceID == nil && first.occurredAt == Self.now)
            #expect(first.details["from"] == "reminders -3,0,3,7; grace 7 days; minimum 100")
            #expect(first.details["to"] == "reminders -5,0,10; grace 14 days; minimum 0")
        }
    }

    @Test(
        "a dunning policy with a field missing or wrong is a 422 naming it, and changes nothing",
        arguments: TestDatabase.kinds)
    func dunningPolicyRefusals(kind: DatabaseKind) async throws {
        try await withTestServer(kind) { client in
            let eleven = (1...11).map(String.init).joined(separator: ", ")
            let refusals: [(String, String)] = [
                (#"{"grace_days": 7, "minimum_overdue": 100}"#, "reminder_offsets"),
                (#"{"reminder_offsets": [0], "minimum_overdue": 100}"#, "grace_days"),
                (#"{"reminder_offsets": [0], "grace_days": 7}"#, "minimum_overdue"),
                (#"{"reminder_offsets": [-31], "grace_days": 7, "minimum_overdue": 100}"#, "reminder_offsets"),
                (#"{"reminder_offsets": [0, 91], "grace_days": 7, "minimum_overdue": 100}"#, "reminder_offsets"),
                (#"{"reminder_offsets": [3, 0, 3], "grace_days": 7, "minimum_overdue": 100}"#, "reminder_offsets"),
                (#"{"reminder_offsets": [\#(eleven)], "grace_days": 7, "minimum_overdue": 100}"#, "reminder_offsets"),
                (#"{"reminder_offsets": [0], "grace_days": -1, "minimum_overdue": 100}"#, "grace_days"),
                (#"{"reminder_offsets": [0], "grace_days": 91, "minimum_overdue": 100}"#, "grace_days"),
                (#"{"reminder_offsets": [0], "grace_days": 7, "minimum_overdue": -1}"#, "minimum_overdue"),
            ]
            for (json, param) in refusals {
                let response = try await client.call(.put, "/api/v1/dunning_policy", json: json)
                #expect(response.status == .unprocessableContent, "\(json)")
                #expect(response.error["param"] as? String == param, "\(json): \(String(buffer: response.body))")
            }
            let ten = (1...10).map(String.init).joined(separator: ", ")
            let most = try await client.call(
                .put, "/api/v1/dunning_policy",
                json: #"{"reminder_offsets": [\#(ten)], "grace_days": 0, "minimum_overdue": 0}"#)
            #expect(most.status == .ok && (most.object["reminder_offsets"] as? [Int])?.count == 10)
            let edges = try await client.call(
                .put, "/api/v1/dunning_policy",
                json: #"{"reminder_offsets": [90, -30], "grace_days": 90, "minimum_overdue": 0}"#)
            #expect(edges.status == .ok && edges.object["reminder_offsets"] as? [Int] == [-30, 90])
            let read = try await client.call(.get, "/api/v1/dunning_policy").object
            #expect(read["reminder_offsets"] as? [Int] == [-30, 90] && read["grace_days"] as? Int == 90)
        }
    }

    // MARK: - PATCH /workspaces/{id}

    @Test(
        "billing_emails and wallet_low_balance round-trip; bad ones are 422s naming them", arguments: TestDatabase.kinds
    )
    func contactsAndWalletThreshold(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let id = try #require(try await Self.workspace(client, named: "Meera Iyer")["id"] as? String)
            let path = "/api/v1/workspaces/\(id)"
            let emails = try await client.call(
                .patch, path, json: #"{"billing_emails": ["ap@meera.example", "ca.office@mail.example"]}"#)
            #expect(emails.status == .ok, "\(String(buffer: emails.body))")
            #expect(emails.object["billing_emails"] as? [String] == ["ap@meera.example", "ca.office@mail.example"])
            let read = try await client.call(.get, path).object
            #expect(read["billing_emails"] as? [String] == ["ap@meera.example", "ca.office@mail.example"])

            let eleven = (1...11).map { #""contact\#($0)@meera.example""# }.joined(separator: ", ")
            let refusals: [(String, String)] = [
                (#"{"billing_emails": ["ap@meera.example", "not an address"]}"#, "billing_emails[1]"),
                (#"{"billing_emails": [""]}"#, "billing_emails[0]"),
                (#"{"billing_emails": [\#(eleven)]}"#, "billing_emails"),
                (#"{"wallet_low_balance": 0}"#, "wallet_low_balance"),
                (#"{"wallet_low_balance": -100}"#, "wallet_low_balance"),
                (#"{"wallet_low_balance": 10000000001}"#, "wallet_low_balance"),
            ]
            for (json, param) in refusals {
                let response = try await client.call(.patch, path, json: json)
                #expect(response.status == .unprocessableContent, "\(json)")
                #expect(response.error["param"] as? String == param, "\(json): \(String(buffer: response.body))")
            }
            #expect(
                try await client.call(.get, path).object["billing_emails"] as? [String] == [
                    "ap@meera.example", "ca.office@mail.example",
                ], "a refused PATCH changes nothing")

            let threshold = try await client.call(.patch, path, json: #"{"wallet_low_balance": 250000}"#)
            #expect(threshold.status == .ok && threshold.object["wallet_low_balance"] as? Int == 250_000)
            #expect(try await client.call(.get, path).object["wallet_low_balance"] as? Int == 250_000)
            let untouched = try await client.call(.patch, path, json: #"{"name": "Meera Iyer"}"#)
            #expect(untouched.object["wallet_low_balance"] as? Int == 250_000, "an absent field is left as it is")
            let cleared = try await client.call(.patch, path, json: #"{"wallet_low_balance": null}"#)
            #expect(cleared.status == .ok && cleared.object["wallet_low_balance"] as? Int == nil)
            #expect(try await client.call(.get, path).object["wallet_low_balance"] as? Int == nil)
            let none = try await client.call(.patch, path, json: #"{"billing_emails": []}"#)
            #expect(none.status == .ok && none.object["billing_emails"] as? [String] == [])
        }
    }

    @Test(
        "a workspace's dunning: standard, excluded or its own policy; a bad setting is a 422 naming the field",
        arguments: TestDatabase.kinds)
    func workspaceDunning(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let id = try #require(try await Self.workspace(client, named: "Kaveri Robotics")["id"] as? String)
            let path = "/api/v1/workspaces/\(id)"
            #expect(try await client.call(.get, path).object["dunning"] as? [String: String] == ["mode": "standard"])

            let excluded = try await client.call(.patch, path, json: #"{"dunning": {"mode": "excluded"}}"#)
            #expect(excluded.status == .ok && excluded.object["dunning"] as? [String: String] == ["mode": "excluded"])
            #expect(try await client.call(.get, path).object["dunning"] as? [String: String] == ["mode": "excluded"])

            let custom = try await client.call(
                .patch, path,
                json:
                    #"{"dunning": {"mode": "custom", "reminder_offsets": [14, -7], "grace_days": 21, "minimum_overdue": 100000}}"#
            )
            #expect(custom.status == .ok, "\(String(buffer: custom.body))")
            let read = try #require(try await client.call(.get, path).object["dunning"] as? [String: Any])
            #expect(read["mode"] as? String == "custom" && read["reminder_offsets"] as? [Int] == [-7, 14])
            #expect(read["grace_days"] as? Int == 21 && read["minimum_overdue"] as? Int == 100_000)
            #expect(custom.object["dunning"] as? NSDictionary == read as NSDictionary)

            let refusals: [(String, String)] = [
                (#"{"dunning": {"mode": "custom"}}"#, "dunning.reminder_offsets"),
                (#"{"dunning": {"mode": "custom", "reminder_offsets": [0]}}"#, "dunning.grace_days"),
                (
                    #"{"dunning": {"mode": "custom", "reminder_offsets": [0], "grace_days": 3}}"#,
                    "dunning.minimum_overdue"
                ),
                (
                    #"{"dunning": {"mode": "custom", "reminder_offsets": [1, 1], "grace_days": 3, "minimum_overdue": 0}}"#,
                    "dunning.reminder_offsets"
                ),
                (
                    #"{"dunning": {"mode": "custom", "reminder_offsets": [], "grace_days": 91, "minimum_overdue": 0}}"#,
                    "dunning.grace_days"
                ),
                (
                    #"{"dunning": {"mode": "custom", "reminder_offsets": [], "grace_days": 0, "minimum_overdue": -5}}"#,
                    "dunning.minimum_overdue"
                ),
                (#"{"dunning": {"mode": "standard", "grace_days": 3}}"#, "dunning.mode"),
                (#"{"dunning": {"mode": "excluded", "reminder_offsets": [0]}}"#, "dunning.mode"),
                (#"{"dunning": {"mode": "lenient"}}"#, "dunning.mode"),
                (#"{"dunning": {}}"#, "dunning.mode"),
            ]
            for (json, param) in refusals {
                let response = try await client.call(.patch, path, json: json)
                #expect(response.status == .unprocessableContent, "\(json)")
                #expect(response.error["param"] as? String == param, "\(json): \(String(buffer: response.body))")
            }
            #expect(
                (try await client.call(.get, path).object["dunning"] as? [String: Any])?["mode"] as? String == "custom",
                "a refused PATCH changes nothing")
            let standard = try await client.call(.patch, path, json: #"{"dunning": {"mode": "standard"}}"#)
            #expect(standard.object["dunning"] as? [String: String] == ["mode": "standard"])
        }
    }

    @Test(
        "a workspace in grace for an overdue invoice shows when it will be suspended; one suspended or active does not",
        arguments: TestDatabase.kinds)
    func suspendsAt(kind: DatabaseKind) async throws {
        try await Self.withDemoServer(kind, prepare: Self.dunnedOnce) { client, _ in
            let chai = try await Self.workspace(client, named: "Chai Labs")
            let id = try #require(chai["id"] as? String)
            let overdue = try await client.call(.get, "/api/v1/invoices?status=overdue&workspace_id=\(id)")
            #expect(Self.data(overdue).map { $0["due_date"] as? String } == ["2026-11-16"])
            let read = try await client.call(.get, "/api/v1/workspaces/\(id)").object
            #expect(read["service_state"] as? String == "grace")
            #expect(read["service_state_since"] as? String == "2026-11-21T08:00:00Z")
            // Due 16 November, seven grace days: suspended from the start of 24 November in India.
            #expect(read["suspends_at"] as? String == "2026-11-23T18:30:00Z")
            #expect(chai["suspends_at"] as? String == "2026-11-23T18:30:00Z", "the list shows it too")

            let dhanush = try await Self.workspace(client, named: "Dhanush Analytics")
            #expect(dhanush["service_state"] as? String == "suspended")
            #expect(dhanush["suspends_at"] == nil || dhanush["suspends_at"] is NSNull)
            let kaveri = try await Self.workspace(client, named: "Kaveri Robotics")
            #expect(kaveri["service_state"] as? String == "active")
            #expect(kaveri["suspends_at"] == nil || kaveri["suspends_at"] is NSNull)
            #expect(kaveri["service_state_since"] as? String != nil)
        }
    }

    @Test(
        "an operator's change of service state is in the event log; grace set by hand has no suspension date",
        arguments: TestDatabase.kinds)
    func serviceStateByHand(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: Self.now) { client in
            let kaveri = try await Self.workspace(client, named: "Kaveri Robotics")
            let id = try #require(kaveri["id"] as? String)
            let since = try #require(kaveri["service_state_since"] as? String)
            #expect(since < "2026-11-21T08:00:00Z", "active since the demo made it")
            let path = "/api/v1/workspaces/\(id)"
            let grace = try await client.call(.patch, path, json: #"{"service_state": "grace"}"#)
            #expect(grace.status == .ok && grace.object["service_state"] as? String == "grace")
            #expect(grace.object["service_state_since"] as? String == "2026-11-21T08:00:00Z")
            #expect(grace.object["suspends_at"] == nil, "nothing is overdue, so nothing sets a date")
            let suspended = try await client.call(.patch, path, json: #"{"service_state": "suspended"}"#)
            #expect(suspended.object["service_state"] as? String == "suspended")
            let same = try await client.call(.patch, path, json: #"{"service_state": "suspended"}"#)
            #expect(same.status == .ok)
            let bad = try await client.call(.patch, path, json: #"{"service_state": "paused"}"#)
            #expect(bad.status == .unprocessableContent && bad.error["param"] as? String == "service_state")

            let events = try await client.call(
                .get, "/api/v1/events?type=workspace.service_state_changed&workspace_id=\(id)")
            #expect(events.status == .ok)
            let changes = Self.data(events).compactMap { $0["data"] as? [String: Any] }
            #expect(changes.map { "\($0["from"] ?? "?")→\($0["to"] ?? "?")" } == ["active→grace", "grace→suspended"])
            #expect(changes.allSatisfy { $0["set_by"] as? String == "operator" })
            #expect(Self.data(events).allSatisfy { $0["created_at"] as? String == "2026-11-21T08:00:00Z" })
        }
    }
}
