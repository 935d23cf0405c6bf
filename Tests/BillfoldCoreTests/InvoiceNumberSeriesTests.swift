import BillfoldCore
import Testing

private func date(_ text: String) -> CalendarDate {
    CalendarDate(iso8601: text)!
}

struct InvoiceNumberSeriesTests {
    @Test(
        "The financial year runs from 1 April to 31 March",
        arguments: [
            ("2026-03-31", 2025, "25-26", "2025-26"),
            ("2026-04-01", 2026, "26-27", "2026-27"),
            ("2026-01-01", 2025, "25-26", "2025-26"),
            ("2026-12-31", 2026, "26-27", "2026-27"),
            ("2027-03-31", 2026, "26-27", "2026-27"),
            ("2000-03-15", 1999, "99-00", "1999-00"),
            ("2009-04-01", 2009, "09-10", "2009-10"),
        ]
    )
    func financialYear(day: String, startYear: Int, shortLabel: String, description: String) {
        let year = FinancialYear(containing: date(day))
        #expect(year == FinancialYear(startYear: startYear))
        #expect(year.startYear == startYear)
        #expect(year.shortLabel == shortLabel)
        #expect(year.description == description)
    }

    @Test("A financial year's first and last days belong to it and their neighbours do not")
    func financialYearBounds() {
        let year = FinancialYear(startYear: 2023)
        #expect(year.firstDay == date("2023-04-01"))
        #expect(year.lastDay == date("2024-03-31"))
        #expect(FinancialYear(containing: year.firstDay) == year)
        #expect(FinancialYear(containing: year.lastDay) == year)
        #expect(FinancialYear(containing: year.firstDay.adding(days: -1)) == FinancialYear(startYear: 2022))
        #expect(FinancialYear(containing: year.lastDay.adding(days: 1)) == FinancialYear(startYear: 2024))
        #expect(FinancialYear(startYear: 2025) < FinancialYear(startYear: 2026))
    }

    @Test("Each kind of document has its own default prefix")
    func defaultPrefixes() throws {
        #expect(DocumentKind.allCases.map(\.defaultNumberPrefix) == ["INV", "RCT", "CN", "DN"])
        #expect(DocumentKind.creditNote.rawValue == "credit_note")
        for kind in DocumentKind.allCases {
            #expect(try InvoiceNumberSeries(prefix: kind.defaultNumberPrefix).prefix == kind.defaultNumberPrefix)
        }
    }

    @Test(
        "Numbers are PREFIX/YY-YY/NNNNNN",
        arguments: [
            ("INV", 42, 2026, "INV/26-27/000042"),
            ("CN", 3, 2026, "CN/26-27/000003"),
            ("RCT", 1, 2025, "RCT/25-26/000001"),
            ("B2B", 7, 2026, "B2B/26-27/000007"),
            ("INV", 999_999, 2026, "INV/26-27/999999"),
            ("CN", 1_000_000, 2026, "CN/26-27/1000000"),
            ("A", 12_345_678, 2026, "A/26-27/12345678"),
            ("INV", 1, 2009, "INV/09-10/000001"),
        ]
    )
    func number(prefix: String, sequence: Int, startYear: Int, expected: String) throws {
        let number = try InvoiceNumberSeries(prefix: prefix).number(
            sequence: sequence, in: FinancialYear(startYear: startYear))
        #expect(number == expected)
        #expect(number.count <= InvoiceNumberSeries.maximumNumberLength)
        #expect(InvoiceNumberSeries.isValidNumber(number))
    }

    @Test(
        "A sequence below 1 or a number over 16 characters is refused",
        arguments: [
            ("INV", 0, "A document sequence starts at 1; 0 is not a valid sequence"),
            ("INV", -5, "A document sequence starts at 1; -5 is not a valid sequence"),
            (
                "INV", 1_000_000,
                "Document number INV/26-27/1000000 would have 17 characters but GST allows 16; "
                    + "use a shorter prefix than INV"
            ),
            (
                "A", 123_456_789,
                "Document number A/26-27/123456789 would have 17 characters but GST allows 16; "
                    + "use a shorter prefix than A"
            ),
        ]
    )
    func numberRefused(prefix: String, sequence: Int, message: String) throws {
        let series = try InvoiceNumberSeries(prefix: prefix)
        let error = #expect(throws: InvoiceNumberError.self) {
            try series.number(sequence: sequence, in: FinancialYear(startYear: 2026))
        }
        #expect(error?.message == message)
        #expect(error?.description == message)
    }

    @Test(
        "A prefix is 1 to 3 upper-case letters and digits, starting with a letter",
        arguments: [
            ("I", true), ("IN", true), ("INV", true), ("C1", true), ("Z99", true),
            ("", false), ("INVC", false), ("inv", false), ("Inv", false), ("1NV", false), ("0", false),
            ("I-V", false), ("I/V", false), ("/", false), ("-CN", false), ("I V", false), ("\u{00C9}N", false),
        ]
    )
    func prefixValidation(prefix: String, isValid: Bool) {
        #expect(((try? InvoiceNumberSeries(prefix: prefix)) != nil) == isValid)
    }

    @Test(
        "Prefix errors say what to change",
        arguments: [
            ("INVC", "The number prefix \"INVC\" has 4 characters; use 1 to 3, like INV"),
            ("", "The number prefix \"\" has 0 characters; use 1 to 3, like INV"),
            ("inv", "The number prefix \"inv\" may contain only upper-case letters A-Z and digits 0-9"),
            ("1NV", "The number prefix \"1NV\" must start with a letter; e-invoicing refuses numbers starting with 0"),
        ]
    )
    func prefixMessages(prefix: String, message: String) {
        let error = #expect(throws: InvoiceNumberError.self) { try InvoiceNumberSeries(prefix: prefix) }
        #expect(error?.message == message)
    }

    @Test(
        "A valid GST document number",
        arguments: [
            ("INV/26-27/000042", true), ("A", true), ("CN-12", true), ("1234567890ABCDEF", true),
            ("9", true), ("", false), ("0INV", false), ("/INV", false), ("-INV", false),
            ("1234567890ABCDEFG", false), ("inv/26-27/1", false), ("INV 26", false), ("INV_26", false),
            ("INV\\26", false), ("\u{00C9}NV", false), ("INV/26-27/00004\u{0662}", false),
        ]
    )
    func validNumbers(number: String, isValid: Bool) {
        #expect(InvoiceNumberSeries.isValidNumber(number) == isValid)
    }
}
