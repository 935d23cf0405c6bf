import BillfoldCore
import BillfoldEngine
import Foundation
import Testing

/// The mails as a payer reads them: every template renders from a full context and from the least one, money and
/// dates print as on the invoice, values are escaped in HTML and kept on one line in subjects, and the links to the
/// portal are in both parts.
@Suite("Mail templates")
struct MailTemplatesTests {
    static let templates: MailTemplates = {
        do {
            return try MailTemplates()
        } catch {
            fatalError("the bundled mail templates do not load: \(error)")
        }
    }()

    static let portal = "https://billing.acme.example/portal"

    static func rupees(_ paise: Int64) -> Money { Money(minorUnits: paise, currency: .inr) }

    static func date(_ text: String) -> CalendarDate { CalendarDate(iso8601: text)! }

    static let invoice = MailInvoiceLine(
        number: "INV/2026-27/000123", issueDate: date("2026-11-15"), dueDate: date("2026-12-15"),
        total: rupees(11_800_000), amountDue: rupees(11_800_000), link: portal + "/invoices/inv_0000000123")

    static let secondInvoice = MailInvoiceLine(
        number: "INV/2026-27/000140", issueDate: date("2026-11-20"), dueDate: date("2026-12-05"),
        total: rupees(7_080_000), amountDue: rupees(5_900_000), link: portal + "/invoices/inv_0000000140")

    static let full = MailContext(
        supplierName: "Acme Cloud", supplierEmail: "billing@acme.example", supplierGSTIN: "29ABCDE1234F1Z5",
        workspaceName: "Kaveri Analytics Private Limited", recipientName: "Priya Raman", portalURL: portal,
        invoices: [invoice], amount: rupees(11_800_000), paymentMethod: "UPI", failureReason: "Insufficient funds",
        debitOn: date("2026-12-16"), mandateReference: "mdt_0000000042", suspendsOn: date("2026-12-29"),
        daysOverdue: 7, walletBalance: rupees(45_000), walletThreshold: rupees(100_000),
        creditNoteNumber: "CN/2026-27/000004", creditedInvoiceNumber: "INV/2026-27/000123",
        creditNoteLink: portal + "/invoices/inv_0000000204", creditNoteReason: "Seats reduced from 10 to 8",
        reference: "pay_R7xk2LmQ", debitedInvoiceNumber: "INV/2026-27/000100",
        debitNoteReason: "Usage of October billed short", disputeLink: disputeLink, disputeReason: "Usage is wrong",
        disputedAmount: rupees(5_900_000), disputeUpdate: .reply,
        disputeMessage: "We found the double count and will credit it")

    static let disputeLink = portal + "/disputes/dsp_0000000007"

    static let minimal = MailContext(supplierName: "Acme Cloud", workspaceName: "Kaveri Analytics", portalURL: portal)

    @Test("Every template has its text and HTML files in the bundle", arguments: MailTemplate.allCases)
    func filesExist(template: MailTemplate) {
        for file in MailTemplates.files(for: template) {
            let path = MailTemplates.bundledDirectory.appendingPathComponent(file).path
            #expect(FileManager.default.fileExists(atPath: path), "\(file) is missing")
        }
    }

