// How documents print amounts and tax rates; dates, prices and addresses print as BillfoldCore says.
import BillfoldCore

/// Printing rules shared by the layouts; money and words come from BillfoldCore.
struct DocumentFormat {
    /// `₹` when the fonts can print it, `INR` otherwise.
    let moneyStyle: MoneyFormatStyle

    func money(_ amount: Money) -> String {
        amount.formatted(self.moneyStyle)
    }

    /// A rate in basis points as a percentage: `9%`, `2.5%`, `0.25%`.
    func percentage(basisPoints: Int) -> String {
        GSTCalculator.percentage(basisPoints: basisPoints)
    }
}
