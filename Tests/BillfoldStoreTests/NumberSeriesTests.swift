import BillfoldCore
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

@Suite("Number series")
struct NumberSeriesTests {
    struct Abort: Error {}

    let year = FinancialYear(startYear: 2026)

    @Test("16 concurrent transactions take 1 to 16, no gap and no duplicate", arguments: TestDatabase.kinds)
    func concurrentSequences(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let year = self.year
            let sequences = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await database.inTransaction { store in
                            try await store.numberSeries.nextSequence(kind: .invoice, prefix: "INV", in: year)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(sequences.sorted() == Array(1...16))
        }
    }

    @Test("a rolled-back transaction gives its number back", arguments: TestDatabase.kinds)
    func rollbackLeavesNoGap(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let year = self.year
            let first = try await database.inTransaction { store in
                try await store.numberSeries.nextSequence(kind: .invoice, prefix: "INV", in: year)
            }
            await #expect(throws: Abort.self) {
                try await database.inTransaction { store in
                    _ = try await store.numberSeries.nextSequence(kind: .invoice, prefix: "INV", in: year)
                    throw Abort()
                }
            }
            let second = try await database.inTransaction { store in
                try await store.numberSeries.nextSequence(kind: .invoice, prefix: "INV", in: year)
            }
            #expect((first, second) == (1, 2))
        }
    }

    @Test("each kind and financial year has its own series", arguments: TestDatabase.kinds)
    func separateSeries(kind: DatabaseKind) async throws {
        try await TestDatabase.withDatabase(kind) { database in
            let store = database.store
            var taken: [Int] = []
            for (kind, year) in [
                (DocumentKind.invoice, 2026), (.invoice, 2026), (.creditNote, 2026), (.invoice, 2027), (.receipt, 2026),
                (.invoice, 2026),
            ] {
                taken.append(
                    try await store.numberSeries.nextSequence(
                        kind: kind, prefix: kind.defaultNumberPrefix, in: FinancialYear(startYear: year)))
            }
            #expect(taken == [1, 2, 1, 1, 1, 3])
        }
    }
}
