import BillfoldCore
import PropertyBased
import Testing

/// Reminder days as a policy takes them: up to ten, in any order, repeats removed.
private let offsets = Gen.int(in: -30...90).array(of: 0...10).map { Array(Set($0)) }

private let graceDays = Gen.int(in: 0...30)

private let minimumPaise = Gen.int64(in: 0...100_000)

/// An invoice due some day of the walk, part paid on `partPaidOn` (a third left) and paid in full a week later; days
/// past the walk never come.
private struct PlannedInvoice: Sendable {
    var name: String
    var dueDay: Int
    var paise: Int64
    var partPaidOn: Int
    var excluded: Bool

    func open(on dayOfWalk: Int, start: CalendarDate) -> DunningInvoice? {
        guard dayOfWalk < self.partPaidOn + 7 else { return nil }
        let due = dayOfWalk < self.partPaidOn ? self.paise : self.paise / 3
        return dunningInvoice(
            self.name, due: start.adding(days: self.dueDay), paise: due, excluded: self.excluded)
    }
}

private let plannedInvoices = zip(
    Gen.int(in: 0...60), Gen.int64(in: 0...200_000), Gen.int(in: 0...200), Gen.bool(0.1)
)
.array(of: 0...4)
.map { plans in
    plans.enumerated().map { index, plan in
        PlannedInvoice(name: "i\(index)", dueDay: plan.0, paise: plan.1, partPaidOn: plan.2, excluded: plan.3)
    }
}

struct DunningPropertyTests {
    @Test("Walking any policy day by day never sends or skips a notice twice, and every mail and state keeps the rules")
    func walk() async {
        await propertyCheck(input: offsets, graceDays, minimumPaise, plannedInvoices) { offsets, grace, paise, plans in
            let policy = try! DunningPolicy(
                reminderOffsets: offsets, graceDays: grace, minimumOverdue: Money(minorUnits: paise, currency: .inr))
            let start = CalendarDate(iso8601: "2026-10-01")!
            var state = ServiceState.active
            var recorded: Set<DunningReminderKey> = []
            for dayOfWalk in 0...160 {
                let today = start.adding(days: dayOfWalk)
                let open = plans.compactMap { $0.open(on: dayOfWalk, start: start) }
                let assessment = DunningAssessment(
                    policy: policy, today: today, currency: .inr, invoices: open, currentState: state,
                    sentReminders: recorded)
                let keys = assessment.keysToRecord
                #expect(Set(keys).count == keys.count, "a run consumes each key once")
                #expect(recorded.isDisjoint(with: keys), "\(today): a recorded notice goes again")
                #expect(Set(assessment.reminders.map(\.kind)).count == assessment.reminders.count)
                for mail in assessment.reminders {
                    #expect(!mail.keys.isEmpty && !mail.invoices.isEmpty)
                    for key in mail.keys {
                        #expect(mail.invoices.contains { $0.id == key.invoiceID }, "a mail lists what it reminds of")
                    }
                    if mail.kind == .overdue { #expect(assessment.state != .active) }
                    if mail.kind == .finalWarning { #expect(assessment.suspendsOn == today.adding(days: 1)) }
                }
                for key in keys {
                    guard case .reminder(let offset) = key.notice else { continue }
                    let invoice = open.first { $0.id == key.invoiceID }
                    #expect(invoice.map { $0.dueDate.adding(days: offset) <= today } == true)
                }
                #expect(assessment.transition?.from ?? state == state)
                #expect(assessment.transition?.to ?? state == assessment.state)
                switch assessment.state {
                case .active:
                    #expect(assessment.overdueSince == nil)
                case .grace:
                    #expect(assessment.suspendsOn.map { $0 > today } == true)
                case .suspended:
                    #expect(assessment.overdueSince.map { $0.adding(days: grace) <= today } == true)
                    #expect(assessment.overdueBalance.minorUnits >= max(paise, 1))
                }
                recorded.formUnion(keys)
                state = assessment.state
            }
        }
    }
}
