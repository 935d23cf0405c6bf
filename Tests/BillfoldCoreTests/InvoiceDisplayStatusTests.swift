import BillfoldCore
import Testing

private let today = CalendarDate(iso8601: "2026-05-10")!
private let yesterday = CalendarDate(iso8601: "2026-05-09")!
private let tomorrow = CalendarDate(iso8601: "2026-05-11")!

struct InvoiceDisplayStatusTests {
    @Test(
        "The first matching status wins",
        arguments: [
            (InvoiceLifecycle.State.cancelled, true, true, yesterday as CalendarDate?, InvoiceDisplayStatus.cancelled),
            (.cancelled, false, false, nil, .cancelled),
            (.paid, true, true, yesterday, .paid),
            (.paid, false, false, nil, .paid),
            (.open, true, true, yesterday, .processing),
            (.open, true, false, nil, .processing),
            (.open, false, true, yesterday, .overdue),
            (.open, false, false, yesterday, .overdue),
            (.open, false, true, today, .failed),
            (.open, false, true, nil, .failed),
            (.open, false, true, tomorrow, .failed),
            (.open, false, false, today, .pending),
            (.open, false, false, tomorrow, .pending),
            (.open, false, false, nil, .pending),
            (.draft, true, true, yesterday, .draft),
            (.draft, false, false, nil, .draft),
        ]
    )
    func precedence(
        state: InvoiceLifecycle.State,
        hasAttemptInFlight: Bool,
        lastAttemptFailed: Bool,
        dueDate: CalendarDate?,
        expected: InvoiceDisplayStatus
    ) {
        let status = InvoiceDisplayStatus.derive(
            state: state, hasAttemptInFlight: hasAttemptInFlight, lastAttemptFailed: lastAttemptFailed,
            dueDate: dueDate, today: today)
        #expect(status == expected)
    }

    @Test("A settled or unissued invoice shows its state whatever its attempts and due date")
    func terminalStates() {
        let expected: [InvoiceLifecycle.State: InvoiceDisplayStatus] = [
            .cancelled: .cancelled, .paid: .paid, .draft: .draft,
        ]
        for (state, status) in expected {
            for inFlight in [false, true] {
                for failed in [false, true] {
                    for dueDate in [nil, yesterday, today, tomorrow] {
                        let derived = InvoiceDisplayStatus.derive(
                            state: state, hasAttemptInFlight: inFlight, lastAttemptFailed: failed, dueDate: dueDate,
                            today: today)
                        #expect(derived == status)
                    }
                }
            }
        }
    }

    @Test(
        "Labels",
        arguments: [
            (InvoiceDisplayStatus.cancelled, "Cancelled"), (.paid, "Paid"), (.processing, "Processing"),
            (.overdue, "Overdue"), (.failed, "Failed"), (.pending, "Pending"), (.draft, "Draft"),
        ]
    )
    func label(status: InvoiceDisplayStatus, label: String) {
        #expect(status.label == label)
    }
}
