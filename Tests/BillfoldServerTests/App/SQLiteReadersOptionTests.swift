import BillfoldTestSupport
import Foundation
import Testing

@Suite("serve --sqlite-readers")
struct SQLiteReadersOptionTests {
    @Test("a count outside 0 to 64, or a variable that is not a number, stops the start with the reason")
    func refused() async throws {
        try await TestDatabase.withLocation(.sqlite) { location in
            let database = BillfoldProcess.argument(for: location)
            let tooMany = try BillfoldProcess([
                "serve", "--sqlite-readers", "65", "--port", "0", "--database", database,
            ])
            #expect(await tooMany.wait() != 0)
            #expect(tooMany.standardError.contains("from 0 to 64"), "\(tooMany.standardError)")
            #expect(!tooMany.standardOutput.contains("Billfold is serving"))

            let garbled = try BillfoldProcess(
                ["serve", "--port", "0", "--database", database], environment: ["BILLFOLD_SQLITE_READERS": "many"])
            #expect(await garbled.wait() != 0)
            #expect(garbled.standardError.contains("BILLFOLD_SQLITE_READERS"), "\(garbled.standardError)")
        }
    }
}
