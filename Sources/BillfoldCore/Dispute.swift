import Foundation

/// Why a customer disputes an invoice.
package enum DisputeReason: String, Hashable, Sendable, Codable, CaseIterable {
    case usageWrong = "usage_wrong"
    case rateWrong = "rate_wrong"
    case serviceNotReceived = "service_not_received"
    case duplicateCharge = "duplicate_charge"
    case taxDetailsWrong = "tax_details_wrong"
    case other

    /// As the portal's form and the mails word it.
    package var label: String {
        switch self {
        case .usageWrong: return "Usage is wrong"
        case .rateWrong: return "Rate is wrong"
        case .serviceNotReceived: return "Service not received or deficient"
        case .duplicateCharge: return "Duplicate charge"
        case .taxDetailsWrong: return "Tax or GSTIN details wrong"
        case .other: return "Other"
        }
    }
}

/// A customer's objection to an invoice, and the thread it grows.
package struct Dispute: Hashable, Sendable, Identifiable {
    package typealias ID = DisputeID

    package let id: ID
    package let workspaceID: WorkspaceID
    package let invoiceID: InvoiceID
    /// The disputed invoice's number, for lists and mails.
    package let invoiceNumber: String
    package let reason: DisputeReason
    /// Positions of the invoice's lines the customer says are wrong; empty means the invoice as a whole.
    package let linePositions: [Int]
    /// What the customer believes the invoice should total.
    package let expectedTotal: Money
    /// What the customer contests: the invoice's total less `expectedTotal`.
    package let disputedAmount: Money
    /// Who raised it: the member's email.
    package let openedBy: String
    /// Moves only by the lifecycle's events, through `apply`.
    package private(set) var lifecycle: DisputeLifecycle
    /// The operator's closing words: the explanation of a resolution or a rejection.
    package var resolution: String?
    /// The credit note a resolution issued.
    package var creditNoteID: InvoiceID?
    package let createdAt: Date
    package var updatedAt: Date
    package var closedAt: Date?

    package init(
        id: ID = .generate(), workspaceID: WorkspaceID, invoiceID: InvoiceID, invoiceNumber: String,
        reason: DisputeReason, linePositions: [Int], expectedTotal: Money, disputedAmount: Money, openedBy: String,
        state: DisputeLifecycle.State, resolution: String? = nil, creditNoteID: InvoiceID? = nil, createdAt: Date,
        updatedAt: Date? = nil, closedAt: Date? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.invoiceID = invoiceID
        self.invoiceNumber = invoiceNumber
        self.reason = reason
        self.linePositions = linePositions
        self.expectedTotal = expectedTotal
        self.disputedAmount = disputedAmount
        self.openedBy = openedBy
        self.lifecycle = DisputeLifecycle(state: state)
        self.resolution = resolution
        self.creditNoteID = creditNoteID
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.closedAt = closedAt
    }

    package var state: DisputeLifecycle.State { self.lifecycle.state }

    /// Runs `event` on the lifecycle at `time` and returns its action; closing events stamp `closedAt`.
    package mutating func apply(
        _ event: (inout DisputeLifecycle) throws(DisputeTransitionError) -> DisputeLifecycle.Action, at time: Date
    ) throws(DisputeTransitionError) -> DisputeLifecycle.Action {
        let action = try event(&self.lifecycle)
        self.updatedAt = time
        if action == .release { self.closedAt = time }
        return action
    }

    /// The dispute as its open invoice carries it.
    package var openDispute: OpenDispute { OpenDispute(id: self.id, disputedAmount: self.disputedAmount) }
}

extension Invoice {
    /// Whether a customer can raise a dispute on this document now: an issued invoice or debit note, open or paid,
    /// with no dispute already open.
    package var isDisputable: Bool {
        (self.kind == .invoice || self.kind == .debitNote) && self.number != nil
            && (self.state == .open || self.state == .paid) && self.openDispute == nil
    }
}

/// Who wrote a comment in a dispute's thread.
package enum DisputeAuthorRole: String, Hashable, Sendable, Codable, CaseIterable {
    /// A member of the workspace, in the portal.
    case customer
    /// The platform's operator, through the API.
    case platformOperator = "operator"
}

/// One message of a dispute's thread, the first being the customer's when raising it.
package struct DisputeComment: Hashable, Sendable, Identifiable {
    package typealias ID = DisputeCommentID

    package let id: ID
    package let disputeID: DisputeID
    package let role: DisputeAuthorRole
    /// The member's email, or the API key's actor name.
    package let author: String
    package let body: String
    package let createdAt: Date

    package init(
        id: ID = .generate(), disputeID: DisputeID, role: DisputeAuthorRole, author: String, body: String,
        createdAt: Date
    ) {
        self.id = id
        self.disputeID = disputeID
        self.role = role
        self.author = author
        self.body = body
        self.createdAt = createdAt
    }
}

