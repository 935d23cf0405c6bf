import BillfoldServer
import BillfoldStore
import BillfoldTestSupport
import Foundation
import Testing

/// `serve --payments` and `BILLFOLD_PAYMENTS`: which gateway a server runs with, what it refuses to start with, and
/// what it says at start.
@Suite("Choosing how payments are taken")
struct PaymentsModeTests {
    static let keys = [
        "BILLFOLD_RAZORPAY_KEY_ID": "rzp_test_abc", "BILLFOLD_RAZORPAY_KEY_SECRET": "secret",
        "BILLFOLD_RAZORPAY_WEBHOOK_SECRET": "whsec",
    ]

    /// One start-up: the flag, `--demo`, the environment, and the mode it runs in or words of the refusal.
    struct Case: Sendable, CustomTestStringConvertible {
        let flag: PaymentsMode?
        let isDemo: Bool
        let environment: [String: String]
        let expected: Result<PaymentsMode, Refusal>
        let testDescription: String

        struct Refusal: Error, Sendable {
            /// Words the message must hold.
            let words: [String]
        }

        init(
            _ description: String, flag: PaymentsMode? = nil, demo: Bool = false, _ environment: [String: String] = [:],
            runs mode: PaymentsMode
        ) {
            (self.testDescription, self.flag, self.isDemo, self.environment) = (description, flag, demo, environment)
            self.expected = .success(mode)
        }

        init(
            _ description: String, flag: PaymentsMode? = nil, demo: Bool = false, _ environment: [String: String] = [:],
            refusedNaming words: [String]
        ) {
            (self.testDescription, self.flag, self.isDemo, self.environment) = (description, flag, demo, environment)
            self.expected = .failure(Refusal(words: words))
        }
    }

    static let cases: [Case] = [
        Case("nothing set: off", runs: .off),
        Case("empty keys count as unset", ["BILLFOLD_RAZORPAY_KEY_ID": "", "BILLFOLD_PAYMENTS": ""], runs: .off),
        Case("the demo alone: the sandbox", demo: true, runs: .sandbox),
        Case("the three keys: Razorpay", keys, runs: .razorpay),
        Case("the demo with the three keys: Razorpay", demo: true, keys, runs: .razorpay),
        Case("--payments off beats the demo", flag: .off, demo: true, runs: .off),
        Case("--payments off beats the keys", flag: .off, keys, runs: .off),
        Case("--payments sandbox without the demo", flag: .sandbox, runs: .sandbox),
        Case("--payments razorpay with the keys", flag: .razorpay, keys, runs: .razorpay),
        Case("BILLFOLD_PAYMENTS=sandbox", ["BILLFOLD_PAYMENTS": "sandbox"], runs: .sandbox),
        Case("BILLFOLD_PAYMENTS=OFF with the keys", keys.merging(["BILLFOLD_PAYMENTS": "OFF"]) { $1 }, runs: .off),
        Case("the flag beats BILLFOLD_PAYMENTS", flag: .off, ["BILLFOLD_PAYMENTS": "sandbox"], runs: .off),
        Case(
            "--payments razorpay without keys", flag: .razorpay,
            refusedNaming: [
                "--payments razorpay", "BILLFOLD_RAZORPAY_KEY_ID", "BILLFOLD_RAZORPAY_KEY_SECRET",
                "BILLFOLD_RAZORPAY_WEBHOOK_SECRET", "missing",
            ]),
        Case(
            "BILLFOLD_PAYMENTS=razorpay with one key missing",
            keys.merging(["BILLFOLD_RAZORPAY_WEBHOOK_SECRET": "", "BILLFOLD_PAYMENTS": "razorpay"]) { $1 },
            refusedNaming: ["BILLFOLD_PAYMENTS=razorpay", "missing: BILLFOLD_RAZORPAY_WEBHOOK_SECRET"]),
        Case(
            "some keys and no choice", ["BILLFOLD_RAZORPAY_KEY_ID": "rzp_test_abc"],
            refusedNaming: ["missing: BILLFOLD_RAZORPAY_KEY_SECRET, BILLFOLD_RAZORPAY_WEBHOOK_SECRET"]),
        Case(
            "--payments sandbox beside the keys", flag: .sandbox, keys,
            refusedNaming: ["--payments sandbox", "BILLFOLD_RAZORPAY_KEY_ID", "anyone", "Unset the keys"]),
        Case(
            "BILLFOLD_PAYMENTS=sandbox beside one key",
            ["BILLFOLD_PAYMENTS": "sandbox", "BILLFOLD_RAZORPAY_KEY_SECRET": "secret"],
            refusedNaming: ["BILLFOLD_PAYMENTS=sandbox", "BILLFOLD_RAZORPAY_KEY_SECRET is set"]),
        Case(
            "an unknown BILLFOLD_PAYMENTS", ["BILLFOLD_PAYMENTS": "stripe"],
            refusedNaming: ["BILLFOLD_PAYMENTS must be razorpay, sandbox or off, not stripe"]),
    ]

    @Test("the gateway a start-up runs with, or why it refuses to start", arguments: Self.cases)
    func resolve(_ startup: Case) throws {
        let result = Result { () throws(ConfigurationError) -> GatewaySettings in
            try GatewaySettings.resolve(mode: startup.flag, isDemo: startup.isDemo, environment: startup.environment)
        }
        switch (startup.expected, result) {
        case (.success(let mode), .success(let settings)):
            #expect(settings.mode == mode)
        case (.failure(let refusal), .failure(let error)):
            for word in refusal.words {
                #expect(error.message.contains(word), "\(error.message)")
            }
        case (.success(let mode), .failure(let error)):
            Issue.record("expected \(mode), refused: \(error.message)")
        case (.failure, .success(let settings)):
            Issue.record("expected a refusal, runs \(settings.mode)")
        }
    }

