import BillfoldCore
import BillfoldStore
import Foundation
import Synchronization

/// The address people reach Billfold at, for the links mail carries: the configured public URL, else the address
/// the server listens on, known once it is bound.
package final class PublicAddress: Sendable {
    private let value: Mutex<String>

    package init(_ url: String = "http://127.0.0.1:8080") {
        self.value = Mutex(MailContext.trimmed(url))
    }

    package var url: String { self.value.withLock { $0 } }

    package func set(_ url: String) {
        self.value.withLock { $0 = MailContext.trimmed(url) }
    }

    /// The portal's start, where a member signs in.
    package var portal: String { self.url + "/portal" }

    /// The portal's page of one document.
    package func invoicePage(_ id: InvoiceID) -> String {
        MailContext.invoiceURL(portalURL: self.portal, invoiceID: id)
    }

    /// The portal's page of one dispute, with its thread.
    package func disputePage(_ id: DisputeID) -> String {
        MailContext.disputeURL(portalURL: self.portal, disputeID: id)
    }
}

/// Turns what a workspace must hear into queued mail: renders a template once for each of its billing contacts and
/// adds the messages to the outbox in the caller's transaction.
package struct MailComposer: Sendable {
    package let templates: MailTemplates
    package let address: PublicAddress
    /// The right-hand side of every `Message-ID`.
    package let messageIDDomain: String

    package init(templates: MailTemplates, address: PublicAddress, messageIDDomain: String = "billfold.local") {
        self.templates = templates
        self.address = address
        self.messageIDDomain = messageIDDomain
    }

    /// What a message is about besides its template: why it is owed, the document it concerns, and what goes
    /// with it.
    package struct Cause: Sendable {
        /// Unique with the recipient and template: an event's id, `reminder:…`, `pre_debit:…`.
        package var key: String
        package var invoiceID: InvoiceID?
        package var attachments: [OutboxMessage.Attachment]

        package init(_ key: String, invoiceID: InvoiceID? = nil, attachments: [OutboxMessage.Attachment] = []) {
            self.key = key
            self.invoiceID = invoiceID
            self.attachments = attachments
        }
    }

    /// Queues `template` for every billing contact of `workspace`; returns the messages newly queued (none when
    /// this cause already owed them).
    @discardableResult
    package func enqueue(
        _ template: MailTemplate, _ cause: Cause, to workspace: Workspace, context: MailContext, in store: Store,
        at now: Date
    ) async throws -> [OutboxMessage] {
        let rendered = try self.templates.render(template, context)
        var queued: [OutboxMessage] = []
        for recipient in try await Self.recipients(of: workspace, in: store) {
            let id = OutboxMessageID.generate()
            let message = OutboxMessage(
                id: id, template: template.rawValue, cause: cause.key, workspaceID: workspace.id,
                invoiceID: cause.invoiceID, recipient: recipient, subject: rendered.subject, text: rendered.text,
                html: rendered.html, attachments: cause.attachments,
                messageID: "\(id.rawValue)@\(self.messageIDDomain)", createdAt: now)
            if try await store.outbox.enqueue(message) { queued.append(message) }
        }
        return queued
    }

    /// Who hears about a workspace's billing: its billing email, the extra billing addresses, and its owners and
    /// admins, each address once whatever its letter case.
    package static func recipients(of workspace: Workspace, in store: Store) async throws -> [String] {
        var seen: Set<String> = []
        var recipients: [String] = []
        let members = try await store.members.list(in: workspace.id).filter { $0.role.canManageBilling }
        for address in [workspace.email] + workspace.billingEmails + members.map(\.email) {
            let trimmed = address.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, seen.insert(trimmed.lowercased()).inserted else { continue }
            recipients.append(trimmed)
        }
        return recipients
    }

    /// The context every template starts from: who writes, to whom, and where the portal is.
    package func context(supplier: Supplier, workspace: Workspace) -> MailContext {
        MailContext(
            supplierName: supplier.name, supplierEmail: supplier.email, supplierGSTIN: supplier.gstin.value,
            workspaceName: workspace.legalName, portalURL: self.address.portal)
    }

    /// An unpaid invoice as a line of a mail's list, linked to its page in the portal.
    package func line(_ invoice: UnpaidInvoice) -> MailInvoiceLine {
        MailInvoiceLine(
            number: invoice.number, issueDate: invoice.issueDate, dueDate: invoice.dueDate, total: invoice.total,
            amountDue: invoice.amountDue, link: self.address.invoicePage(invoice.id))
    }

    /// A document as a line of a mail's list, linked to its page in the portal.
    package func line(_ invoice: Invoice) -> MailInvoiceLine {
        MailInvoiceLine(invoice, portalURL: self.address.portal)
    }
}

extension MailComposer {
    /// The bundled templates with links to `http://127.0.0.1:8080`: for services built without a server, such as
    /// the command line's and the tests'.
    package static var standard: MailComposer {
        MailComposer(templates: .bundled, address: PublicAddress())
    }
}

extension MailTemplates {
    /// The templates built into Billfold, parsed once. They are part of the program, and a test parses every one,
    /// so failing here is a bug in the build, not a condition to handle; `serve` parses them itself at start to
    /// report a broken one plainly.
    package static let bundled: MailTemplates = {
        do {
            return try MailTemplates()
        } catch {
            fatalError("the mail templates built into Billfold do not load: \(error)")
        }
    }()
}
