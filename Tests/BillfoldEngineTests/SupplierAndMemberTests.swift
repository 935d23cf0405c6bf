import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("The supplier and workspace members")
struct SupplierAndMemberTests {
    func engine(_ database: Database) -> Engine {
        Engine(
            database: database, clock: ManualClock(Fixtures.now).billingClock(), gateway: nil,
            signInPolicy: SignInPolicy(bcryptCost: 4))
    }

    @Test("each save of the supplier is audited with the GSTIN and LUT it replaced", arguments: TestDatabase.kinds)
    func supplier(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.engine(database).supplier
            _ = try await service.save(Fixtures.supplier, actor: "api_key:key_ops")
            var moved = Fixtures.supplier
            moved.gstin = try GSTIN("27AAPFU0939F1ZV")
            moved.address = Address(
                line1: "1 Marine Drive", city: "Mumbai", stateCode: "27", pin: "400020", country: "IN")
            moved.letterOfUndertaking = nil
            _ = try await service.save(moved, actor: "api_key:key_ops")
            #expect(try await database.store.supplier.find() == moved)
            let audit = try await database.store.auditLog.entries(about: "supplier")
            #expect(audit.map(\.action) == ["supplier.saved", "supplier.saved"])
            #expect(audit.first?.details["previous_gstin"] == nil)
            #expect(
                audit.last?.details == [
                    "gstin": "27AAPFU0939F1ZV", "state_code": "27", "letter_of_undertaking": "none",
                    "previous_gstin": "29AAGCN4821K1Z5", "previous_letter_of_undertaking": "AD2903260001",
                ])

            var abroad = moved
            abroad.address = Address(
                line1: "1 Raffles Place", city: "Singapore", stateCode: nil, pin: "048616", country: "SG")
            let refusal = await #expect(throws: EngineError.self) { _ = try await service.save(abroad, actor: "test") }
            #expect(refusal?.code == .invalidField && refusal?.param == "address.country")
            #expect(try await database.store.supplier.find() == moved)
            #expect(try await database.store.auditLog.entries(about: "supplier").count == 2)
        }
    }

    @Test(
        "a new member is audited with the access granted; an email joins a workspace once",
        arguments: TestDatabase.kinds)
    func members(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let access = self.engine(database).access
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            let owner = try await access.addMember(
                to: workspace.id, email: "Owner@Acme.example", name: "Owner", role: .owner, password: "correct horse",
                actor: "api_key:key_ops")
            let audit = try await database.store.auditLog.entries(about: owner.id.rawValue)
            #expect(audit.map(\.action) == ["member.added"] && audit.first?.workspaceID == workspace.id)
            #expect(audit.first?.details == ["email": "owner@acme.example", "role": "owner", "sign_in": "password"])

            await #expect(throws: StoreError.self) {
                _ = try await access.addMember(
                    to: workspace.id, email: "owner@acme.example", name: "Again", role: .admin, password: nil,
                    actor: "test")
            }
            #expect(try await database.store.members.list(in: workspace.id) == [owner])
            let refusal = await #expect(throws: EngineError.self) {
                _ = try await access.addMember(
                    to: .generate(), email: "a@b.example", name: "A", role: .admin, password: nil, actor: "test")
            }
            #expect(refusal?.code == .notFound)
        }
    }
}
