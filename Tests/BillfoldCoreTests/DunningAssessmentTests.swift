import BillfoldCore
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

private func day(_ text: String) -> CalendarDate {
    CalendarDate(iso8601: text)!
}

/// Invoice `name` (id `inv_<name>`, number `<name>`) with `paise` due on `due`.
func dunningInvoice(
    _ name: String, due: CalendarDate, paise: Int64, currency: Currency = .inr, excluded: Bool = false
) -> DunningInvoice {
    DunningInvoice(
        id: InvoiceID(rawValue: "inv_\(name)"), number: name, issueDate: nil, dueDate: due,
        amountDue: Money(minorUnits: paise, currency: currency), excludedFromDunning: excluded)
}

private func invoice(_ name: String, due: String, paise: Int64, excluded: Bool = false) -> DunningInvoice {
    dunningInvoice(name, due: day(due), paise: paise, excluded: excluded)
}

/// A workspace dunned run after run as the dunning job does it: each run's keys are recorded and its state stored.
struct DunningRun {
    var policy: DunningPolicy?
    var currency: Currency = .inr
    var state: ServiceState = .active
    var recorded: Set<DunningReminderKey> = []
    /// One line per mail, skipped key and state change: `2026-11-12 before_due A inv_a/-3`.
    var log: [String] = []

    init(policy: DunningPolicy?, state: ServiceState = .active, recorded: Set<DunningReminderKey> = []) {
        self.policy = policy
        self.state = state
        self.recorded = recorded
    }

    @discardableResult
    mutating func assess(on today: CalendarDate, _ invoices: [DunningInvoice]) -> DunningAssessment {
        let assessment = DunningAssessment(
            policy: self.policy, today: today, currency: self.currency, invoices: invoices,
            currentState: self.state, sentReminders: self.recorded)
        if let transition = assessment.transition {
            let actions = transition.actions.map { String(describing: $0) }.joined(separator: ", ")
            self.log.append("\(today) \(transition.from.rawValue) → \(transition.to.rawValue): \(actions)")
        }
        for mail in assessment.reminders {
            let listed = mail.invoices.map(\.number).joined(separator: ",")
            let keys = mail.keys.map(\.description).joined(separator: " ")
            self.log.append("\(today) \(mail.kind.rawValue) \(listed) \(keys)")
        }
        if !assessment.skipped.isEmpty {
            self.log.append("\(today) skipped \(assessment.skipped.map(\.description).joined(separator: " "))")
        }
        self.recorded.formUnion(assessment.keysToRecord)
        self.state = assessment.state
        return assessment
    }

    /// Runs once a day from `start` to `end`, with the invoices open on each day.
    mutating func walk(
        from start: CalendarDate, to end: CalendarDate, _ invoices: (CalendarDate) -> [DunningInvoice]
    ) {
        var today = start
        while today <= end {
            self.assess(on: today, invoices(today))
            today = today.adding(days: 1)
        }
    }
}

