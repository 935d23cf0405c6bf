import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route a member session reaches, tried by the owner of one workspace against another's ids.
///
/// When a route that shows a workspace's documents or money is added (PDF, payments, statements), it belongs in
/// `routes` below.
@Suite("Tenant isolation: a workspace never reaches another's billing")
struct TenantIsolationTests {
    /// One route a member may call, with the ids of the workspace it is aimed at filled in.
    struct Route: CustomStringConvertible, Sendable {
        let name: String
        let path: @Sendable (Tenant) -> String

        var description: String { self.name }
    }

    /// A workspace's ids, as the routes need them.
    struct Tenant: Sendable {
        let workspace: String
        let invoice: String
        let receiptOrCreditNote: String?
    }

    static let routes: [Route] = [
        Route(name: "workspace") { "/api/v1/workspaces/\($0.workspace)" },
        Route(name: "dashboard") { "/api/v1/workspaces/\($0.workspace)/dashboard" },
        Route(name: "upcoming invoice") { "/api/v1/workspaces/\($0.workspace)/upcoming_invoice" },
        Route(name: "wallet") { "/api/v1/workspaces/\($0.workspace)/wallet" },
        Route(name: "invoice detail") { "/api/v1/invoices/\($0.invoice)" },
        Route(name: "invoice PDF") { "/api/v1/invoices/\($0.invoice)/pdf" },
        Route(name: "print view") { "/portal/invoices/\($0.invoice)/print" },
        Route(name: "statement") { "/api/v1/workspaces/\($0.workspace)/statement.pdf" },
        Route(name: "invoice list filtered") { "/api/v1/invoices?workspace_id=\($0.workspace)" },
        Route(name: "invoice list cursor") { "/api/v1/invoices?starting_after=\($0.invoice)" },
        Route(name: "summary") { "/api/v1/invoices/summary?workspace_id=\($0.workspace)" },
        Route(name: "CSV export") { "/api/v1/invoices/export.csv?workspace_id=\($0.workspace)" },
    ]

    static func tenant(_ client: some ServerTestClient, named name: String) async throws -> Tenant {
        let workspace = try await MemberAccessTests.workspaceID(client, named: name)
        let list = try await client.call(.get, "/api/v1/invoices?workspace_id=\(workspace)&limit=100")
        let items = try #require(list.object["data"] as? [[String: Any]])
        let invoice = try #require(
            items.first { $0["kind"] as? String == "invoice" && $0["number"] != nil }?["id"] as? String)
        let other = items.first { $0["kind"] as? String != "invoice" }?["id"] as? String
        return Tenant(workspace: workspace, invoice: invoice, receiptOrCreditNote: other)
    }

    @Test("the access matrix: own workspace 200, another workspace 404", arguments: TestDatabase.kinds)
    func matrix(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            // Chai Labs has a credit note; Meera Iyer, prepaid, has wallet receipts.
            let chai = try await Self.tenant(client, named: "Chai Labs")
            let meera = try await Self.tenant(client, named: "Meera Iyer")
            let sessions = [
                (chai, try await MemberAccessTests.signIn(client, DemoData.portalEmail)),
                (meera, try await MemberAccessTests.signIn(client, "meera.iyer@mail.example")),
            ]
            for (own, token) in sessions {
                let other = own.workspace == chai.workspace ? meera : chai
                for route in Self.routes {
                    let allowed = try await client.call(.get, route.path(own), key: token)
                    #expect(allowed.status == .ok, "\(route) on its own workspace")
                    let refused = try await client.call(.get, route.path(other), key: token)
                    #expect(refused.status == .notFound, "\(route) on another workspace: \(refused.status)")
                    #expect(!String(buffer: refused.body).contains("INV/"), "\(route) shows a document number")
                }
                for document in [other.invoice, other.receiptOrCreditNote].compactMap({ $0 }) {
                    let refused = try await client.call(.get, "/api/v1/invoices/\(document)", key: token)
                    #expect(refused.status == .notFound, "\(document)")
                    let zip = try await client.call(
                        .post, "/api/v1/invoices/download", json: #"{"ids": ["\#(own.invoice)", "\#(document)"]}"#,
                        key: token)
                    #expect(zip.status == .notFound, "ZIP with \(document)")
                    #expect(zip.error["param"] as? String == "ids[1]")
                }
                let ownZIP = try await client.call(
                    .post, "/api/v1/invoices/download", json: #"{"ids": ["\#(own.invoice)"]}"#, key: token)
                #expect(ownZIP.status == .ok)
            }
        }
    }

    @Test(
        "a member's list, summary and CSV hold their workspace's documents and no others",
        arguments: TestDatabase.kinds)
    func unfilteredViews(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let chai = try await Self.tenant(client, named: "Chai Labs")
            let token = try await MemberAccessTests.signIn(client, DemoData.portalEmail)
            let filter = "workspace_id=\(chai.workspace)"

            let asMember = try await client.call(.get, "/api/v1/invoices?limit=100", key: token)
            let asOperator = try await client.call(.get, "/api/v1/invoices?limit=100&\(filter)")
            let memberIDs = (asMember.object["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            let operatorIDs = (asOperator.object["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(!memberIDs.isEmpty)
            #expect(memberIDs == operatorIDs)

            let memberSummary = try await client.call(.get, "/api/v1/invoices/summary", key: token)
            let operatorSummary = try await client.call(.get, "/api/v1/invoices/summary?\(filter)")
            #expect(memberSummary.status == .ok)
            #expect(String(buffer: memberSummary.body) == String(buffer: operatorSummary.body))

            let memberCSV = try await client.call(.get, "/api/v1/invoices/export.csv", key: token)
            let operatorCSV = try await client.call(.get, "/api/v1/invoices/export.csv?\(filter)")
            let everyCSV = try await client.call(.get, "/api/v1/invoices/export.csv")
            #expect(String(buffer: memberCSV.body) == String(buffer: operatorCSV.body))
            #expect(String(buffer: memberCSV.body).count < String(buffer: everyCSV.body).count)
        }
    }
}
