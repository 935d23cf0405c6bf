import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// Correcting issued invoices: credit notes (`/invoices/{id}/credit_notes`), whole or line by line, and debit notes
/// (`/invoices/{id}/debit_notes`) for what was undercharged.
struct CorrectionsController {
    let database: Database
    let clock: BillingClock
    let payments: PaymentService
    let corrections: CorrectionService

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
        group.post("invoices/:id/credit_notes", use: self.credit)
        group.post("invoices/:id/debit_notes", use: self.debit)
    }

    /// One line of the invoice to credit or debit: by `amount` of its taxable value, or by `quantity` of its units.
    struct LineBody: Decodable {
        /// The line's position on the invoice, from 0.
        var position: Int?
        /// Minor units of taxable value.
        var amount: Int64?
        /// A decimal string of the line's units, such as `"2.5"`, priced at the line's unit price.
        var quantity: String?
    }

    struct CreditBody: Decodable {
        var reason: String?
        /// For a full reversal (no `lines`): `gateway` (the default) or `wallet`.
        var refundTo: String?
        /// The lines credited; without them the invoice is reversed in full and its payments refunded.
        var lines: [LineBody]?
        /// `false` issues a commercial credit note, which changes no GST.
        var adjustsGST: Bool?
        /// `amount_due`, `refund`, `wallet` or `credit_balance`.
        var destination: String?

        private enum CodingKeys: String, CodingKey {
            case reason, refundTo, lines, destination
            case adjustsGST = "adjustsGst"
        }
    }

    /// Credits an invoice. With `lines`, a credit note for them, its value sent where `destination` says; without,
    /// the full reversal of a paid invoice: a credit note for its whole value and its payments refunded.
    @Sendable func credit(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let body = try await JSONCoding.decode(CreditBody.self, from: request, context: context)
        let reason = try Validate.text(body.reason, param: "reason", maximumLength: 200)
        let today = self.clock.today
        guard let lines = body.lines else {
            if body.adjustsGST != nil || body.destination != nil {
                throw APIError.invalid(
                    body.adjustsGST != nil ? "adjusts_gst" : "destination",
                    "adjusts_gst and destination go with lines; a full reversal (no lines) takes refund_to")
            }
            let destination: Refund.Destination =
                try body.refundTo.map { try Validate.enumeration($0, param: "refund_to") } ?? .gateway
            let (credited, creditNote, refunds) = try await self.payments.creditAndRefund(
                invoice.id, reason: reason, to: destination, actor: context.actor)
            return try JSONCoding.response(
                PaymentsController.CorrectionResponse(
                    invoice: InvoiceResponse(credited, today: today),
                    creditNote: InvoiceResponse(creditNote, today: today),
                    refunds: refunds.map(InvoiceResponse.RefundResponse.init)),
                status: .created)
        }
        guard body.refundTo == nil else {
            throw APIError.invalid(
                "refund_to", "refund_to is for a full reversal; with lines, say where the credit goes with destination")
        }
        let credit = try Self.creditRequest(
            lines: lines, reason: reason, adjustsGST: body.adjustsGST, destination: body.destination,
            currency: invoice.currency)
        let outcome = try await self.corrections.issueCreditNote(against: invoice.id, credit, actor: context.actor)
        return try JSONCoding.response(
            PaymentsController.CorrectionResponse(
                invoice: InvoiceResponse(outcome.invoice, today: today),
                creditNote: InvoiceResponse(outcome.creditNote, today: today),
                refunds: outcome.refunds.map(InvoiceResponse.RefundResponse.init)),
            status: .created)
    }

    struct DebitBody: Decodable {
        var reason: String?
        var lines: [LineBody]?
    }

    struct DebitResponse: Encodable {
        let object = "invoice_correction"
        let invoice: InvoiceResponse
        let debitNote: InvoiceResponse

        private enum CodingKeys: String, CodingKey {
            case object, invoice, debitNote
        }
    }

    /// Issues a debit note for what an invoice undercharged: numbered in its own series, due after the workspace's
    /// payment terms and paid like an invoice.
    @Sendable func debit(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let invoice = try await InvoicesController.invoice(in: context, from: self.database)
        let body = try await JSONCoding.decode(DebitBody.self, from: request, context: context)
        let reason = try Validate.text(body.reason, param: "reason", maximumLength: 200)
        guard let lines = body.lines else { throw APIError.missing("lines") }
        let adjustments = try Self.adjustments(lines, currency: invoice.currency)
        let (corrected, debitNote) = try await self.corrections.issueDebitNote(
            against: invoice.id, adjustments: adjustments, reason: reason, actor: context.actor)
        let today = self.clock.today
        return try JSONCoding.response(
            DebitResponse(
                invoice: InvoiceResponse(corrected, today: today), debitNote: InvoiceResponse(debitNote, today: today)),
            status: .created)
    }

    /// A partial credit as the engine takes it; `param` prefixes the fields named in errors (`credit_note.` when
    /// the request nests it).
    static func creditRequest(
        lines: [LineBody], reason: String, adjustsGST: Bool?, destination: String?, currency: Currency,
        param prefix: String = ""
    ) throws -> CorrectionService.CreditRequest {
        CorrectionService.CreditRequest(
            adjustments: try self.adjustments(lines, currency: currency, param: prefix + "lines"), reason: reason,
            adjustsGST: adjustsGST ?? true,
            destination: try destination.map {
                try Validate.enumeration($0, param: prefix + "destination") as Correction.Destination
            })
    }

    /// Each line named by its position, with either an amount or a quantity.
    static func adjustments(
        _ lines: [LineBody], currency: Currency, param: String = "lines"
    ) throws -> [LineAdjustment] {
        guard lines.count <= 1_000 else { throw APIError.invalid(param, "\(param) may name at most 1000 lines") }
        return try lines.enumerated().map { index, line in
            let field = "\(param)[\(index)]"
            guard let position = line.position else { throw APIError.missing("\(field).position") }
            guard position >= 0 else {
                throw APIError.invalid("\(field).position", "position is the line's place on the invoice, from 0")
            }
            switch (line.amount, line.quantity) {
            case (let amount?, nil):
                let minorUnits = try Validate.amount(amount, param: "\(field).amount")
                return LineAdjustment(
                    position: position, measure: .amount(Money(minorUnits: minorUnits, currency: currency)))
            case (nil, let quantity?):
                return LineAdjustment(
                    position: position, measure: .quantity(try Validate.decimal(quantity, param: "\(field).quantity")))
            default:
                throw APIError.invalid(
                    field,
                    "give each line either an amount (minor units) or a quantity (a decimal string), not both or neither"
                )
            }
        }
    }
}
