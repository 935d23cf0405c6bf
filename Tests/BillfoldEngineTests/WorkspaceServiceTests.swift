import BillfoldCore
import BillfoldEngine
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Workspaces")
struct WorkspaceServiceTests {
    func service(_ database: Database) -> WorkspaceService {
        Engine(database: database, clock: ManualClock(Fixtures.now).billingClock(), gateway: nil).workspaces
    }

    @Test("a new workspace is stored with its billing terms in the audit log", arguments: TestDatabase.kinds)
    func create(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let workspace = Fixtures.workspace(billingMode: .prepaid, paymentTermsDays: 30)
            _ = try await self.service(database).create(workspace, actor: "api_key:key_test")
            #expect(try await database.store.workspaces.find(workspace.id) == workspace)
            let audit = try await database.store.auditLog.entries(about: workspace.id.rawValue)
            #expect(audit.map(\.action) == ["workspace.created"])
            #expect(audit.first?.actor == "api_key:key_test" && audit.first?.workspaceID == workspace.id)
            #expect(
                audit.first?.details == [
                    "billing_mode": "prepaid", "payment_terms_days": "30", "auto_pay": "false",
                    "gstin": "29AADCC7311R1Z6", "place_of_supply": "29", "service_state": "active", "currency": "INR",
                    "dunning": "standard",
                ])
        }
    }

    @Test("a GSTIN on an address abroad is refused, on a new workspace and on a move", arguments: TestDatabase.kinds)
    func gstinAbroad(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let registeredAbroad = Fixtures.workspace(gstin: "29AADCC7311R1Z6", stateCode: nil, country: "NO")
            let refusal = await #expect(throws: EngineError.self) {
                _ = try await service.create(registeredAbroad, actor: "test")
            }
            #expect(refusal?.code == .invalidField && refusal?.param == "gstin")
            #expect(try await database.store.workspaces.find(registeredAbroad.id) == nil)

            let workspace = try await service.create(Fixtures.workspace(), actor: "test")
            let oslo = Address(line1: "Karl Johans gate 1", city: "Oslo", stateCode: nil, pin: "0154", country: "NO")
            let move = await #expect(throws: EngineError.self) {
                _ = try await service.update(workspace.id, .init(address: oslo), actor: "test")
            }
            #expect(move?.code == .invalidField && move?.param == "gstin")
            #expect(try await database.store.workspaces.find(workspace.id)?.address == workspace.address)

            let moved = try await service.update(workspace.id, .init(address: oslo, gstin: .remove), actor: "test")
            #expect(moved.gstin == nil && moved.placeOfSupply == .otherCountry)
        }
    }

    @Test(
        "a change of terms, tax or access is audited with what it replaced; a new name is not",
        arguments: TestDatabase.kinds)
    func auditedChanges(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let workspace = try await service.create(Fixtures.workspace(), actor: "test")
            _ = try await service.update(workspace.id, .init(name: "Acme Cloud", email: "ap@acme.example"), actor: "a")
            let renamed = try #require(try await database.store.workspaces.find(workspace.id))
            #expect(renamed.name == "Acme Cloud" && renamed.email == "ap@acme.example")
            #expect(try await database.store.auditLog.entries(about: workspace.id.rawValue).count == 1)

            let maharashtra = try GSTIN("27AAPFU0939F1ZV")
            _ = try await service.update(
                workspace.id, .init(gstin: .set(maharashtra), autoPay: true, serviceState: .suspended),
                actor: "member:mem_owner")
            let audit = try await database.store.auditLog.entries(about: workspace.id.rawValue)
            #expect(audit.map(\.action) == ["workspace.created", "workspace.updated"])
            #expect(audit.last?.actor == "member:mem_owner")
            #expect(
                audit.last?.details == [
                    "from_auto_pay": "false", "to_auto_pay": "true",
                    "from_gstin": "29AADCC7311R1Z6", "to_gstin": "27AAPFU0939F1ZV",
                    "from_place_of_supply": "29", "to_place_of_supply": "27",
                    "from_service_state": "active", "to_service_state": "suspended",
                ])
        }
    }

    @Test("changes of different fields made at once both land", arguments: TestDatabase.kinds)
    func concurrentChanges(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let service = self.service(database)
            let workspace = try await service.create(Fixtures.workspace(), actor: "test")
            for round in 1...5 {
                async let renamed = service.update(workspace.id, .init(name: "Name \(round)"), actor: "test")
                async let retermed = service.update(workspace.id, .init(paymentTermsDays: round), actor: "test")
                _ = try await (renamed, retermed)
                let stored = try #require(try await database.store.workspaces.find(workspace.id))
                #expect(stored.name == "Name \(round)" && stored.paymentTermsDays == round)
            }
        }
    }

    @Test("a change to a workspace that does not exist is not found", arguments: TestDatabase.kinds)
    func unknown(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let refusal = await #expect(throws: EngineError.self) {
                _ = try await self.service(database).update(.generate(), .init(autoPay: true), actor: "test")
            }
            #expect(refusal?.code == .notFound)
        }
    }
}