struct DunningAssessmentTests {
    @Test("A month, day by day: reminders on D-3, D and D+3, grace from D+1, final warning on D+7, suspended on D+8")
    func monthWalk() {
        var run = DunningRun(policy: .standard)
        let due = invoice("A", due: "2026-11-15", paise: 118_000)
        var suspendsOn: [CalendarDate: CalendarDate] = [:]
        var today = day("2026-11-01")
        while today <= day("2026-11-30") {
            let assessment = run.assess(on: today, [due])
            suspendsOn[today] = assessment.suspendsOn
            #expect(assessment.earliestUnpaidDueDate == day("2026-11-15"))
            #expect(assessment.overdueBalance == (today > day("2026-11-15") ? rupees(118_000) : rupees(0)))
            #expect(assessment.overdueSince == (today > day("2026-11-15") ? day("2026-11-16") : nil))
            today = today.adding(days: 1)
        }
        #expect(
            run.log == [
                "2026-11-12 before_due A inv_A/-3",
                "2026-11-15 on_due A inv_A/0",
                "2026-11-16 active → grace: startGrace",
                "2026-11-18 overdue A inv_A/+3",
                "2026-11-22 final_warning A inv_A/final_warning inv_A/+7",
                "2026-11-23 grace → suspended: suspendService",
            ])
        #expect(suspendsOn.keys.sorted() == (16...22).map { day("2026-11-\($0)") })
        #expect(Set(suspendsOn.values) == [day("2026-11-23")])
        #expect(run.state == .suspended)
    }

    @Test(
        "Paying the earliest invoice moves the clock to the next one's due date; a suspended workspace is back in grace"
    )
    func paymentMovesClock() {
        let first = invoice("A", due: "2026-11-01", paise: 100_000)
        let second = invoice("B", due: "2026-11-05", paise: 50_000)
        var run = DunningRun(policy: .standard)
        let graced = run.assess(on: day("2026-11-07"), [first, second])
        #expect(graced.state == .grace)
        #expect(graced.overdueSince == day("2026-11-02"))
        #expect(graced.suspendsOn == day("2026-11-09"))
        #expect(graced.overdueBalance == rupees(150_000))

        var partlyPaid = first
        partlyPaid.amountDue = rupees(99)
        let moved = run.assess(on: day("2026-11-07"), [partlyPaid, second])
        #expect(moved.state == .grace)
        #expect(moved.earliestUnpaidDueDate == day("2026-11-01"), "₹0.99 is still unpaid")
        #expect(moved.overdueSince == day("2026-11-06"), "but less than the ₹1 minimum does not start the clock")
        #expect(moved.suspendsOn == day("2026-11-13"))

        let suspended = run.assess(on: day("2026-11-09"), [first, second])
        #expect(suspended.state == .suspended)
        let reopened = run.assess(on: day("2026-11-10"), [second])
        #expect(reopened.state == .grace)
        #expect(reopened.transition == ServiceTransition(from: .suspended, to: .grace, actions: [.restoreService]))
        #expect(reopened.earliestUnpaidDueDate == day("2026-11-05"))
        #expect(reopened.suspendsOn == day("2026-11-13"))
        #expect(run.assess(on: day("2026-11-13"), [second]).state == .suspended)
    }

    @Test(
        "Clearing the overdue balance, by any means, returns the workspace to active at once",
        arguments: [
            (ServiceState.grace, ServiceStanding.Action.endGrace),
            (.suspended, .restoreService),
        ]
    )
    func cleared(state: ServiceState, action: ServiceStanding.Action) {
        var run = DunningRun(policy: .standard, state: state)
        for open in [[], [invoice("A", due: "2026-11-01", paise: 99)], [invoice("A", due: "2026-11-01", paise: 0)]] {
            run.state = state
            let assessment = run.assess(on: day("2026-11-20"), open)
            #expect(assessment.state == .active)
            #expect(assessment.transition == ServiceTransition(from: state, to: .active, actions: [action]))
            #expect(assessment.suspendsOn == nil)
            #expect(assessment.reminders.isEmpty)
        }
    }

    @Test("Two invoices' reminders falling on one day go in one overdue mail listing every overdue invoice")
    func twoInvoicesOneMail() {
        let older = invoice("C", due: "2026-10-31", paise: 20_000)
        let recorded = Set(
            [-3, 0, 3].map { DunningReminderKey.reminder(older.id, offset: $0) }
                + ["A", "B"].flatMap { name in
                    [-3, 0].map { DunningReminderKey.reminder(InvoiceID(rawValue: "inv_\(name)"), offset: $0) }
                })
        var run = DunningRun(policy: .standard, state: .grace, recorded: recorded)
        let assessment = run.assess(
            on: day("2026-11-04"),
            [invoice("B", due: "2026-11-01", paise: 30_000), invoice("A", due: "2026-11-01", paise: 50_000), older])
        #expect(run.log == ["2026-11-04 overdue C,A,B inv_A/+3 inv_B/+3"])
        #expect(assessment.reminders.first?.total == rupees(100_000))
        #expect(assessment.overdueBalance == rupees(100_000))
    }

    @Test("After a gap only the latest reminder of each invoice goes; the earlier ones are skipped for good")
    func gap() {
        var run = DunningRun(policy: .standard)
        run.assess(on: day("2026-11-14"), [invoice("A", due: "2026-11-10", paise: 50_000)])
        #expect(
            run.log == [
                "2026-11-14 active → grace: startGrace", "2026-11-14 overdue A inv_A/+3",
                "2026-11-14 skipped inv_A/-3 inv_A/0",
            ])
        run.log = []
        run.walk(from: day("2026-11-15"), to: day("2026-11-17")) { _ in [invoice("A", due: "2026-11-10", paise: 50_000)]
        }
        #expect(run.log == ["2026-11-17 final_warning A inv_A/final_warning inv_A/+7"])
    }

    @Test("A before-due reminder caught up after the due date says the invoice is overdue")
    func staleReminderSaysWhatIsTrue() throws {
        let policy = try DunningPolicy(reminderOffsets: [-7, -3], graceDays: 30, minimumOverdue: rupees(100))
        var early = DunningRun(policy: policy)
        early.assess(on: day("2026-11-09"), [invoice("A", due: "2026-11-10", paise: 50_000)])
        #expect(early.log == ["2026-11-09 before_due A inv_A/-3", "2026-11-09 skipped inv_A/-7"])
        var late = DunningRun(policy: policy)
        late.assess(on: day("2026-11-12"), [invoice("A", due: "2026-11-10", paise: 50_000)])
        #expect(
            late.log == [
                "2026-11-12 active → grace: startGrace", "2026-11-12 overdue A inv_A/-3", "2026-11-12 skipped inv_A/-7",
            ])
    }

    @Test("Below the minimum nothing is overdue: no grace and no overdue reminder, until the balance counts")
    func belowMinimum() throws {
        let policy = try DunningPolicy(reminderOffsets: [0, 3, 7], graceDays: 7, minimumOverdue: rupees(50_000))
        var run = DunningRun(policy: policy)
        let small = invoice("A", due: "2026-11-01", paise: 40_000)
        let later = invoice("B", due: "2026-11-10", paise: 20_000)
        run.walk(from: day("2026-11-01"), to: day("2026-11-14")) { today in
            today < day("2026-11-05") ? [small] : [small, later]
        }
        #expect(
            run.log == [
                "2026-11-01 on_due A inv_A/0",
                "2026-11-10 on_due B inv_B/0",
                "2026-11-11 active → grace: startGrace",
                "2026-11-11 overdue A,B inv_A/+7",
                "2026-11-11 skipped inv_A/+3",
                "2026-11-13 overdue A,B inv_B/+3",
            ])
        let assessment = DunningAssessment(
            policy: policy, today: day("2026-11-14"), currency: .inr, invoices: [small, later], currentState: .grace,
            sentReminders: run.recorded)
        #expect(assessment.overdueSince == day("2026-11-11"))
        #expect(assessment.suspendsOn == day("2026-11-18"))
    }

    @Test("A workspace excluded from dunning gets no reminders and is active whatever it owes")
    func excludedWorkspace() {
        let open = [invoice("A", due: "2026-09-01", paise: 10_000_000), invoice("B", due: "2026-11-03", paise: 100)]
        for state in ServiceState.allCases {
            var run = DunningRun(policy: nil, state: state)
            let assessment = run.assess(on: day("2026-11-03"), open)
            #expect(assessment.state == .active)
            #expect(assessment.reminders.isEmpty && assessment.skipped.isEmpty)
            #expect(assessment.suspendsOn == nil)
            #expect(assessment.overdueBalance == rupees(10_000_000))
            let expected: [ServiceStanding.Action]? =
                switch state {
                case .active: nil
                case .grace: [.endGrace]
                case .suspended: [.restoreService]
                }
            #expect(assessment.transition?.actions == expected)
        }
    }

    @Test("An invoice excluded from dunning (disputed) counts neither toward the balance nor for reminders")
    func disputedInvoice() {
        var run = DunningRun(policy: .standard)
        let disputed = invoice("A", due: "2026-11-01", paise: 5_000_000, excluded: true)
        run.walk(from: day("2026-10-25"), to: day("2026-11-30")) { _ in [disputed] }
        #expect(run.log.isEmpty)
        let assessment = run.assess(on: day("2026-11-30"), [disputed, invoice("B", due: "2026-11-30", paise: 100)])
        #expect(assessment.overdueBalance == rupees(0))
        #expect(assessment.earliestUnpaidDueDate == day("2026-11-30"))
        #expect(run.log == ["2026-11-30 on_due B inv_B/0", "2026-11-30 skipped inv_B/-3"])
    }

    @Test("With no grace days the final warning goes on the due date and suspension the day after")
    func zeroGrace() throws {
        let policy = try DunningPolicy(reminderOffsets: [-3, 0, 3], graceDays: 0, minimumOverdue: rupees(100))
        var run = DunningRun(policy: policy)
        run.walk(from: day("2026-11-01"), to: day("2026-11-20")) { _ in [invoice("A", due: "2026-11-10", paise: 50_000)]
        }
        #expect(
            run.log == [
                "2026-11-07 before_due A inv_A/-3",
                "2026-11-10 final_warning A inv_A/final_warning inv_A/0",
                "2026-11-11 active → suspended: startGrace, suspendService",
                "2026-11-13 overdue A inv_A/+3",
            ])
        var again = DunningRun(policy: policy)
        let warning = again.assess(on: day("2026-11-10"), [invoice("A", due: "2026-11-10", paise: 50_000)])
        #expect(warning.state == .active)
        #expect(warning.finalWarningDue)
        #expect(warning.suspendsOn == day("2026-11-11"))
    }

    @Test("A policy with only overdue reminders sends nothing before the due date")
    func onlyAfterDue() throws {
        let policy = try DunningPolicy(reminderOffsets: [10, 5], graceDays: 14, minimumOverdue: rupees(100))
        var run = DunningRun(policy: policy)
        run.walk(from: day("2026-12-20"), to: day("2027-01-31")) { _ in [invoice("A", due: "2026-12-31", paise: 50_000)]
        }
        #expect(
            run.log == [
                "2027-01-01 active → grace: startGrace",
                "2027-01-05 overdue A inv_A/+5",
                "2027-01-10 overdue A inv_A/+10",
                "2027-01-14 final_warning A inv_A/final_warning",
                "2027-01-15 grace → suspended: suspendService",
            ])
    }

    @Test("An invoice with nothing due is never reminded of")
    func nothingDue() {
        var run = DunningRun(policy: .standard)
        run.walk(from: day("2026-11-01"), to: day("2026-11-30")) { _ in [invoice("A", due: "2026-11-10", paise: 0)] }
        #expect(run.log.isEmpty)
    }

    @Test("A run repeated the same day sends nothing new")
    func repeatedRun() {
        var run = DunningRun(policy: .standard)
        let open = [invoice("A", due: "2026-11-01", paise: 50_000), invoice("B", due: "2026-11-11", paise: 50_000)]
        run.assess(on: day("2026-11-08"), open)
        #expect(
            run.log == [
                "2026-11-08 active → grace: startGrace",
                "2026-11-08 before_due B inv_B/-3",
                "2026-11-08 final_warning A inv_A/final_warning inv_A/+7",
                "2026-11-08 skipped inv_A/-3 inv_A/0 inv_A/+3",
            ])
        let again = run.assess(on: day("2026-11-08"), open)
        #expect(again.reminders.isEmpty && again.skipped.isEmpty && again.transition == nil)
        #expect(again.suspendsOn == day("2026-11-09"))
    }

    @Test("A workspace billed in another currency than the minimum's is dunned for any overdue amount")
    func otherCurrency() {
        var run = DunningRun(policy: .standard)
        run.currency = .usd
        let assessment = run.assess(
            on: day("2026-11-03"),
            [
                dunningInvoice("A", due: day("2026-11-01"), paise: 50, currency: .usd),
                invoice("B", due: "2026-10-01", paise: 90_000),
            ])
        #expect(assessment.overdueBalance == Money(minorUnits: 50, currency: .usd))
        #expect(assessment.state == .grace)
    }

    @Test(
        "A key is stored as its invoice and notice code, and read back",
        arguments: [
            (DunningReminderKey.Notice.reminder(offset: -3), "-3"),
            (.reminder(offset: 0), "0"),
            (.reminder(offset: 7), "+7"),
            (.finalWarning, "final_warning"),
        ]
    )
    func noticeCodes(notice: DunningReminderKey.Notice, code: String) {
        let key = DunningReminderKey(invoiceID: InvoiceID(rawValue: "inv_a"), notice: notice)
        #expect(key.noticeCode == code)
        #expect(DunningReminderKey(invoiceID: key.invoiceID, noticeCode: code) == key)
    }

    @Test("Codes no key gives are refused", arguments: ["", "7", "+0", "-0", "final", "03", "3.0"])
    func badNoticeCodes(code: String) {
        #expect(DunningReminderKey(invoiceID: InvoiceID(rawValue: "inv_a"), noticeCode: code) == nil)
    }
}
