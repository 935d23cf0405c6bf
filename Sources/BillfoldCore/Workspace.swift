import Foundation

/// A postal address as printed on an invoice.
package struct Address: Hashable, Sendable, Codable {
    package var line1: String
    package var line2: String?
    package var city: String
    /// The GST state code for an address in India; `nil` abroad.
    package var stateCode: String?
    package var pin: String
    /// ISO 3166-1 alpha-2, upper case: `IN`.
    package var country: String

    package init(line1: String, line2: String? = nil, city: String, stateCode: String?, pin: String, country: String) {
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.stateCode = stateCode
        self.pin = pin
        self.country = country
    }

    package var isInIndia: Bool { self.country == "IN" }

    /// The address's state when it is in India and its code is known.
    package var state: StateCode? { self.stateCode.flatMap(StateCode.init(code:)) }
}

/// How a workspace pays: after the period (`postpaid`) or from a wallet topped up in advance (`prepaid`).
package enum BillingMode: String, Sendable, Codable, CaseIterable {
    case postpaid
    case prepaid
}

/// Who put a workspace in its service state.
package enum ServiceStateSetter: String, Sendable, Codable, CaseIterable {
    /// The dunning job, which moves the workspace again as its overdue balance changes.
    case dunning
    /// An operator, whose choice stands until an operator changes it.
    case `operator`
}

/// The billed customer and its billing profile.
package struct Workspace: Hashable, Sendable, Identifiable {
    package typealias ID = WorkspaceID

    package let id: ID
    package var name: String
    package var legalName: String
    package var email: String
    package var gstin: GSTIN?
    package var address: Address
    package var billingMode: BillingMode
    package var paymentTermsDays: Int
    package var autoPay: Bool
    package var serviceState: ServiceState
    /// When the workspace entered its service state.
    package var serviceStateSince: Date
    /// Who put it there: dunning moves a state it set by itself, and leaves one an operator set.
    package var serviceStateSetBy: ServiceStateSetter
    package var currency: Currency
    /// More addresses for billing mail, besides `email` and the workspace's owners and admins.
    package var billingEmails: [String]
    /// Below this wallet balance a prepaid workspace is told its wallet is running low; `nil`: never.
    package var walletLowBalance: Money?
    /// Whether the supplier's dunning policy applies, one of the workspace's own, or none.
    package var dunning: WorkspaceDunning
    package let createdAt: Date

    package init(
        id: ID,
        name: String,
        legalName: String,
        email: String,
        gstin: GSTIN?,
        address: Address,
        billingMode: BillingMode,
        paymentTermsDays: Int,
        autoPay: Bool,
        serviceState: ServiceState,
        currency: Currency,
        createdAt: Date,
        serviceStateSince: Date? = nil,
        serviceStateSetBy: ServiceStateSetter = .dunning,
        billingEmails: [String] = [],
        walletLowBalance: Money? = nil,
        dunning: WorkspaceDunning = .standard
    ) {
        self.id = id
        self.name = name
        self.legalName = legalName
        self.email = email
        self.gstin = gstin
        self.address = address
        self.billingMode = billingMode
        self.paymentTermsDays = paymentTermsDays
        self.autoPay = autoPay
        self.serviceState = serviceState
        self.serviceStateSince = serviceStateSince ?? createdAt
        self.serviceStateSetBy = serviceStateSetBy
        self.currency = currency
        self.createdAt = createdAt
        self.billingEmails = billingEmails
        self.walletLowBalance = walletLowBalance
        self.dunning = dunning
    }

    /// Where the supply is made for GST, from the GSTIN or the address.
    package var placeOfSupply: StateCode? {
        PlaceOfSupply.determine(
            customerGSTIN: self.gstin, addressStateCode: self.address.state, country: self.address.country)
    }

    /// The workspace as the recipient block of a document, frozen when the document is finalized.
    package var partySnapshot: PartySnapshot {
        PartySnapshot(
            name: self.name, legalName: self.legalName, email: self.email, gstin: self.gstin?.value,
            address: self.address)
    }
}

/// A supplier or recipient as it stood when a document was finalized.
package struct PartySnapshot: Hashable, Sendable, Codable {
    package var name: String
    package var legalName: String
    package var email: String
    package var gstin: String?
    package var address: Address
    /// The supplier's Letter of Undertaking (its ARN) when the document was finalized; `nil` for a recipient, and
    /// on documents finalized before the supplier had one.
    package var letterOfUndertaking: String?

    package init(
        name: String, legalName: String, email: String, gstin: String?, address: Address,
        letterOfUndertaking: String? = nil
    ) {
        self.name = name
        self.legalName = legalName
        self.email = email
        self.gstin = gstin
        self.address = address
        self.letterOfUndertaking = letterOfUndertaking
    }
}

/// The platform that issues the invoices: its registration decides intra- or inter-state supply.
package struct Supplier: Hashable, Sendable {
    package var name: String
    package var legalName: String
    package var email: String
    package var gstin: GSTIN
    package var address: Address
    /// The Letter of Undertaking reference printed on zero-rated exports.
    package var letterOfUndertaking: String?

    package init(
        name: String, legalName: String, email: String, gstin: GSTIN, address: Address,
        letterOfUndertaking: String?
    ) {
        self.name = name
        self.legalName = legalName
        self.email = email
        self.gstin = gstin
        self.address = address
        self.letterOfUndertaking = letterOfUndertaking
    }

    /// The supplier's state: the first two digits of its GSTIN.
    package var state: StateCode { self.gstin.stateCode }

    package var partySnapshot: PartySnapshot {
        PartySnapshot(
            name: self.name, legalName: self.legalName, email: self.email, gstin: self.gstin.value,
            address: self.address, letterOfUndertaking: self.letterOfUndertaking)
    }
}
