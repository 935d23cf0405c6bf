import Testing

@testable import BillfoldPayments
