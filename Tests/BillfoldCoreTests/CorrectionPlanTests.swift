import BillfoldCore
import Foundation
import Testing

private func rupees(_ paise: Int64) -> Money {
    Money(minorUnits: paise, currency: .inr)
}

private let issued = CalendarDate(year: 2026, month: 6, day: 30)!

private func line(_ description: String, quantity: Int64, unitPaise: Int64, rate: Int = 1800) -> InvoiceLine {
    InvoiceLine(
        category: .usage, resourceType: "storage", resourceName: description, description: description,
        periodStart: issued, periodEnd: issued, quantity: FixedDecimal(quantity), unit: "GB-month",
        unitPrice: rupees(unitPaise).majorUnitDecimal, amount: rupees(quantity * unitPaise), sac: "998315",
        gstRateBasisPoints: rate)
}

/// An issued invoice of `lines` taxed as `supplyType` would tax it.
private func invoice(_ lines: [InvoiceLine], supplyType: SupplyType) -> Invoice {
    let party = PartySnapshot(
        name: "Chai Labs", legalName: "Chai Labs Private Limited", email: "accounts@chailabs.example", gstin: nil,
        address: Address(line1: "12, 3rd Cross", city: "Bengaluru", stateCode: "29", pin: "560038", country: "IN"))
    let items = lines.map { TaxableItem(taxableAmount: $0.amount, rateBasisPoints: $0.gstRateBasisPoints) }
    var invoice = Invoice(
        id: InvoiceID(rawValue: "inv_plan"), kind: .invoice, number: nil, workspaceID: WorkspaceID(rawValue: "ws_plan"),
        subscriptionID: nil, originalInvoiceID: nil, lifecycle: InvoiceLifecycle(state: .draft), issueDate: nil,
        dueDate: nil, periodStart: issued, periodEnd: issued, description: "June", currency: .inr, supplier: party,
        customer: party, placeOfSupply: nil, lines: lines,
        tax: GSTCalculator.breakdown(supplyType: supplyType, items: items, currency: .inr), amountPaid: rupees(0),
        payments: [], createdAt: Date(timeIntervalSince1970: 1_780_000_000))
    try! invoice.finalize(number: "INV/26-27/000007", issueDate: issued, paymentTermsDays: 15)
    return invoice
}

/// The credit note `plan` would be, as an issued document, so later plans see it.
private func note(_ plan: (lines: [InvoiceLine], tax: TaxBreakdown), of original: Invoice) -> Invoice {
    var note = Invoice(
        id: .generate(), kind: .creditNote, number: nil, workspaceID: original.workspaceID, subscriptionID: nil,
        originalInvoiceID: original.id, lifecycle: InvoiceLifecycle(state: .draft), issueDate: nil, dueDate: nil,
        periodStart: issued, periodEnd: issued, description: "credit", currency: .inr, supplier: original.supplier,
        customer: original.customer, placeOfSupply: nil, lines: plan.lines, tax: plan.tax, amountPaid: rupees(0),
        payments: [], createdAt: Date(timeIntervalSince1970: 1_780_000_000))
    try! note.finalize(number: "CN/26-27/000001", issueDate: issued, paymentTermsDays: 0)
    return note
}