/// A file the customer sent with a dispute: a PNG or JPEG image or a PDF, known by its content, not its name.
package struct DisputeAttachment: Hashable, Sendable, Identifiable {
    package typealias ID = AttachmentID

    /// The types taken, each recognised by the bytes it starts with.
    package enum ContentType: String, Hashable, Sendable, Codable, CaseIterable {
        case png = "image/png"
        case jpeg = "image/jpeg"
        case pdf = "application/pdf"

        /// The type `bytes` are, by their signature, or `nil` for anything else.
        package init?(sniffing bytes: some Collection<UInt8>) {
            let head = Array(bytes.prefix(8))
            if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
                self = .png
            } else if head.starts(with: [0xFF, 0xD8, 0xFF]) {
                self = .jpeg
            } else if head.starts(with: Array("%PDF-".utf8)) {
                self = .pdf
            } else {
                return nil
            }
        }
    }

    /// At most three files to a dispute.
    package static let maximumCount = 3
    /// At most 2 MB each.
    package static let maximumBytes = 2 * 1024 * 1024

    package let id: ID
    package let disputeID: DisputeID
    package let filename: String
    package let contentType: ContentType
    package let byteCount: Int
    package let createdAt: Date

    package init(
        id: ID = .generate(), disputeID: DisputeID, filename: String, contentType: ContentType, byteCount: Int,
        createdAt: Date
    ) {
        self.id = id
        self.disputeID = disputeID
        self.filename = filename
        self.contentType = contentType
        self.byteCount = byteCount
        self.createdAt = createdAt
    }

    /// Checks an upload: its size and its content. Returns the type the content is, or says what is wrong.
    package static func check(filename: String, bytes: [UInt8]) throws(AttachmentError) -> ContentType {
        guard !bytes.isEmpty else { throw AttachmentError("\(filename) is empty") }
        guard bytes.count <= self.maximumBytes else {
            throw AttachmentError(
                "\(filename) is \(Self.megabytes(bytes.count)); attachments may be at most 2 MB each")
        }
        guard let type = ContentType(sniffing: bytes) else {
            throw AttachmentError(
                "\(filename) is not a PNG, JPEG or PDF file by its content; attach a screenshot, a photo or a PDF")
        }
        return type
    }

    /// A name safe to offer for download: the upload's own, without any folder, in plain characters.
    package static func safeFilename(_ name: String, type: ContentType) -> String {
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let kept = String(
            base.unicodeScalars.filter {
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789.-_ ".unicodeScalars.contains($0))
            }
            .map(Character.init)
        ).trimmingCharacters(in: .whitespaces)
        let fallback: String
        switch type {
        case .png: fallback = "attachment.png"
        case .jpeg: fallback = "attachment.jpg"
        case .pdf: fallback = "attachment.pdf"
        }
        return kept.isEmpty || kept.hasPrefix(".") ? fallback : String(kept.prefix(100))
    }

    private static func megabytes(_ count: Int) -> String {
        let tenths = (count * 10 + 524_288) / 1_048_576
        return "\(tenths / 10).\(tenths % 10) MB"
    }
}

/// Why an attachment was refused.
package struct AttachmentError: Error, Hashable, Sendable, CustomStringConvertible {
    package let message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { self.message }
}

/// One movement of a workspace's credit balance: a credit note adds to it, an invoice that uses it takes from it.
package struct CreditBalanceEntry: Hashable, Sendable, Identifiable {
    package typealias ID = CreditBalanceEntryID

    package enum Reason: String, Hashable, Sendable, Codable, CaseIterable {
        /// A credit note's value kept for later.
        case creditNote = "credit_note"
        /// Used to pay an invoice, before any other payment.
        case applied
        /// Given back when the invoice it paid was reversed.
        case reversal
    }

    package let id: ID
    package let workspaceID: WorkspaceID
    /// Positive adds to the balance, negative takes from it.
    package let amount: Money
    package let reason: Reason
    /// The credit note that filled it, or the invoice that used it.
    package let documentID: InvoiceID?
    package let description: String
    package let createdAt: Date

    package init(
        id: ID = .generate(), workspaceID: WorkspaceID, amount: Money, reason: Reason, documentID: InvoiceID?,
        description: String, createdAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.amount = amount
        self.reason = reason
        self.documentID = documentID
        self.description = description
        self.createdAt = createdAt
    }
}
