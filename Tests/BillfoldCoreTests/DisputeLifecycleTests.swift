import BillfoldCore
import Testing

/// Every event a dispute can receive.
enum DisputeEvent: String, Sendable, CaseIterable {
    case review
    case resolve
    case reject
    case withdraw
    case comment

    func apply(to lifecycle: inout DisputeLifecycle) throws(DisputeTransitionError) -> DisputeLifecycle.Action {
        switch self {
        case .review: return try lifecycle.review()
        case .resolve: return try lifecycle.resolve()
        case .reject: return try lifecycle.reject()
        case .withdraw: return try lifecycle.withdraw()
        case .comment: return try lifecycle.comment()
        }
    }
}

enum DisputeOutcome: Sendable, Equatable {
    case moves(to: DisputeLifecycle.State, action: DisputeLifecycle.Action)
    case refused
}

/// Every state times every event.
private let transitions: [(DisputeLifecycle.State, DisputeEvent, DisputeOutcome)] = [
    (.open, .review, .moves(to: .underReview, action: .notifyUpdate)),
    (.open, .resolve, .moves(to: .resolved, action: .release)),
    (.open, .reject, .moves(to: .rejected, action: .release)),
    (.open, .withdraw, .moves(to: .withdrawn, action: .release)),
    (.open, .comment, .moves(to: .open, action: .recordComment)),
    (.underReview, .review, .refused),
    (.underReview, .resolve, .moves(to: .resolved, action: .release)),
    (.underReview, .reject, .moves(to: .rejected, action: .release)),
    (.underReview, .withdraw, .refused),
    (.underReview, .comment, .moves(to: .underReview, action: .recordComment)),
    (.resolved, .review, .refused),
    (.resolved, .resolve, .refused),
    (.resolved, .reject, .refused),
    (.resolved, .withdraw, .refused),
    (.resolved, .comment, .refused),
    (.rejected, .review, .refused),
    (.rejected, .resolve, .refused),
    (.rejected, .reject, .refused),
    (.rejected, .withdraw, .refused),
    (.rejected, .comment, .refused),
    (.withdrawn, .review, .refused),
    (.withdrawn, .resolve, .refused),
    (.withdrawn, .reject, .refused),
    (.withdrawn, .withdraw, .refused),
    (.withdrawn, .comment, .refused),
]

@Suite("The dispute lifecycle")
struct DisputeLifecycleTests {
    @Test("The table covers every state and event")
    func tableIsComplete() {
        let covered = Set(transitions.map { "\($0.0.rawValue)/\($0.1.rawValue)" })
        #expect(covered.count == DisputeLifecycle.State.allCases.count * DisputeEvent.allCases.count)
        #expect(transitions.count == covered.count)
    }

    @Test("Every state and event", arguments: transitions)
    func transition(state: DisputeLifecycle.State, event: DisputeEvent, outcome: DisputeOutcome) throws {
        var lifecycle = DisputeLifecycle(state: state)
        switch outcome {
        case .moves(let newState, let action):
            #expect(try event.apply(to: &lifecycle) == action)
            #expect(lifecycle.state == newState)
        case .refused:
            #expect(throws: DisputeTransitionError.self) { try event.apply(to: &lifecycle) }
            #expect(lifecycle.state == state, "a refused event leaves the state alone")
        }
    }

    @Test("Only open and under-review disputes hold their invoice")
    func active() {
        #expect(DisputeLifecycle.State.allCases.filter(\.isActive) == [.open, .underReview])
    }

    @Test("Refusals explain themselves")
    func messages() {
        var underReview = DisputeLifecycle(state: .underReview)
        let withdraw = #expect(throws: DisputeTransitionError.self) { try underReview.withdraw() }
        #expect(
            withdraw?.message == "Cannot withdraw an under review dispute; it is under review; add a comment instead")
        var resolved = DisputeLifecycle(state: .resolved)
        let review = #expect(throws: DisputeTransitionError.self) { try resolved.review() }
        #expect(review?.message == "Cannot take up for review a resolved dispute; it is closed")
    }

    @Test(
        "Attachments are known by their content, not their name",
        arguments: [
            (
                [UInt8]([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]), "shot.png",
                DisputeAttachment.ContentType.png
            ),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "photo.jpg", .jpeg),
            (Array("%PDF-1.7\n".utf8), "bill.pdf", .pdf),
            (Array("%PDF-1.7\n".utf8), "bill.png", .pdf),
        ])
    func sniffing(bytes: [UInt8], filename: String, type: DisputeAttachment.ContentType) throws {
        #expect(try DisputeAttachment.check(filename: filename, bytes: bytes) == type)
    }

    @Test("A renamed executable, an empty file and one over 2 MB are refused, saying why")
    func refusedAttachments() {
        let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]
        let renamed = #expect(throws: AttachmentError.self) {
            try DisputeAttachment.check(filename: "x.pdf", bytes: elf)
        }
        #expect(renamed?.message.contains("not a PNG, JPEG or PDF") == true)
        #expect(throws: AttachmentError.self) { try DisputeAttachment.check(filename: "e.png", bytes: []) }
        let big = Array("%PDF-".utf8) + [UInt8](repeating: 0x20, count: DisputeAttachment.maximumBytes)
        let tooBig = #expect(throws: AttachmentError.self) {
            try DisputeAttachment.check(filename: "big.pdf", bytes: big)
        }
        #expect(tooBig?.message.contains("at most 2 MB") == true)
    }

    @Test("An offered file name keeps no folders and no odd characters")
    func safeNames() {
        #expect(DisputeAttachment.safeFilename("../../etc/passwd", type: .pdf) == "passwd")
        #expect(DisputeAttachment.safeFilename("C:\\Users\\me\\bill (1).pdf", type: .pdf) == "bill 1.pdf")
        #expect(DisputeAttachment.safeFilename("\"><script>.png", type: .png) == "script.png")
        #expect(DisputeAttachment.safeFilename(".htaccess", type: .png) == "attachment.png")
    }
}
