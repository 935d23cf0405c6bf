import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("The event log")
struct EventRepositoryTests {
    static func event(
        _ type: BillingEventType, workspace: WorkspaceID, invoice: InvoiceID? = nil, at offset: TimeInterval
    ) -> BillingEvent {
        BillingEvent(
            type: type, workspaceID: workspace, invoiceID: invoice, data: ["number": "INV/26-27/000001"],
            at: Fixtures.now.addingTimeInterval(offset))
    }

    @Test("an event reads back as it was recorded, money with its currency", arguments: TestDatabase.kinds)
    func roundTrip(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let workspace = Fixtures.workspace()
            try await Fixtures.seed(database.store, workspace: workspace)
            let event = BillingEvent(
                type: .refundProcessed, workspaceID: workspace.id, invoiceID: .generate(), paymentID: .generate(),
                creditNoteID: .generate(), refundID: .generate(),
                data: [
                    "amount": .money(Money(minorUnits: 121_540, currency: .inr)),
                    "refunded": .money(Money(minorUnits: -5, currency: .usd)), "count": .integer(-3),
                    "reason": "credit_note", "text": "₹ \"quoted\"\n", "final": true, "gateway_refund_id": .null,
                ], at: Fixtures.now)
            try await database.store.events.record(event)
            #expect(try await database.store.events.find(event.id) == event)
            #expect(try await database.store.events.find(.generate()) == nil)
            // A second event with the same id is refused: the log never holds one event twice.
            await #expect(throws: (any Error).self) { try await database.store.events.record(event) }
        }
    }

    @Test("the list keeps to its filters, oldest first, and pages after a cursor", arguments: TestDatabase.kinds)
    func listing(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            let acme = Fixtures.workspace(name: "Acme")
            let zeta = Fixtures.workspace(name: "Zeta")
            try await Fixtures.seed(store, workspace: acme)
            try await Fixtures.seed(store, workspace: zeta)
            let invoice = InvoiceID.generate()
            let creditNote = InvoiceID.generate()
            let events = [
                Self.event(.invoiceFinalized, workspace: acme.id, invoice: invoice, at: 0),
                Self.event(.invoiceFinalized, workspace: zeta.id, at: 1),
                Self.event(.paymentSucceeded, workspace: acme.id, invoice: invoice, at: 2),
                Self.event(.invoicePaid, workspace: acme.id, invoice: invoice, at: 3),
                BillingEvent(
                    type: .creditNoteCreated, workspaceID: acme.id, invoiceID: .generate(), creditNoteID: creditNote,
                    at: Fixtures.now.addingTimeInterval(4)),
                Self.event(.walletToppedUp, workspace: zeta.id, at: 5),
            ]
            // Recorded out of time order in one batch, then one more alone: the log keeps the order of writing.
            try await store.events.record(Array(events.prefix(5)))
            try await store.events.record(events[5])
            func ids(_ filter: EventFilter, limit: Int = 100, after: EventID? = nil) async throws -> [EventID] {
                try await store.events.list(filter, limit: limit, startingAfter: after).map(\.id)
            }
            #expect(try await ids(EventFilter()) == events.map(\.id))
            #expect(try await ids(EventFilter(workspaceID: zeta.id)) == [events[1].id, events[5].id])
            #expect(
                try await ids(EventFilter(types: [.invoicePaid, .invoiceFinalized]))
                    == [events[0].id, events[1].id, events[3].id])
            #expect(try await ids(EventFilter(invoiceID: invoice)) == [events[0].id, events[2].id, events[3].id])
            #expect(try await ids(EventFilter(invoiceID: creditNote)) == [events[4].id])
            #expect(
                try await ids(
                    EventFilter(createdAfter: Fixtures.now.addingTimeInterval(1), createdBefore: Fixtures.now + 4))
                    == [events[2].id, events[3].id])
            #expect(
                try await ids(EventFilter(types: [.invoiceFinalized], workspaceID: acme.id, invoiceID: invoice))
                    == [events[0].id])
            // Pages of two, each after the last id of the one before.
            var pages: [[EventID]] = []
            var cursor: EventID?
            repeat {
                let page = try await ids(EventFilter(), limit: 2, after: cursor)
                pages.append(page)
                cursor = page.last
            } while cursor != nil
            #expect(pages.flatMap { $0 } == events.map(\.id) && pages.count == 4)
            #expect(
                try await ids(EventFilter(workspaceID: acme.id), after: events[2].id) == [events[3].id, events[4].id])
        }
    }
}
