import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import BillfoldServer

@Suite("Where a portal link may send a browser")
struct PortalPathTests {
    @Test(
        "a path that stays under /portal/ is kept, its dot segments and escapes resolved",
        arguments: [
            ("/portal/invoices/inv_01jd8x2k/print", "/portal/invoices/inv_01jd8x2k/print"),
            ("/portal/", "/portal/"),
            ("/portal/invoices/", "/portal/invoices/"),
            ("/portal/./invoices", "/portal/invoices"),
            ("/portal/invoices/.", "/portal/invoices/"),
            ("/portal/invoices/../wallet", "/portal/wallet"),
            ("/portal/invoices/%2e%2e/wallet", "/portal/wallet"),
            ("/portal%2Finvoices", "/portal/invoices"),
            ("/portal/invoices/../../portal/profile", "/portal/profile"),
            ("/portal/invoices/inv_1/...", "/portal/invoices/inv_1/..."),
        ])
    func kept(_ next: String, _ expected: String) {
        #expect(PortalPath.normalized(next) == expected)
    }

    @Test(
        "a path that leads out of /portal/, or could be read as another server, is refused",
        arguments: [
            // Dot segments, plain and escaped once, twice and three times.
            "/portal/../../evil", "/portal/../evil", "/portal/..", "/portal/invoices/../../evil",
            "/portal/%2e%2e/%2e%2e/evil", "/portal/%2E%2E/evil", "/portal/.%2e/evil", "/portal/%252e%252e/evil",
            "/portal/%25252e%25252e/%25252e%25252e/evil", "/portal/..%2f..%2fevil", "/portal/..%2F..%2Fevil",
            // Backslashes, which browsers read as slashes.
            "/portal/..%5c..%5cevil", "/portal\\..\\..\\evil", "/portal/\\\\evil.example", "/\\evil.example/portal/",
            // Another server: scheme-relative, absolute, user-info.
            "//evil.example/portal/", "/portal//evil.example", "https://evil.example/portal/", "http:/portal/x",
            "/%2fevil.example/portal/", "/portal/@evil.example",
            // Not a path, or not under /portal/.
            "", "portal/invoices", "/portal", "/portalevil/x", "/", "/api/v1/invoices",
            // Control characters, header injection, queries, fragments, parameters.
            "/portal/%00", "/portal/inv\r\nSet-Cookie: x=1", "/portal/\t../../evil", "/portal/invoices?status=paid",
            "/portal/x#fragment", "/portal/..;/evil", "/portal/a b",
            // Bytes that are not UTF-8, look-alike dots, stray escapes.
            "/portal/%c0%ae%c0%ae/evil", "/portal/\u{FF0E}\u{FF0E}/evil", "/portal/%zz", "/portal/100%",
            // Too long.
            "/portal/" + String(repeating: "a", count: 200),
        ])
    func refused(_ next: String) {
        #expect(PortalPath.normalized(next) == nil)
    }

    @Test(
        "portal/enter redirects to the normalised path, and refuses one outside /portal/ before using the token",
        arguments: TestDatabase.kinds)
    func enter(kind: DatabaseKind) async throws {
        try await withTestServer(kind, demo: true, now: InvoiceAPITests.now) { client in
            let chai = try await MemberAccessTests.workspaceID(client, named: "Chai Labs")
            let link = try await client.call(
                .post, "/api/v1/workspaces/\(chai)/portal_sessions", json: #"{"email": "admin@chailabs.example"}"#)
            let token = try #require(link.object["token"] as? String)

            for next in ["/portal/../../evil", "/portal/%252e%252e/%252e%252e/evil", "//evil.example/portal/"] {
                let refused = try await client.call(.get, "/portal/enter?token=\(token)&next=\(next)", key: nil)
                #expect(refused.status == .unprocessableContent, "\(next)")
                #expect(refused.error["param"] as? String == "next", "\(next)")
                #expect(refused.headers[.location] == nil)
                #expect(refused.headers[.setCookie] == nil)
            }

            let entered = try await client.call(
                .get, "/portal/enter?token=\(token)&next=/portal/invoices/%252e%252e/wallet", key: nil)
            #expect(entered.status == .seeOther, "the refusals did not spend the one-time token")
            #expect(entered.headers[.location] == "/portal/wallet")
            #expect(entered.headers[.setCookie]?.hasPrefix("billfold_session=") == true)
        }
    }
}
