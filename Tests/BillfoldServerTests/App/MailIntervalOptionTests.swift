import BillfoldTestSupport
import Foundation
import Testing

@Suite("serve --mail-interval")
struct MailIntervalOptionTests {
    @Test("a negative interval, or a variable that is not a number, stops the start with the reason")
    func refused() async throws {
        try await TestDatabase.withLocation(.sqlite) { location in
            let database = BillfoldProcess.argument(for: location)
            let negative = try BillfoldProcess(["serve", "--mail-interval=-1", "--port", "0", "--database", database])
            #expect(await negative.wait() != 0)
            #expect(negative.standardError.contains("mail interval must be 0 or more"), "\(negative.standardError)")
            #expect(!negative.standardOutput.contains("Billfold is serving"))

            let garbled = try BillfoldProcess(
                ["serve", "--port", "0", "--database", database], environment: ["BILLFOLD_MAIL_INTERVAL": "soon"])
            #expect(await garbled.wait() != 0)
            #expect(garbled.standardError.contains("whole number of seconds"), "\(garbled.standardError)")
        }
    }

    @Test("0 starts a server that says it sends no mail; the default says where mail goes")
    func startupLines() async throws {
        let off = try await PaymentsModeTests.startupOutput(
            ["--mail-interval", "0"], environment: PaymentsModeTests.unset)
        #expect(off.contains("Billfold is serving"), "\(off)")
        #expect(off.contains("Mail: this server composes and sends none (--mail-interval 0)"), "\(off)")
        #expect(!off.contains("written as an .eml file"), "\(off)")

        let standard = try await PaymentsModeTests.startupOutput([], environment: PaymentsModeTests.unset)
        #expect(standard.contains("written as an .eml file"), "\(standard)")
        #expect(!standard.contains("composes and sends none"), "\(standard)")
    }
}