    @Test("Razorpay runs with the keys given and the API address from BILLFOLD_RAZORPAY_BASE_URL")
    func razorpayKeys() throws {
        let settings = try GatewaySettings.resolve(
            mode: nil, isDemo: false,
            environment: Self.keys.merging(["BILLFOLD_RAZORPAY_BASE_URL": "http://127.0.0.1:9/v1"]) { $1 })
        guard case .razorpay(let keyID, let keySecret, let webhookSecret, let baseURL) = settings else {
            Issue.record("expected Razorpay, got \(settings.mode)")
            return
        }
        #expect(
            [keyID, keySecret, webhookSecret, baseURL] == ["rzp_test_abc", "secret", "whsec", "http://127.0.0.1:9/v1"])
    }

    @Test("the sandbox warns at start that no money moves and never to run it in production; off says how to turn on")
    func startupNotice() {
        let sandbox = GatewaySettings.sandbox.startupNotice.joined(separator: "\n")
        for words in [
            "NO REAL MONEY MOVES", "Anyone who can reach this server", "marked Paid", "NEVER RUN THE SANDBOX",
        ] {
            #expect(sandbox.contains(words), "\(words)")
        }
        #expect(GatewaySettings.sandbox.startupNotice.count >= 5, "a banner, not one line")
        let off = GatewaySettings.disabled.startupNotice.joined(separator: "\n")
        for words in [
            "online payment is off", "wallet", "bank transfer", "BILLFOLD_RAZORPAY_KEY_ID", "--payments sandbox",
        ] {
            #expect(off.contains(words), "\(words)")
        }
        #expect(!off.contains("NO REAL MONEY"))
    }

    /// The environment of a `billfold` child with no Razorpay key and no choice of its own.
    static let unset = [
        "BILLFOLD_RAZORPAY_KEY_ID": "", "BILLFOLD_RAZORPAY_KEY_SECRET": "", "BILLFOLD_RAZORPAY_WEBHOOK_SECRET": "",
        "BILLFOLD_PAYMENTS": "", "BILLFOLD_BOOTSTRAP_API_KEY": "",
    ]

    @Test("serve --payments razorpay without keys, or sandbox beside a key, exits at once with the reason")
    func refusedAtStart() async throws {
        try await TestDatabase.withLocation(.sqlite) { location in
            let database = BillfoldProcess.argument(for: location)
            let noKeys = try BillfoldProcess(
                ["serve", "--payments", "razorpay", "--port", "0", "--database", database], environment: Self.unset)
            #expect(await noKeys.wait() != 0)
            #expect(noKeys.standardError.contains("missing: BILLFOLD_RAZORPAY_KEY_ID"), "\(noKeys.standardError)")
            #expect(!noKeys.standardOutput.contains("Billfold is serving"))

            var oneKey = Self.unset
            oneKey["BILLFOLD_RAZORPAY_KEY_ID"] = "rzp_live_abc"
            let mixed = try BillfoldProcess(
                ["serve", "--payments", "sandbox", "--port", "0", "--database", database], environment: oneKey)
            #expect(await mixed.wait() != 0)
            #expect(mixed.standardError.contains("never runs beside Razorpay keys"), "\(mixed.standardError)")

            let unknown = try BillfoldProcess(["serve", "--payments", "paypal", "--database", database])
            #expect(await unknown.wait() != 0)
            #expect(unknown.standardError.contains("razorpay"), "\(unknown.standardError)")
        }
    }

    /// Starts `serve` with `arguments`, waits (up to a generous bound) for it to say it serves, and stops it.
    static func startupOutput(_ arguments: [String], environment: [String: String]) async throws -> String {
        try await TestDatabase.withLocation(.sqlite) { location in
            let process = try BillfoldProcess(
                ["serve", "--port", "0", "--billing-interval", "0", "--payment-jobs-interval", "0", "--database"]
                    + [BillfoldProcess.argument(for: location)] + arguments,
                environment: environment)
            defer { process.killAbruptly() }
            for _ in 0..<1200 where !process.standardOutput.contains("Billfold is serving") {
                try await Task.sleep(for: .milliseconds(50))
            }
            // The lines after the first are written in the same write.
            try await Task.sleep(for: .milliseconds(100))
            return process.standardOutput
        }
    }

    @Test("serve with no keys and no flag starts with online payment off; --payments sandbox starts with the banner")
    func startupLines() async throws {
        let off = try await Self.startupOutput([], environment: Self.unset)
        #expect(off.contains("Billfold is serving"), "\(off)")
        #expect(off.contains("Payments: online payment is off"), "\(off)")
        #expect(!off.contains("SANDBOX"))

        let sandbox = try await Self.startupOutput(["--payments", "sandbox"], environment: Self.unset)
        #expect(sandbox.contains("Billfold is serving"), "\(sandbox)")
        #expect(sandbox.contains("!! PAYMENT SANDBOX: NO REAL MONEY MOVES."), "\(sandbox)")
        #expect(sandbox.contains("NEVER RUN THE SANDBOX IN PRODUCTION"), "\(sandbox)")
    }
}
