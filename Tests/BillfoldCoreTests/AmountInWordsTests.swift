import BillfoldCore
import Testing

private let rupeeCases: [(paise: Int64, words: String)] = [
    (11_800_050, "Rupees One Lakh Eighteen Thousand and Fifty Paise Only"),
    (11_800_000, "Rupees One Lakh Eighteen Thousand Only"),
    (50, "Rupees Zero and Fifty Paise Only"),
    (0, "Rupees Zero Only"),
    (100, "Rupees One Only"),
    (2105, "Rupees Twenty-One and Five Paise Only"),
    (1, "Rupees Zero and One Paise Only"),
    (1000, "Rupees Ten Only"),
    (1100, "Rupees Eleven Only"),
    (1900, "Rupees Nineteen Only"),
    (2000, "Rupees Twenty Only"),
    (9900, "Rupees Ninety-Nine Only"),
    (10_000, "Rupees One Hundred Only"),
    (10_100, "Rupees One Hundred One Only"),
    (11_000, "Rupees One Hundred Ten Only"),
    (123_400, "Rupees One Thousand Two Hundred Thirty-Four Only"),
    (100_100, "Rupees One Thousand One Only"),
    (10_000_000, "Rupees One Lakh Only"),
    (100_000_000, "Rupees Ten Lakh Only"),
    (123_456_700, "Rupees Twelve Lakh Thirty-Four Thousand Five Hundred Sixty-Seven Only"),
    (1_000_000_000, "Rupees One Crore Only"),
    (1_234_567_800, "Rupees One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight Only"),
    (1_000_000_100, "Rupees One Crore One Only"),
    (
        99_999_999_999,
        "Rupees Ninety-Nine Crore Ninety-Nine Lakh Ninety-Nine Thousand Nine Hundred Ninety-Nine "
            + "and Ninety-Nine Paise Only"
    ),
    (120_000_000_000, "Rupees One Hundred Twenty Crore Only"),
    (100_000_000_000_000, "Rupees One Lakh Crore Only"),
    (
        Int64.max,
        "Rupees Nine Hundred Twenty-Two Crore Thirty-Three Lakh Seventy-Two Thousand Thirty-Six Crore "
            + "Eighty-Five Lakh Forty-Seven Thousand Seven Hundred Fifty-Eight and Seven Paise Only"
    ),
    (-11_800_050, "Minus Rupees One Lakh Eighteen Thousand and Fifty Paise Only"),
    (-50, "Minus Rupees Zero and Fifty Paise Only"),
    (
        Int64.min,
        "Minus Rupees Nine Hundred Twenty-Two Crore Thirty-Three Lakh Seventy-Two Thousand Thirty-Six Crore "
            + "Eighty-Five Lakh Forty-Seven Thousand Seven Hundred Fifty-Eight and Eight Paise Only"
    ),
]

private let otherCurrencyCases: [(money: Money, words: String)] = [
    (
        Money(minorUnits: 120_000_005, currency: .usd),
        "US Dollars One Million Two Hundred Thousand and Five Cents Only"
    ),
    (Money(minorUnits: 123_450, currency: .eur), "Euros One Thousand Two Hundred Thirty-Four and Fifty Cents Only"),
    (Money(minorUnits: 10_000_000, currency: .usd), "US Dollars One Hundred Thousand Only"),
    (Money(minorUnits: 100_000_000_000, currency: .usd), "US Dollars One Billion Only"),
    (Money(minorUnits: 0, currency: .eur), "Euros Zero Only"),
    (
        Money(minorUnits: 1_200_000_034_500, currency: .usd),
        "US Dollars Twelve Billion Three Hundred Forty-Five Only"
    ),
    (Money(minorUnits: 700_000_000_000_000, currency: .eur), "Euros Seven Trillion Only"),
    (
        Money(minorUnits: Int64.max, currency: .usd),
        "US Dollars Ninety-Two Quadrillion Two Hundred Thirty-Three Trillion Seven Hundred Twenty Billion "
            + "Three Hundred Sixty-Eight Million Five Hundred Forty-Seven Thousand Seven Hundred Fifty-Eight "
            + "and Seven Cents Only"
    ),
    (Money(minorUnits: -250, currency: .usd), "Minus US Dollars Two and Fifty Cents Only"),
]

struct AmountInWordsTests {
    @Test(
        "Rupees in the Indian system",
        arguments: rupeeCases
    )
    func rupees(paise: Int64, words: String) {
        #expect(AmountInWords.words(for: Money(minorUnits: paise, currency: .inr)) == words)
    }

    @Test(
        "Other currencies in the international system",
        arguments: otherCurrencyCases
    )
    func otherCurrencies(money: Money, words: String) {
        #expect(AmountInWords.words(for: money) == words)
    }
}
