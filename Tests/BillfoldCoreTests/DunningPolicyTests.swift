import BillfoldCore
import Foundation
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

struct DunningPolicyTests {
    @Test("The standard policy reminds 3 days before, on, 3 and 7 days after; suspends after 7 days; counts from ₹1")
    func standard() {
        #expect(DunningPolicy.standard.reminderOffsets == [-3, 0, 3, 7])
        #expect(DunningPolicy.standard.graceDays == 7)
        #expect(DunningPolicy.standard.minimumOverdue == rupees(100))
    }

    @Test("Offsets are sorted on the way in; the edges of each range are allowed")
    func accepted() throws {
        let policy = try DunningPolicy(reminderOffsets: [7, -30, 90, 0], graceDays: 90, minimumOverdue: rupees(0))
        #expect(policy.reminderOffsets == [-30, 0, 7, 90])
        let none = try DunningPolicy(reminderOffsets: [], graceDays: 0, minimumOverdue: rupees(50_000))
        #expect(none.reminderOffsets.isEmpty)
        #expect(
            try DunningPolicy(reminderOffsets: Array(1...10), graceDays: 7, minimumOverdue: rupees(100)).reminderOffsets
                .count == 10)
    }

    @Test(
        "A refusal names the field and says what is allowed",
        arguments: [
            (
                [3, 0, 3], 7, rupees(100), DunningPolicyError.Code.duplicateReminderOffset, "reminder_offsets",
                "reminder_offsets must not repeat a day; 3 appears more than once"
            ),
            (
                [-31, 0], 7, rupees(100), .reminderOffsetOutOfRange, "reminder_offsets",
                "reminder_offsets must each be between -30 and 90 days from the due date; -31 is not"
            ),
            (
                [0, 91], 7, rupees(100), .reminderOffsetOutOfRange, "reminder_offsets",
                "reminder_offsets must each be between -30 and 90 days from the due date; 91 is not"
            ),
            (
                Array(0...10), 7, rupees(100), .tooManyReminderOffsets, "reminder_offsets",
                "reminder_offsets may have at most 10 days; 11 were given"
            ),
            (
                [0], -1, rupees(100), .graceDaysOutOfRange, "grace_days",
                "grace_days must be between 0 and 90; -1 was given"
            ),
            (
                [0], 91, rupees(100), .graceDaysOutOfRange, "grace_days",
                "grace_days must be between 0 and 90; 91 was given"
            ),
            (
                [0], 7, rupees(-1), .negativeMinimumOverdue, "minimum_overdue",
                "minimum_overdue must not be negative; -₹0.01 was given"
            ),
            (
                [0], 7, Money(minorUnits: 100, currency: .usd), .minimumOverdueNotInRupees, "minimum_overdue",
                "minimum_overdue must be in INR; USD was given"
            ),
        ] as [([Int], Int, Money, DunningPolicyError.Code, String, String)]
    )
    func refused(
        offsets: [Int], graceDays: Int, minimum: Money, code: DunningPolicyError.Code, field: String, message: String
    ) {
        let error = #expect(throws: DunningPolicyError.self) {
            try DunningPolicy(reminderOffsets: offsets, graceDays: graceDays, minimumOverdue: minimum)
        }
        #expect(error?.code == code)
        #expect(error?.field == field)
        #expect(error?.message == message)
        #expect(error?.description == message)
    }

    @Test("A policy is stored as JSON with the minimum in paise, and checked again when read")
    func json() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(DunningPolicy.standard), as: UTF8.self)
        #expect(text == #"{"grace_days":7,"minimum_overdue":100,"reminder_offsets":[-3,0,3,7]}"#)
        let read = try JSONDecoder().decode(
            DunningPolicy.self, from: Data(#"{"reminder_offsets":[7,-1],"grace_days":3,"minimum_overdue":0}"#.utf8))
        #expect(read.reminderOffsets == [-1, 7])
        #expect(read.minimumOverdue == rupees(0))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                DunningPolicy.self, from: Data(#"{"reminder_offsets":[],"grace_days":365,"minimum_overdue":0}"#.utf8))
        }
    }

    @Test("A workspace follows the supplier's policy, its own, or none")
    func effectivePolicy() throws {
        let supplier = try DunningPolicy(reminderOffsets: [0], graceDays: 14, minimumOverdue: rupees(10_000))
        let own = try DunningPolicy(reminderOffsets: [5], graceDays: 30, minimumOverdue: rupees(0))
        #expect(WorkspaceDunning.standard.effectivePolicy(supplierDefault: supplier) == supplier)
        #expect(WorkspaceDunning.custom(own).effectivePolicy(supplierDefault: supplier) == own)
        #expect(WorkspaceDunning.excluded.effectivePolicy(supplierDefault: supplier) == nil)
    }

    @Test(
        "A workspace's setting is stored as its mode, with the policy's fields beside a custom one",
        arguments: [
            (WorkspaceDunning.standard, #"{"mode":"standard"}"#),
            (.excluded, #"{"mode":"excluded"}"#),
            (
                .custom(.standard),
                #"{"grace_days":7,"minimum_overdue":100,"mode":"custom","reminder_offsets":[-3,0,3,7]}"#
            ),
        ]
    )
    func workspaceJSON(setting: WorkspaceDunning, text: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(setting), as: UTF8.self) == text)
        #expect(try JSONDecoder().decode(WorkspaceDunning.self, from: Data(text.utf8)) == setting)
    }
}
