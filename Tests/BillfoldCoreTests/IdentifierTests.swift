import BillfoldCore
import Foundation
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("a new id has its prefix and 20 base-32 characters, validates, and is unique")
    func shape() {
        let ids = (0..<10_000).map { _ in InvoiceID.generate().rawValue }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("inv_") && $0.count == 24 && InvoiceID(validating: $0) != nil })
        #expect(ids.allSatisfy { $0.dropFirst(4).allSatisfy { "0123456789abcdefghjkmnpqrstvwxyz".contains($0) } })
    }

    @Test("ids made later sort later")
    func ordered() async throws {
        let first = WorkspaceID.generate()
        try await Task.sleep(for: .milliseconds(3))
        let second = WorkspaceID.generate()
        #expect(first.rawValue < second.rawValue)
    }

    @Test("validation refuses another prefix, other characters and bad lengths")
    func validation() {
        #expect(WorkspaceID(validating: "inv_abc") == nil)
        #expect(WorkspaceID(validating: "ws_") == nil)
        #expect(WorkspaceID(validating: "ws") == nil)
        #expect(WorkspaceID(validating: "wsx_abc") == nil)
        #expect(WorkspaceID(validating: "ws_ab c") == nil)
        #expect(WorkspaceID(validating: "ws_ab✓") == nil)
        #expect(WorkspaceID(validating: "ws_" + String(repeating: "a", count: 65)) == nil)
        #expect(WorkspaceID(validating: "ws_Demo-1_x") != nil)
    }
}
