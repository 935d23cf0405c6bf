import ArgumentParser
import BillfoldCore
import Foundation

/// The list calls the benchmark times for one workspace, and the checks that they answer what they should.
final class ListRequests {
    typealias Row = [String: Any]

    /// One filtered, searched or paged list call.
    struct Variant {
        let name: String
        /// Path and query, ready to send.
        let path: String
    }

    let client: KeepAliveHTTPClient
    let headers: [String: String]
    let workspace: WorkspaceID
    /// The workspace's newest invoices, up to 100, as the unfiltered list answers them.
    private(set) var listing: [Row] = []
    private let clock = ContinuousClock()

    init(client: KeepAliveHTTPClient, apiKey: String, workspace: WorkspaceID) {
        self.client = client
        self.headers = ["Authorization": "Bearer \(apiKey)"]
        self.workspace = workspace
    }

    /// `GET path` in milliseconds; anything but a 200 is an error, so no figure hides a failure.
    func timedGet(_ path: String) throws -> Double {
        let start = self.clock.now
        let response = try self.client.get(path, headers: self.headers)
        let elapsed = self.clock.now - start
        guard response.status == 200 else {
            throw ValidationError("GET \(path) answered \(response.status): \(Self.excerpt(response.body))")
        }
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// The variants to time, each sent once and checked: a 200, at least one row, every row of the workspace and
    /// kept by the filter, and, when the workspace's whole history fits one page of 100, exactly the rows and order
    /// that filtering that history gives.
    func variants(expectedCount: Int, today: CalendarDate) throws -> [Variant] {
        let (listing, hasMore) = try self.list([("limit", "100")])
        guard listing.count == min(100, expectedCount), hasMore == (expectedCount > 100) else {
            throw ValidationError(
                "the list of \(self.workspace) has \(listing.count) rows (has_more \(hasMore)); "
                    + "the seed gave it \(expectedCount)")
        }
        let keys = listing.map { (Self.text($0, "issue_date") ?? "", Self.text($0, "id") ?? "") }
        guard zip(keys, keys.dropFirst()).allSatisfy({ $0 > $1 }) else {
            throw ValidationError("the list of \(self.workspace) is not newest first")
        }
        self.listing = listing
        let isComplete = expectedCount <= 100

        func status(_ statuses: Set<String>) -> (Row) -> Bool {
            { statuses.contains(Self.text($0, "status") ?? "") }
        }
        func search(_ text: String) -> (Row) -> Bool {
            {
                "\(Self.text($0, "number") ?? "") \(Self.text($0, "description") ?? "")".lowercased()
                    .contains(text.lowercased())
            }
        }
        let from = today.adding(days: -365).description
        let to = today.adding(days: -183).description
        let issuedBetween: (Row) -> Bool = { (from...to).contains(Self.text($0, "issue_date") ?? "") }
        let any: (Row) -> Bool = { _ in true }
        // A number's first 14 characters, INV/26-27/0825: a search as a person types it.
        let numberPrefix = String((Self.text(listing[0], "number") ?? "").prefix(14))
        let firstPage = try self.list([])
        let firstPaidPage = try self.list([("status", "paid")])
        guard let cursor = firstPage.rows.last.flatMap({ Self.text($0, "id") }),
            let paidCursor = firstPaidPage.rows.last.flatMap({ Self.text($0, "id") })
        else { throw ValidationError("\(self.workspace) has no invoices to page through") }

        // Each with its parameters, the rows of the same filter before its page, and what its filter keeps.
        let candidates: [(String, [(String, String)], Int, (Row) -> Bool)] = [
            ("status=paid", [("status", "paid")], 0, status(["paid"])),
            ("status=paid limit=100", [("status", "paid"), ("limit", "100")], 0, status(["paid"])),
            ("status=overdue,pending", [("status", "overdue,pending")], 0, status(["overdue", "pending"])),
            (
                "status=overdue,pending limit=100", [("status", "overdue,pending"), ("limit", "100")], 0,
                status(["overdue", "pending"])
            ),
            ("q=growth", [("q", "growth")], 0, search("growth")),
            ("q=growth limit=100", [("q", "growth"), ("limit", "100")], 0, search("growth")),
            ("q=\(numberPrefix)", [("q", numberPrefix)], 0, search(numberPrefix)),
            ("from=\(from) to=\(to)", [("from", from), ("to", to)], 0, issuedBetween),
            ("from=\(from) to=\(to) limit=100", [("from", from), ("to", to), ("limit", "100")], 0, issuedBetween),
            ("page 2 (starting_after)", [("starting_after", cursor)], 25, any),
            ("status=paid page 2", [("status", "paid"), ("starting_after", paidCursor)], 25, status(["paid"])),
        ]
        var variants: [Variant] = []
        for (name, parameters, offset, admits) in candidates {
            let limit = parameters.first { $0.0 == "limit" }.flatMap { Int($0.1) } ?? 25
            let (rows, _) = try self.list(parameters)
            guard !rows.isEmpty else { throw ValidationError("\(name) kept no rows of \(self.workspace)") }
            guard rows.count <= limit,
                rows.allSatisfy({ Self.text($0, "workspace_id") == self.workspace.rawValue && admits($0) })
            else { throw ValidationError("\(name) answered rows its filter should not keep") }
            if isComplete {
                let expected = listing.filter(admits).dropFirst(offset).prefix(limit).map { Self.text($0, "id") }
                guard rows.map({ Self.text($0, "id") }) == Array(expected) else {
                    throw ValidationError("\(name) did not answer the rows the filter keeps, in order")
                }
            }
            variants.append(Variant(name: name, path: self.path(parameters)))
        }
        return variants
    }

    /// Fetches documents in full, the first three of the listing and the first of each status in it, and checks
    /// that each matches its list row and adds up: lines to the subtotal, tax rows to the tax, payments to what
    /// was paid. Returns how many it checked.
    func checkDocuments() throws -> Int {
        var picked = Array(self.listing.prefix(3))
        for status in ["paid", "overdue", "pending", "cancelled"] {
            if let row = self.listing.first(where: { Self.text($0, "status") == status }) { picked.append(row) }
        }
        for row in picked {
            let id = Self.text(row, "id") ?? ""
            let response = try self.client.get("/api/v1/invoices/\(id)", headers: self.headers)
            guard response.status == 200,
                let document = try JSONSerialization.jsonObject(with: response.body) as? Row
            else {
                throw ValidationError(
                    "GET /api/v1/invoices/\(id) answered \(response.status): "
                        + Self.excerpt(response.body))
            }
            for key in ["number", "status", "issue_date", "due_date", "description"] {
                guard Self.text(document, key) == Self.text(row, key) else {
                    throw ValidationError("\(id): \(key) differs between the document and its list row")
                }
            }
            for key in ["subtotal", "total", "amount_paid", "amount_due"] {
                guard Self.integer(document[key]) == Self.integer(row[key]) else {
                    throw ValidationError("\(id): \(key) differs between the document and its list row")
                }
            }
            let lines = (document["lines"] as? [Row] ?? []).compactMap { Self.integer($0["amount"]) }
            let taxes = (document["tax_breakdown"] as? [Row] ?? []).compactMap { Self.integer($0["amount"]) }
            let payments = (document["payments"] as? [Row] ?? []).compactMap { Self.integer($0["amount"]) }
            let tax = Self.integer((row["tax"] as? Row)?["total"])
            guard !lines.isEmpty, lines.reduce(0, +) == Self.integer(row["subtotal"]), taxes.reduce(0, +) == tax,
                payments.reduce(0, +) == Self.integer(row["amount_paid"])
            else { throw ValidationError("\(id): its lines, tax rows or payments do not add up to its list row") }
        }
        return picked.count
    }

    func path(_ parameters: [(String, String)]) -> String {
        var components = URLComponents()
        components.path = "/api/v1/invoices"
        components.queryItems =
            [URLQueryItem(name: "workspace_id", value: self.workspace.rawValue)]
            + parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.string ?? components.path
    }

    /// The rows and `has_more` of a list call with `parameters`, which must answer 200.
    func list(_ parameters: [(String, String)]) throws -> (rows: [Row], hasMore: Bool) {
        let path = self.path(parameters)
        let response = try self.client.get(path, headers: self.headers)
        guard response.status == 200, let object = try JSONSerialization.jsonObject(with: response.body) as? Row,
            let rows = object["data"] as? [Row], let hasMore = object["has_more"] as? Bool
        else { throw ValidationError("GET \(path) answered \(response.status): \(Self.excerpt(response.body))") }
        return (rows, hasMore)
    }

    static func text(_ row: Row, _ key: String) -> String? { row[key] as? String }

    static func integer(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }

    static func excerpt(_ body: Data) -> String { String(decoding: body.prefix(300), as: UTF8.self) }
}
