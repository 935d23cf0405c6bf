import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/workspaces`: create, read and update workspaces and their billing profiles.
struct WorkspacesController {
    let database: Database
    let clock: BillingClock
    let workspaces: WorkspaceService
    let dunning: DunningService

    /// `billing` holds the routes a workspace's owners and admins may call too, for their own workspace.
    func addRoutes(to group: RouterGroup<BillfoldRequestContext>, billing: RouterGroup<BillfoldRequestContext>) {
        group.post("workspaces", use: self.create)
        group.get("workspaces", use: self.list)
        billing.get("workspaces/:id", use: self.get)
        group.patch("workspaces/:id", use: self.update)
    }

    struct AddressBody: Decodable {
        var line1: String?
        var line2: String?
        var city: String?
        var stateCode: String?
        /// Not stored: read from `state_code`. Taken only when it names that state, so an address read from the
        /// API can be sent back as it is.
        var stateName: String?
        var pin: String?
        var country: String?
    }

    struct CreateBody: Decodable {
        var name: String?
        var legalName: String?
        var email: String?
        var gstin: String?
        var address: AddressBody?
        var billingMode: String?
        var paymentTermsDays: Int?
        var autoPay: Bool?
        var currency: String?
    }

    /// A partial update; `gstin: null` removes the GSTIN, an absent field is left as it is.
    struct UpdateBody: Decodable {
        var name: String?
        var legalName: String?
        var email: String?
        var gstin: String?
        var clearsGSTIN = false
        var address: AddressBody?
        var billingMode: String?
        var paymentTermsDays: Int?
        var autoPay: Bool?
        var serviceState: String?
        var billingEmails: [String]?
        var walletLowBalance: Int64?
        var clearsWalletLowBalance = false
        var dunning: DunningBody?

        enum CodingKeys: String, CodingKey {
            case name, legalName, email, gstin, address, billingMode, paymentTermsDays, autoPay, serviceState
            case billingEmails, walletLowBalance, dunning
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.name = try container.decodeIfPresent(String.self, forKey: .name)
            self.legalName = try container.decodeIfPresent(String.self, forKey: .legalName)
            self.email = try container.decodeIfPresent(String.self, forKey: .email)
            if container.contains(.gstin), try container.decodeNil(forKey: .gstin) {
                self.clearsGSTIN = true
            } else {
                self.gstin = try container.decodeIfPresent(String.self, forKey: .gstin)
            }
            self.address = try container.decodeIfPresent(AddressBody.self, forKey: .address)
            self.billingMode = try container.decodeIfPresent(String.self, forKey: .billingMode)
            self.paymentTermsDays = try container.decodeIfPresent(Int.self, forKey: .paymentTermsDays)
            self.autoPay = try container.decodeIfPresent(Bool.self, forKey: .autoPay)
            self.serviceState = try container.decodeIfPresent(String.self, forKey: .serviceState)
            self.billingEmails = try container.decodeIfPresent([String].self, forKey: .billingEmails)
            if container.contains(.walletLowBalance), try container.decodeNil(forKey: .walletLowBalance) {
                self.clearsWalletLowBalance = true
            } else {
                self.walletLowBalance = try container.decodeIfPresent(Int64.self, forKey: .walletLowBalance)
            }
            self.dunning = try container.decodeIfPresent(DunningBody.self, forKey: .dunning)
        }
    }

    /// `{"mode": "standard"}`, `{"mode": "excluded"}`, or `{"mode": "custom"}` with a whole policy beside it.
    struct DunningBody: Decodable {
        var mode: String?
        var reminderOffsets: [Int]?
        var graceDays: Int?
        var minimumOverdue: Int64?

        func setting() throws -> WorkspaceDunning {
            guard let text = self.mode else { throw APIError.missing("dunning.mode") }
            let mode: WorkspaceDunning.Mode = try Validate.enumeration(text, param: "dunning.mode")
            let policyFields = [self.reminderOffsets != nil, self.graceDays != nil, self.minimumOverdue != nil]
            switch mode {
            case .standard, .excluded:
                guard !policyFields.contains(true) else {
                    throw APIError.invalid(
                        "dunning.mode", "a policy's fields go with \"mode\": \"custom\" only, not with \(text)")
                }
                return mode == .standard ? .standard : .excluded
            case .custom:
                guard let offsets = self.reminderOffsets else { throw APIError.missing("dunning.reminder_offsets") }
                guard let graceDays = self.graceDays else { throw APIError.missing("dunning.grace_days") }
                guard let minimum = self.minimumOverdue else { throw APIError.missing("dunning.minimum_overdue") }
                do {
                    return .custom(
                        try DunningPolicy(
                            reminderOffsets: offsets, graceDays: graceDays,
                            minimumOverdue: Money(minorUnits: minimum, currency: .inr)))
                } catch {
                    throw APIError.invalid("dunning." + error.field, error.message)
                }
            }
        }
    }

    @Sendable func create(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(CreateBody.self, from: request, context: context)
        let name = try Validate.text(body.name, param: "name")
        let email = try Validate.email(body.email, param: "email")
        guard let addressBody = body.address else { throw APIError.missing("address") }
        let address = try Validate.address(addressBody)
        let gstin = try body.gstin.map { try Validate.gstin($0, for: address) }
        let currency = try body.currency.map { try Validate.currency($0, param: "currency") } ?? .inr
        let workspace = Workspace(
            id: .generate(), name: name,
            legalName: try body.legalName.map { try Validate.text($0, param: "legal_name") } ?? name,
            email: email, gstin: gstin, address: address,
            billingMode: try body.billingMode.map { try Validate.enumeration($0, param: "billing_mode") } ?? .postpaid,
            paymentTermsDays: try Validate.paymentTerms(body.paymentTermsDays ?? 15),
            autoPay: body.autoPay ?? false, serviceState: .active, currency: currency, createdAt: self.clock.now)
        _ = try await self.workspaces.create(workspace, actor: context.actor)
        return try JSONCoding.response(
            WorkspaceResponse(workspace, walletBalance: .zero(workspace.currency)), status: .created)
    }

    @Sendable func list(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let limit = try Validate.limit(request.uri.queryParameters.get("limit"))
        let startingAfter = try request.uri.queryParameters.get("starting_after").map {
            try Validate.identifier($0, as: WorkspaceID.self, param: "starting_after")
        }
        let store = self.database.store
        if let startingAfter, try await store.workspaces.find(startingAfter) == nil {
            throw APIError.notFound("workspace", id: startingAfter.rawValue, param: "starting_after")
        }
        let workspaces = try await store.workspaces.list(limit: limit + 1, startingAfter: startingAfter)
        var data: [WorkspaceResponse] = []
        for workspace in workspaces.prefix(limit) {
            let balance = try await store.wallet.balance(of: workspace.id, in: workspace.currency)
            data.append(
                WorkspaceResponse(
                    workspace, walletBalance: balance, suspendsAt: try await self.dunning.suspension(of: workspace)))
        }
        return try JSONCoding.response(ListResponse(data: data, hasMore: workspaces.count > limit))
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.find(context)
        let balance = try await self.database.store.wallet.balance(of: workspace.id, in: workspace.currency)
        return try JSONCoding.response(
            WorkspaceResponse(
                workspace, walletBalance: balance, suspendsAt: try await self.dunning.suspension(of: workspace)))
    }

    @Sendable func update(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(UpdateBody.self, from: request, context: context)
        let current = try await self.find(context)
        // The change names only the fields sent, so two PATCHes of different fields both land.
        let change = try Self.change(body, to: current)
        let workspace = try await self.workspaces.update(current.id, change, actor: context.actor)
        let balance = try await self.database.store.wallet.balance(of: workspace.id, in: workspace.currency)
        return try JSONCoding.response(
            WorkspaceResponse(
                workspace, walletBalance: balance, suspendsAt: try await self.dunning.suspension(of: workspace)))
    }

    /// The change `body` asks of `workspace`, each field checked; an address is completed from the workspace's.
    static func change(_ body: UpdateBody, to workspace: Workspace) throws -> WorkspaceService.Change {
        var change = WorkspaceService.Change()
        change.name = try body.name.map { try Validate.text($0, param: "name") }
        change.legalName = try body.legalName.map { try Validate.text($0, param: "legal_name") }
        change.email = try body.email.map { try Validate.email($0, param: "email") }
        change.address = try body.address.map { try Validate.address($0, over: workspace.address) }
        if body.clearsGSTIN {
            change.gstin = .remove
        } else if let gstin = body.gstin {
            change.gstin = .set(try Validate.gstin(gstin, for: change.address ?? workspace.address))
        } else {
            try WorkspaceService.checkGSTIN(of: change.applied(to: workspace))
        }
        change.billingMode = try body.billingMode.map { try Validate.enumeration($0, param: "billing_mode") }
        change.paymentTermsDays = try body.paymentTermsDays.map { try Validate.paymentTerms($0) }
        change.autoPay = body.autoPay
        change.serviceState = try body.serviceState.map { try Validate.enumeration($0, param: "service_state") }
        if let emails = body.billingEmails {
            guard emails.count <= 10 else {
                throw APIError.invalid("billing_emails", "billing_emails holds at most 10 addresses")
            }
            change.billingEmails = try emails.enumerated().map { index, email in
                try Validate.email(email, param: "billing_emails[\(index)]")
            }
        }
        if body.clearsWalletLowBalance {
            change.walletLowBalance = .some(nil)
        } else if let paise = body.walletLowBalance {
            guard paise > 0, paise <= 100_000_000_00 else {
                throw APIError.invalid(
                    "wallet_low_balance", "wallet_low_balance is an amount in paise from 1 to 10,000,000,000, or null")
            }
            change.walletLowBalance = .some(Money(minorUnits: paise, currency: workspace.currency))
        }
        change.dunning = try body.dunning?.setting()
        return change
    }

    private func find(_ context: BillfoldRequestContext) async throws -> Workspace {
        try await Self.workspace(in: context, from: self.database)
    }

    /// The workspace the route's `:id` names, or a 404; a member finds only their own.
    static func workspace(in context: BillfoldRequestContext, from database: Database) async throws -> Workspace {
        let raw = try context.parameters.require("id")
        guard let id = WorkspaceID(validating: raw), context.memberWorkspace.map({ $0 == id }) ?? true,
            let workspace = try await database.store.workspaces.find(id)
        else { throw APIError.notFound("workspace", id: raw) }
        return workspace
    }
}

/// A workspace as the API shows it.
struct WorkspaceResponse: Encodable {
    struct AddressResponse: Encodable {
        let line1: String
        let line2: String?
        let city: String
        let stateCode: String?
        let stateName: String?
        let pin: String
        let country: String

        init(_ address: Address) {
            self.line1 = address.line1
            self.line2 = address.line2
            self.city = address.city
            self.stateCode = address.stateCode
            self.stateName = address.state?.name
            self.pin = address.pin
            self.country = address.country
        }
    }

    let object = "workspace"
    let id: String
    let name: String
    let legalName: String
    let email: String
    let gstin: String?
    let address: AddressResponse
    let placeOfSupply: String?
    let billingMode: String
    let paymentTermsDays: Int
    let autoPay: Bool
    let serviceState: String
    let serviceStateSince: String
    /// In grace: when the service will be suspended unless the overdue balance is paid.
    let suspendsAt: String?
    let billingEmails: [String]
    let walletLowBalance: Int64?
    let dunning: WorkspaceDunning
    let walletBalance: Int64
    let currency: String
    let createdAt: String

    init(_ workspace: Workspace, walletBalance: Money, suspendsAt: Date? = nil) {
        self.id = workspace.id.rawValue
        self.name = workspace.name
        self.legalName = workspace.legalName
        self.email = workspace.email
        self.gstin = workspace.gstin?.value
        self.address = AddressResponse(workspace.address)
        self.placeOfSupply = workspace.placeOfSupply?.code
        self.billingMode = workspace.billingMode.rawValue
        self.paymentTermsDays = workspace.paymentTermsDays
        self.autoPay = workspace.autoPay
        self.serviceState = workspace.serviceState.rawValue
        self.serviceStateSince = Timestamp.string(workspace.serviceStateSince)
        self.suspendsAt = suspendsAt.map(Timestamp.string)
        self.billingEmails = workspace.billingEmails
        self.walletLowBalance = workspace.walletLowBalance?.minorUnits
        self.dunning = workspace.dunning
        self.walletBalance = walletBalance.minorUnits
        self.currency = workspace.currency.code
        self.createdAt = Timestamp.string(workspace.createdAt)
    }

    private enum CodingKeys: String, CodingKey {
        case object, id, name, legalName, email, gstin, address, placeOfSupply, billingMode, paymentTermsDays
        case autoPay, serviceState, serviceStateSince, suspendsAt, billingEmails, walletLowBalance, dunning
        case walletBalance, currency, createdAt
    }
}