    @Test(
        "With a full context a mail greets the recipient, names the supplier and the workspace, and links the portal",
        arguments: MailTemplate.allCases)
    func fullContext(template: MailTemplate) throws {
        let mail = try Self.templates.render(template, Self.full)
        for part in [mail.text, mail.html] {
            #expect(part.contains("Priya Raman"))
            #expect(part.contains("Acme Cloud"))
            #expect(part.contains("Kaveri Analytics Private Limited"))
            #expect(part.contains("29ABCDE1234F1Z5"))
            #expect(part.contains("billing@acme.example"))
            #expect(part.contains(Self.portal))
            #expect(!part.contains("{{") && !part.contains("}}"))
        }
        #expect(mail.subject.hasSuffix("(Acme Cloud)"))
        #expect(mail.html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en-IN\">"))
        #expect(mail.html.contains("<title>\(Self.escaped(mail.subject))</title>"))
        #expect(mail.html.contains("<h1 "))
        #expect(!mail.html.contains("<img"))
        #expect(!mail.html.contains("<style") && !mail.html.contains("class="))
        #expect(mail.text.hasSuffix("\n") && !mail.text.hasSuffix("\n\n") && !mail.text.contains("\n\n\n"))
        #expect(
            mail.text.contains("\n\nAcme Cloud · GSTIN 29ABCDE1234F1Z5. Sent to Kaveri Analytics Private Limited.\n"))
    }

    @Test(
        "With only the supplier, the workspace and the portal every mail still reads: no gaps where a value would be",
        arguments: MailTemplate.allCases)
    func minimalContext(template: MailTemplate) throws {
        let mail = try Self.templates.render(template, Self.minimal)
        #expect(mail.subject.hasSuffix("(Acme Cloud)"))
        #expect(mail.text.hasPrefix("Dear Kaveri Analytics,\n\n"))
        for part in [mail.subject, mail.text, mail.html] {
            #expect(!part.contains("{{"))
            for gap in [" .", " ,", "  ", ": .", "on .", "of .", "₹"] {
                #expect(!part.contains(gap), "\(template.rawValue) has \(gap.debugDescription)")
            }
        }
        #expect(mail.text.contains(Self.portal))
        #expect(mail.html.contains("href=\"\(Self.portal)"))
    }

    @Test(
        "Subjects say what happened, the amount in Indian grouping, the date as printed, the invoice and the supplier",
        arguments: [
            (MailTemplate.invoiceIssued, "Invoice INV/2026-27/000123: ₹1,18,000.00 due on 15 Dec 2026 (Acme Cloud)"),
            (.paymentReceived, "Payment received: ₹1,18,000.00 for INV/2026-27/000123 (Acme Cloud)"),
            (.paymentFailed, "Payment failed: ₹1,18,000.00 for INV/2026-27/000123 (Acme Cloud)"),
            (
                .preDebitNotice,
                "Auto-pay: ₹1,18,000.00 will be debited on 16 Dec 2026 for INV/2026-27/000123 (Acme Cloud)"
            ),
            (.reminderBeforeDue, "Reminder: ₹1,18,000.00 due on 15 Dec 2026 — INV/2026-27/000123 (Acme Cloud)"),
            (.reminderOnDue, "Due today: ₹1,18,000.00 — INV/2026-27/000123 (Acme Cloud)"),
            (.reminderOverdue, "Overdue: ₹1,18,000.00 — INV/2026-27/000123 (Acme Cloud)"),
            (
                .finalWarning,
                "Final notice: service will be suspended on 29 Dec 2026 — ₹1,18,000.00 overdue (Acme Cloud)"
            ),
            (.serviceSuspended, "Service suspended: ₹1,18,000.00 overdue (Acme Cloud)"),
            (.serviceRestored, "Service restored (Acme Cloud)"),
            (.creditNoteIssued, "Credit note CN/2026-27/000004: ₹1,18,000.00 against INV/2026-27/000123 (Acme Cloud)"),
            (.walletLow, "Wallet balance low: ₹450.00 left (Acme Cloud)"),
            (.debitNoteIssued, "Debit note INV/2026-27/000123: ₹1,18,000.00 due on 15 Dec 2026 (Acme Cloud)"),
            (.disputeOpened, "Dispute received: ₹59,000.00 on INV/2026-27/000123 (Acme Cloud)"),
            (.disputeUpdated, "Reply to your dispute on INV/2026-27/000123 (Acme Cloud)"),
            (
                .disputeResolved,
                "Dispute on INV/2026-27/000123 resolved: credit note CN/2026-27/000004 for ₹1,18,000.00 (Acme Cloud)"
            ),
            (.disputeRejected, "Dispute on INV/2026-27/000123 rejected (Acme Cloud)"),
        ])
    func subjects(template: MailTemplate, subject: String) throws {
        #expect(try Self.templates.render(template, Self.full).subject == subject)
    }

    @Test("Money prints with lakh grouping and dates as Billfold prints them, in both parts")
    func moneyAndDates() throws {
        let mail = try Self.templates.render(.invoiceIssued, Self.full)
        for part in [mail.text, mail.html] {
            #expect(part.contains("₹1,18,000.00"))
            #expect(part.contains("15 Nov 2026") && part.contains("15 Dec 2026"))
            #expect(!part.contains("118000") && !part.contains("2026-12-15"))
        }
        let wallet = try Self.templates.render(.walletLow, Self.full)
        #expect(wallet.text.contains("₹450.00 is left, below your alert level of ₹1,000.00."))
    }

    @Test("A hostile workspace or supplier name is escaped in HTML, printed as it is in text")
    func escaping() throws {
        let hostile = "<script>alert(\"pwned\")</script> & 'Sons'"
        var context = Self.full
        context.workspaceName = hostile
        context.recipientName = nil
        context.supplierName = "Acme \"Cloud\" <b>"
        context.invoices[0].number = "INV/<i>1</i>"
        for template in MailTemplate.allCases {
            let mail = try Self.templates.render(template, context)
            #expect(!mail.html.contains("<script>") && !mail.html.contains("<b>") && !mail.html.contains("<i>"))
            #expect(mail.html.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &#39;Sons&#39;"))
            #expect(mail.html.contains("Acme &quot;Cloud&quot; &lt;b&gt;"))
            #expect(mail.text.contains("Dear \(hostile),"))
            #expect(!mail.text.contains("&lt;") && !mail.text.contains("&amp;"))
        }
    }

    @Test(
        "A line break in a name never reaches the subject, nor adds a line to the text",
        arguments: MailTemplate.allCases)
    func subjectsOnOneLine(template: MailTemplate) throws {
        var context = Self.full
        context.supplierName = "Acme Cloud\r\nBcc: victim@example.com"
        context.invoices[0].number = "INV/1\nX-Injected: yes"
        context.creditNoteNumber = "CN/1\r\n"
        context.creditedInvoiceNumber = "INV/1\u{2028}next"
        let mail = try Self.templates.render(template, context)
        #expect(!mail.subject.contains { $0.isNewline })
        #expect(mail.subject.unicodeScalars.allSatisfy { $0.properties.generalCategory != .control })
        #expect(mail.subject.contains("(Acme Cloud Bcc: victim@example.com)"))
        #expect(!mail.text.contains("\nBcc:") && !mail.text.contains("\nX-Injected:"))
    }

    @Test("One overdue reminder lists every overdue invoice with its link, and the total overdue")
    func severalOverdueInvoices() throws {
        var context = Self.minimal
        context.invoices = [Self.invoice, Self.secondInvoice]
        context.daysOverdue = 12
        context.suspendsOn = Self.date("2026-12-29")
        let mail = try Self.templates.render(.reminderOverdue, context)
        #expect(mail.subject == "Overdue: ₹1,77,000.00 — 2 invoices (Acme Cloud)")
        for part in [mail.text, mail.html] {
            for line in [Self.invoice, Self.secondInvoice] {
                #expect(part.contains(line.number) && part.contains(line.link))
            }
            #expect(part.contains("₹1,77,000.00 is overdue, 12 days past its due date."))
            #expect(part.contains("₹59,000.00") && part.contains("₹70,800.00"))
            #expect(part.contains("29 Dec 2026"))
            #expect(part.contains(Self.portal + "/invoices?status=overdue"))
        }
        #expect(mail.text.contains("\nTotal overdue: ₹1,77,000.00\n"))
        #expect(mail.html.contains(#"<th scope="col""#) && mail.html.contains(#"<th scope="row""#))
        #expect(mail.html.contains("Total overdue</th>"))
        #expect(mail.html.contains("See and pay your overdue invoices in the billing portal</a>"))
    }

    @Test("A reminder before the due date totals what is due and names the first due date")
    func severalDueInvoices() throws {
        var context = Self.minimal
        context.invoices = [Self.invoice, Self.secondInvoice]
        let mail = try Self.templates.render(.reminderBeforeDue, context)
        #expect(mail.subject == "Reminder: ₹1,77,000.00 due on 05 Dec 2026 — 2 invoices (Acme Cloud)")
        #expect(mail.text.contains("₹1,77,000.00 on 2 invoices is due soon, the first on 05 Dec 2026."))
        #expect(mail.text.contains("\nTotal due: ₹1,77,000.00\n"))
        #expect(mail.html.contains("Total due</th>"))
    }

    @Test(
        "Each mail's links are in both parts",
        arguments: [
            (MailTemplate.invoiceIssued, [invoice.link]),
            (.paymentReceived, [invoice.link]),
            (.paymentFailed, [invoice.link]),
            (.preDebitNotice, [invoice.link, portal + "/profile"]),
            (.reminderBeforeDue, [invoice.link]),
            (.reminderOnDue, [invoice.link]),
            (.reminderOverdue, [invoice.link]),
            (.finalWarning, [invoice.link]),
            (.serviceSuspended, [invoice.link]),
            (.serviceRestored, [portal + "/invoices"]),
            (.creditNoteIssued, [portal + "/invoices/inv_0000000204", invoice.link]),
            (.walletLow, [portal + "/wallet"]),
            (.debitNoteIssued, [invoice.link]),
            (.disputeOpened, [disputeLink]),
            (.disputeUpdated, [disputeLink]),
            (.disputeResolved, [disputeLink, portal + "/invoices/inv_0000000204"]),
            (.disputeRejected, [disputeLink, invoice.link]),
        ])
    func links(template: MailTemplate, links: [String]) throws {
        let mail = try Self.templates.render(template, Self.full)
        for link in links {
            #expect(mail.text.contains(link))
            #expect(mail.html.contains("href=\"\(link)\""))
        }
    }

    @Test("The final warning and the suspension say how much is overdue, the suspension date and where to pay")
    func suspension() throws {
        let warning = try Self.templates.render(.finalWarning, Self.full)
        let suspended = try Self.templates.render(.serviceSuspended, Self.full)
        for part in [warning.text, warning.html] {
            #expect(part.contains("₹1,18,000.00 is overdue, 7 days past its due date."))
            #expect(part.contains("your service will be suspended on 29 Dec 2026."))
            #expect(part.contains("Pay invoice INV/2026-27/000123 in the billing portal"))
        }
        for part in [suspended.text, suspended.html] {
            #expect(part.contains("was suspended on 29 Dec 2026 because ₹1,18,000.00 is overdue"))
            #expect(part.contains("restored immediately once payment is received"))
        }
        let restored = try Self.templates.render(.serviceRestored, Self.full)
        #expect(restored.text.contains("Thank you for your payment of ₹1,18,000.00."))
        #expect(restored.text.contains("is restored, effective immediately."))
    }

    @Test("The pre-debit notice names the merchant, amount, date, reference and mandate, and how to stop the debit")
    func preDebitNotice() throws {
        let mail = try Self.templates.render(.preDebitNotice, Self.full)
        for line in [
            "Merchant: Acme Cloud", "Amount: ₹1,18,000.00", "Debit on or after: 16 Dec 2026",
            "For: invoice INV/2026-27/000123", "Reference: pay_R7xk2LmQ", "Mandate: mdt_0000000042",
        ] {
            #expect(mail.text.contains("\n\(line)\n"))
        }
        #expect(mail.text.contains("turn auto-pay off in your billing profile"))
        #expect(mail.text.contains("a paid invoice is not debited"))
        #expect(mail.html.contains(#"<th scope="row" style="text-align:left;padding:4px 16px 4px 0;">Amount</th>"#))
        #expect(mail.html.contains("Turn auto-pay off in your billing profile</a>"))
    }

    @Test("The invoice and receipt mails say their PDF is attached; the credit note says what it credits and why")
    func documents() throws {
        #expect(try Self.templates.render(.invoiceIssued, Self.full).text.contains("The invoice is attached as a PDF."))
        #expect(
            try Self.templates.render(.paymentReceived, Self.full).text.contains("The receipt is attached as a PDF."))
        let credit = try Self.templates.render(.creditNoteIssued, Self.full)
        for part in [credit.text, credit.html] {
            #expect(
                part.contains(
                    "has issued credit note CN/2026-27/000004 to Kaveri Analytics Private Limited for ₹1,18,000.00, "
                        + "against invoice INV/2026-27/000123."))
            #expect(part.contains("Reason: Seats reduced from 10 to 8"))
        }
    }

    @Test("The debit note's mail says what it charges against which invoice, by when, and where to pay it")
    func debitNote() throws {
        var context = Self.full
        context.invoices = [
            MailInvoiceLine(
                number: "DN/2026-27/000002", issueDate: Self.date("2026-12-05"), dueDate: Self.date("2026-12-20"),
                total: Self.rupees(590_000), amountDue: Self.rupees(590_000),
                link: Self.portal + "/invoices/inv_0000000301")
        ]
        let mail = try Self.templates.render(.debitNoteIssued, context)
        #expect(mail.subject == "Debit note DN/2026-27/000002: ₹5,900.00 due on 20 Dec 2026 (Acme Cloud)")
        for part in [mail.text, mail.html] {
            #expect(
                part.contains(
                    "has issued debit note DN/2026-27/000002 to Kaveri Analytics Private Limited, dated 05 Dec 2026, "
                        + "for ₹5,900.00, against invoice INV/2026-27/000100."))
            #expect(part.contains("Reason: Usage of October billed short"))
            #expect(part.contains("Please pay ₹5,900.00 by 20 Dec 2026."))
            #expect(part.contains("The debit note is attached as a PDF."))
            #expect(part.contains("Pay debit note DN/2026-27/000002 in the billing portal"))
        }
        #expect(mail.text.contains("in the billing portal:\n\(Self.portal)/invoices/inv_0000000301\n"))
        #expect(mail.html.contains("href=\"\(Self.portal)/invoices/inv_0000000301\""))
    }

    @Test("The dispute mails acknowledge it, tell of its course in the operator's words and close it")
    func disputes() throws {
        let opened = try Self.templates.render(.disputeOpened, Self.full)
        for part in [opened.text, opened.html] {
            #expect(
                part.contains(
                    "Acme Cloud has received Kaveri Analytics Private Limited's dispute of invoice "
                        + "INV/2026-27/000123: Usage is wrong."))
            #expect(part.contains("Amount disputed: ₹59,000.00"))
            #expect(part.contains("no reminder asks for the amount disputed"))
        }

        var context = Self.full
        let updates: [(MailContext.DisputeUpdate, String, String)] = [
            (.underReview, "Dispute on INV/2026-27/000123 under review", "for review"),
            (.reply, "Reply to your dispute on INV/2026-27/000123", "We found the double count and will credit it"),
            (
                .withdrawn, "Dispute on INV/2026-27/000123 withdrawn",
                "₹1,18,000.00 is due on invoice INV/2026-27/000123."
            ),
        ]
        for (update, subject, words) in updates {
            context.disputeUpdate = update
            let mail = try Self.templates.render(.disputeUpdated, context)
            #expect(mail.subject == subject + " (Acme Cloud)")
            #expect(mail.text.contains(words) && mail.html.contains(words), "\(update)")
        }
        context.disputeUpdate = .underReview
        #expect(
            !(try Self.templates.render(.disputeUpdated, context).text.contains("double count")),
            "only a reply quotes the operator")

        let resolved = try Self.templates.render(.disputeResolved, Self.full)
        for part in [resolved.text, resolved.html] {
            #expect(part.contains("Resolution: We found the double count and will credit it"))
            #expect(part.contains("Credit note CN/2026-27/000004 is issued for ₹1,18,000.00"))
            #expect(part.contains("₹1,18,000.00 is still due on invoice INV/2026-27/000123."))
        }

        let rejected = try Self.templates.render(.disputeRejected, Self.full)
        for part in [rejected.text, rejected.html] {
            #expect(part.contains("found the invoice correct as issued"))
            #expect(part.contains("Why: We found the double count and will credit it"))
            #expect(part.contains("Pay invoice INV/2026-27/000123 in the billing portal"))
        }
    }

    @Test("A dispute's page is built on the portal's dispute route; without one the mails link the list")
    func disputeURLs() throws {
        #expect(
            MailContext.disputeURL(portalURL: Self.portal + "/", disputeID: DisputeID(rawValue: "dsp_1"))
                == Self.portal + "/disputes/dsp_1")
        #expect(
            PublicAddress(Self.portal.replacingOccurrences(of: "/portal", with: "")).disputePage(
                DisputeID(rawValue: "dsp_1")) == Self.portal + "/disputes/dsp_1")
        let mail = try Self.templates.render(.disputeOpened, Self.minimal)
        #expect(mail.text.contains(Self.portal + "/disputes\n"))
        var context = Self.full
        context.disputeLink = "javascript:alert(1)"
        let error = #expect(throws: MailTemplates.RenderError.self) {
            try Self.templates.render(.disputeOpened, context)
        }
        #expect(error?.field == "disputeLink")
    }

    @Test("A link that is not http or https is refused, naming the field")
    func unsafeLinks() {
        var context = Self.full
        context.invoices[0].link = "javascript:alert(1)"
        #expect(throws: MailTemplates.RenderError.self) { try Self.templates.render(.invoiceIssued, context) }
        do {
            _ = try Self.templates.render(.invoiceIssued, context)
        } catch {
            #expect(error.field == "invoices[0].link")
        }
        context = Self.full
        context.portalURL = "billing.acme.example/portal"
        #expect(throws: MailTemplates.RenderError.self) { try Self.templates.render(.walletLow, context) }
    }

    @Test("The portal's base URL may end in a slash; invoice links are built on the portal's invoice route")
    func portalURLs() throws {
        var context = Self.minimal
        context.portalURL = Self.portal + "/"
        let mail = try Self.templates.render(.walletLow, context)
        #expect(mail.text.contains(Self.portal + "/wallet\n"))
        #expect(
            MailContext.invoiceURL(portalURL: Self.portal + "/", invoiceID: InvoiceID(rawValue: "inv_1"))
                == Self.portal + "/invoices/inv_1")
    }

    @Test("A template folder with a file missing, or printing a value unescaped into HTML, does not load")
    func loadErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mail-templates-\(UUID())")
        try FileManager.default.copyItem(at: MailTemplates.bundledDirectory, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try MailTemplates(directory: folder)

        let walletHTML = folder.appendingPathComponent("wallet_low.html.mustache")
        let original = try Data(contentsOf: walletHTML)
        try FileManager.default.removeItem(at: walletHTML)
        #expect(
            throws: MailTemplates.LoadError(file: "wallet_low.html.mustache", message: "is missing from \(folder.path)")
        ) {
            try MailTemplates(directory: folder)
        }

        try (String(decoding: original, as: UTF8.self) + "<p>{{{workspaceName}}}</p>").write(
            to: walletHTML, atomically: true, encoding: .utf8)
        let error = #expect(throws: MailTemplates.LoadError.self) { try MailTemplates(directory: folder) }
        #expect(error?.file == "wallet_low.html.mustache")
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}
