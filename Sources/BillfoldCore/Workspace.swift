import Foundation

/// A postal address as printed on an invoice.
public struct Address: Hashable, Sendable, Codable {
    public var line1: String
    public var line2: String?
    public var city: String
    /// The GST state code for an address in India; `nil` abroad.
    public var stateCode: String?
    public var pin: String
    /// ISO 3166-1 alpha-2, upper case: `IN`.
    public var country: String

    public init(line1: String, line2: String? = nil, city: String, stateCode: String?, pin: String, country: String) {
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.stateCode = stateCode
        self.pin = pin
        self.country = country
    }

    public var isInIndia: Bool { self.country == "IN" }

    /// The address's state when it is in India and its code is known.
    public var state: StateCode? { self.stateCode.flatMap(StateCode.init(code:)) }
}

/// How a workspace pays: after the period (`postpaid`) or from a wallet topped up in advance (`prepaid`).
public enum BillingMode: String, Sendable, Codable, CaseIterable {
    case postpaid
    case prepaid
}

/// Whether a workspace may use the platform; it moves with dunning.
public enum ServiceState: String, Sendable, Codable, CaseIterable {
    case active
    case grace
    case suspended
}

/// The billed customer and its billing profile.
public struct Workspace: Hashable, Sendable, Identifiable {
    public typealias ID = WorkspaceID

    public let id: ID
    public var name: String
    public var legalName: String
    public var email: String
    public var gstin: GSTIN?
    public var address: Address
    public var billingMode: BillingMode
    public var paymentTermsDays: Int
    public var autoPay: Bool
    public var serviceState: ServiceState
    public var currency: Currency
    public let createdAt: Date

    public init(
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
        createdAt: Date
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
        self.currency = currency
        self.createdAt = createdAt
    }

    /// Where the supply is made for GST, from the GSTIN or the address.
    public var placeOfSupply: StateCode? {
        PlaceOfSupply.determine(
            customerGSTIN: self.gstin, addressStateCode: self.address.state, country: self.address.country)
    }

    /// The workspace as the recipient block of a document, frozen when the document is finalized.
    public var partySnapshot: PartySnapshot {
        PartySnapshot(
            name: self.name, legalName: self.legalName, email: self.email, gstin: self.gstin?.value,
            address: self.address)
    }
}

/// A supplier or recipient as it stood when a document was finalized.
public struct PartySnapshot: Hashable, Sendable, Codable {
    public var name: String
    public var legalName: String
    public var email: String
    public var gstin: String?
    public var address: Address
    /// The supplier's Letter of Undertaking (its ARN) when the document was finalized; `nil` for a recipient, and
    /// on documents finalized before the supplier had one.
    public var letterOfUndertaking: String?

    public init(
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
public struct Supplier: Hashable, Sendable {
    public var name: String
    public var legalName: String
    public var email: String
    public var gstin: GSTIN
    public var address: Address
    /// The Letter of Undertaking reference printed on zero-rated exports.
    public var letterOfUndertaking: String?

    public init(
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
    public var state: StateCode { self.gstin.stateCode }

    public var partySnapshot: PartySnapshot {
        PartySnapshot(
            name: self.name, legalName: self.legalName, email: self.email, gstin: self.gstin.value,
            address: self.address, letterOfUndertaking: self.letterOfUndertaking)
    }
}