@Suite("Credit and debit notes: lines, per-rate tax under the invoice's heads, and the caps")
struct CorrectionPlanTests {
    @Test(
        "A partial credit takes its tax under the original supply's heads, rate by rate, in positive amounts",
        arguments: [
            (SupplyType.intraState, [TaxHead.cgst, .sgst]),
            (.intraUnionTerritory, [.cgst, .utgst]),
            (.interState, [.igst]),
            (.exportUnderLUT, []),
        ])
    func perRateSplit(supplyType: SupplyType, heads: [TaxHead]) throws {
        // ₹1,000 at 18% and ₹500 at 5%; credit ₹333.33 of the first and 2 units (₹100) of the second.
        let original = invoice(
            [line("ssd", quantity: 10, unitPaise: 10_000), line("backup", quantity: 10, unitPaise: 5_000, rate: 500)],
            supplyType: supplyType)
        let plan = try CorrectionPlan.creditNote(
            against: original,
            adjustments: [
                LineAdjustment(position: 0, measure: .amount(rupees(33_333))),
                LineAdjustment(position: 1, measure: .quantity(FixedDecimal(2))),
            ], earlier: CreditedSoFar(notes: []), adjustsGST: true)
        #expect(plan.lines.map(\.amount) == [rupees(33_333), rupees(10_000)])
        #expect(plan.lines.map(\.originalPosition) == [0, 1])
        #expect(plan.tax.supplyType == supplyType)
        #expect(Set(plan.tax.heads.map(\.head)) == Set(heads))
        #expect(plan.tax.heads.allSatisfy { $0.amount.isPositive })
        switch supplyType {
        case .interState:
            #expect(plan.tax.heads.map(\.amount) == [rupees(500), rupees(6_000)])
        case .intraState, .intraUnionTerritory:
            // 9% of 333.33 is 30.00 on each half; 2.5% of 100 is 2.50 on each.
            #expect(
                plan.tax.heads.map(\.amount).sorted { $0.minorUnits < $1.minorUnits } == [
                    rupees(250), rupees(250), rupees(3_000), rupees(3_000),
                ])
        case .exportUnderLUT:
            #expect(plan.tax.heads.isEmpty)
        }
    }

    @Test("Fifty small credits on one line end exactly at the line's value and tax, never a paisa over")
    func fiftySmallCredits() throws {
        for supplyType in [SupplyType.intraState, .interState] {
            // ₹999.99 at 18%: CGST and SGST 90.00 each, IGST 180.00.
            let original = invoice([line("vm", quantity: 1, unitPaise: 99_999)], supplyType: supplyType)
            var notes: [Invoice] = []
            for index in 0..<50 {
                let earlier = CreditedSoFar(notes: notes)
                let left = earlier.remaining(of: original.lines[0], at: 0).amount
                // 49 credits of ₹19.99 (each rounds its own tax up), then whatever is left.
                let amount = index == 49 ? left : rupees(1_999)
                let plan = try CorrectionPlan.creditNote(
                    against: original, adjustments: [LineAdjustment(position: 0, measure: .amount(amount))],
                    earlier: earlier, adjustsGST: true)
                notes.append(note(plan, of: original))
            }
            let credited = notes.flatMap(\.lines).map(\.amount).sum(in: .inr)
            #expect(credited == original.lines[0].amount)
            for head in original.tax.heads {
                let taken = notes.flatMap(\.tax.heads).filter { $0.head == head.head }.map(\.amount).sum(in: .inr)
                #expect(taken == head.amount, "\(head.head) credited \(taken), invoiced \(head.amount)")
            }
            #expect(notes.map(\.total).sum(in: .inr) == original.total)
            let more = #expect(throws: CorrectionError.self) {
                try CorrectionPlan.creditNote(
                    against: original, adjustments: [LineAdjustment(position: 0, measure: .amount(rupees(1)))],
                    earlier: CreditedSoFar(notes: notes), adjustsGST: true)
            }
            #expect(more?.code == .exceedsLine)
        }
    }

    @Test("Crediting by quantity prices the units at the line's rate, and the last units take what is left")
    func quantityCredits() throws {
        let original = invoice([line("pods", quantity: 3, unitPaise: 3_333)], supplyType: .interState)
        let first = try CorrectionPlan.creditNote(
            against: original, adjustments: [LineAdjustment(position: 0, measure: .quantity(FixedDecimal(1)))],
            earlier: CreditedSoFar(notes: []), adjustsGST: true)
        #expect(first.lines[0].amount == rupees(3_333))
        let notes = [note(first, of: original)]
        let tooMany = #expect(throws: CorrectionError.self) {
            try CorrectionPlan.creditNote(
                against: original, adjustments: [LineAdjustment(position: 0, measure: .quantity(FixedDecimal(3)))],
                earlier: CreditedSoFar(notes: notes), adjustsGST: true)
        }
        #expect(tooMany?.code == .exceedsLine)
        #expect(tooMany?.param == "lines[0].quantity")
        let rest = try CorrectionPlan.creditNote(
            against: original, adjustments: [LineAdjustment(position: 0, measure: .quantity(FixedDecimal(2)))],
            earlier: CreditedSoFar(notes: notes), adjustsGST: true)
        #expect(rest.lines[0].amount == rupees(6_666))
        #expect(first.tax.total + rest.tax.total == original.tax.total)
    }

    @Test("A GST credit note is refused after 30 November following the supply's financial year")
    func deadline() throws {
        // Issued 30 June 2026, in 2026-27: the last day is 30 November 2027.
        #expect(CorrectionPlan.gstDeadline(forSupplyInvoicedOn: issued) == CalendarDate(year: 2027, month: 11, day: 30))
        #expect(
            CorrectionPlan.gstDeadline(forSupplyInvoicedOn: CalendarDate(year: 2026, month: 3, day: 15)!)
                == CalendarDate(year: 2026, month: 11, day: 30))
        let original = invoice([line("ssd", quantity: 1, unitPaise: 10_000)], supplyType: .intraState)
        try CorrectionPlan.checkDeadline(
            of: original, adjustsGST: true, issueDate: CalendarDate(year: 2027, month: 11, day: 30)!)
        let late = #expect(throws: CorrectionError.self) {
            try CorrectionPlan.checkDeadline(
                of: original, adjustsGST: true, issueDate: CalendarDate(year: 2027, month: 12, day: 1)!)
        }
        #expect(late?.code == .deadlinePassed)
        #expect(late?.message.contains("30 November") == true)
        // A commercial credit note is still possible, and adjusts no GST.
        try CorrectionPlan.checkDeadline(
            of: original, adjustsGST: false, issueDate: CalendarDate(year: 2027, month: 12, day: 1)!)
        let commercial = try CorrectionPlan.creditNote(
            against: original, adjustments: [LineAdjustment(position: 0, measure: .amount(rupees(1_000)))],
            earlier: CreditedSoFar(notes: []), adjustsGST: false)
        #expect(commercial.tax.heads.isEmpty)
        #expect(commercial.tax.total == rupees(0))
    }

    @Test("Lines that are not on the invoice, named twice or asking for nothing are refused")
    func badLines() {
        let original = invoice([line("ssd", quantity: 1, unitPaise: 10_000)], supplyType: .intraState)
        let cases: [[LineAdjustment]] = [
            [],
            [LineAdjustment(position: 1, measure: .amount(rupees(1)))],
            [LineAdjustment(position: -1, measure: .amount(rupees(1)))],
            [
                LineAdjustment(position: 0, measure: .amount(rupees(1))),
                LineAdjustment(position: 0, measure: .amount(rupees(1))),
            ],
            [LineAdjustment(position: 0, measure: .amount(rupees(0)))],
            [LineAdjustment(position: 0, measure: .quantity(FixedDecimal(0)))],
            [LineAdjustment(position: 0, measure: .amount(Money(minorUnits: 100, currency: .usd)))],
        ]
        for adjustments in cases {
            let error = #expect(throws: CorrectionError.self) {
                try CorrectionPlan.creditNote(
                    against: original, adjustments: adjustments, earlier: CreditedSoFar(notes: []), adjustsGST: true)
            }
            #expect(error?.code == .invalidLine)
        }
    }

    @Test("With a negative line at a rate, credits at that rate stop at the rate's net value, and the remainder too")
    func negativeLines() throws {
        // A plan change: +₹100, −₹50 unused time, +₹70, all at 18%: ₹120 taxable, ₹21.60 tax.
        var unused = line("unused", quantity: 1, unitPaise: 5_000)
        unused.amount = rupees(-5_000)
        unused.unitPrice = rupees(-5_000).majorUnitDecimal
        let original = invoice(
            [line("new plan", quantity: 1, unitPaise: 10_000), unused, line("seats", quantity: 1, unitPaise: 7_000)],
            supplyType: .intraState)
        #expect(original.subtotal == rupees(12_000))
        let tooMuch = #expect(throws: CorrectionError.self) {
            try CorrectionPlan.creditNote(
                against: original,
                adjustments: [
                    LineAdjustment(position: 0, measure: .amount(rupees(10_000))),
                    LineAdjustment(position: 2, measure: .amount(rupees(7_000))),
                ], earlier: CreditedSoFar(notes: []), adjustsGST: true)
        }
        #expect(tooMuch?.code == .exceedsLine)
        let first = try CorrectionPlan.creditNote(
            against: original, adjustments: [LineAdjustment(position: 2, measure: .amount(rupees(1)))],
            earlier: CreditedSoFar(notes: []), adjustsGST: true)
        let notes = [note(first, of: original)]
        let rest = CorrectionPlan.remainder(of: original, after: CreditedSoFar(notes: notes))
        let last = try CorrectionPlan.creditNote(
            against: original, adjustments: rest, earlier: CreditedSoFar(notes: notes), adjustsGST: true)
        #expect(first.lines.map(\.amount).sum(in: .inr) + last.lines.map(\.amount).sum(in: .inr) == original.subtotal)
        #expect(first.tax.total + last.tax.total == original.tax.total)
    }

    @Test("A debit note past ₹1,000 crore is refused, not overflowed")
    func debitNoteTooLarge() {
        let original = invoice([line("ssd", quantity: 1, unitPaise: 8_000_000)], supplyType: .intraState)
        let error = #expect(throws: CorrectionError.self) {
            try CorrectionPlan.debitNote(
                against: original,
                adjustments: [LineAdjustment(position: 0, measure: .quantity(FixedDecimal(1_000_000_000_000)))])
        }
        #expect(error?.code == .invalidLine)
        #expect(error?.param == "lines[0]")
    }

    @Test("A debit note charges the undercharge, taxed afresh under the invoice's heads")
    func debitNote() throws {
        let original = invoice([line("ssd", quantity: 10, unitPaise: 10_000)], supplyType: .intraUnionTerritory)
        let plan = try CorrectionPlan.debitNote(
            against: original, adjustments: [LineAdjustment(position: 0, measure: .quantity(FixedDecimal(2)))])
        #expect(plan.lines[0].amount == rupees(20_000))
        #expect(plan.tax.heads.map(\.head) == [.cgst, .utgst])
        #expect(plan.tax.total == rupees(3_600))
    }
}
