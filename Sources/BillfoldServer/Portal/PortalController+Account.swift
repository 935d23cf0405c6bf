import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// The wallet and the billing profile.
extension PortalController {
    @Sendable func wallet(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try await self.walletPage(context: context, amount: "", error: nil, status: .ok)
    }

    private func walletPage(
        context: BillfoldRequestContext, amount: String, error: String?, status: HTTPResponse.Status
    ) async throws -> Response {
        let workspace = try await self.workspace(context)
        let store = self.database.store
        let balance = try await store.wallet.balance(of: workspace.id, in: workspace.currency)
        let entries = try await store.wallet.entries(of: workspace.id, limit: 50)
        let layout = try await self.pages.layout("Wallet", section: .wallet, context: context)
        var view = WalletView(
            layout: layout, workspace: workspace, balance: balance, entries: entries, timeZone: self.clock.timeZone,
            amount: amount, error: error, options: try await self.paymentOptions(for: workspace))
        let credit = try await store.creditBalance.balance(of: workspace.id, in: workspace.currency)
        if !credit.isZero {
            view.creditBalance = CreditBalanceView(
                balance: credit, entries: try await store.creditBalance.entries(of: workspace.id, limit: 20),
                timeZone: self.clock.timeZone)
        }
        return try self.pages.render(view, status: status)
    }

    /// Starts a top-up through the gateway and sends the browser to its checkout.
    @Sendable func topUp(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.workspace(context)
        let form = try await PortalForm.read(request)
        let text = (form["amount"] ?? "").trimmingCharacters(in: .whitespaces)
        guard workspace.billingMode == .prepaid else {
            return try await self.walletPage(
                context: context, amount: text, error: "This workspace is billed after use, so it has no wallet.",
                status: .unprocessableContent)
        }
        guard self.payments.takesOnlinePayments else {
            return try await self.walletPage(
                context: context, amount: text,
                error: "Online payment is not available here, so nothing was charged: top up by bank transfer instead.",
                status: .conflict)
        }
        guard let minorUnits = Self.minorUnits(text, currency: workspace.currency),
            minorUnits >= Invoice.minimumOnlinePayment,
            minorUnits <= 10_000_000_00
        else {
            return try await self.walletPage(
                context: context, amount: text,
                error: "Enter an amount from 1.00 to 1,00,00,000.00 \(workspace.currency.code), such as 500.00.",
                status: .unprocessableContent)
        }
        let checkout = try await self.payments.topUpThroughGateway(
            workspace.id, amount: Money(minorUnits: minorUnits, currency: workspace.currency), actor: context.actor)
        return Redirect.to(CheckoutController.pagePath(for: checkout.payment.id))
    }

    /// `"500"`, `"500.5"` or `"1,500.00"` in major units as minor units, or `nil` when it is not such a number.
    static func minorUnits(_ text: String, currency: Currency) -> Int64? {
        let plain = text.replacingOccurrences(of: ",", with: "")
        let parts = plain.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let exponent = currency.minorUnitExponent
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 12,
            whole.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        guard fraction.count <= exponent, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        fraction += String(repeating: "0", count: exponent - fraction.count)
        return Int64(whole + fraction)
    }

    // MARK: Billing profile

    @Sendable func profile(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let workspace = try await self.workspace(context)
        let layout = try await self.pages.layout("Billing profile", section: .profile, context: context)
        let saved = request.uri.queryParameters.get("saved") != nil
        return try self.pages.render(ProfileView(layout: layout, workspace: workspace, saved: saved))
    }

    @Sendable func saveProfile(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let form = try await PortalForm.read(request)
        let current = try await self.workspace(context)
        var entered = ProfileView.Fields(form)
        var errors: [ProfileView.FieldError] = []
        func check<Value>(_ field: String, _ work: () throws -> Value) -> Value? {
            do {
                return try work()
            } catch let error as APIError {
                errors.append(ProfileView.FieldError(field: field, message: error.message))
            } catch {
                errors.append(ProfileView.FieldError(field: field, message: "\(error)"))
            }
            return nil
        }
        let legalName = check("legal_name") { try Validate.text(entered.legalName, param: "legal_name") }
        let address = check("address") {
            try Validate.address(
                WorkspacesController.AddressBody(
                    line1: entered.line1, line2: entered.line2, city: entered.city,
                    stateCode: entered.stateCode.isEmpty ? nil : entered.stateCode, pin: entered.pin,
                    country: current.address.country),
                over: current.address)
        }
        entered.gstin = entered.gstin.trimmingCharacters(in: .whitespaces).uppercased()
        var gstin: GSTIN?
        if !entered.gstin.isEmpty, let address {
            gstin = check("gstin") { try Validate.gstin(entered.gstin, for: address) }
        }
        guard errors.isEmpty, let legalName, let address else {
            let layout = try await self.pages.layout("Billing profile", section: .profile, context: context)
            return try self.pages.render(
                ProfileView(layout: layout, workspace: current, fields: entered, errors: errors),
                status: .unprocessableContent)
        }
        let change = WorkspaceService.Change(
            legalName: legalName, address: address, gstin: gstin.map { .set($0) } ?? .remove,
            autoPay: form["auto_pay"] != nil)
        _ = try await self.workspaces.update(current.id, change, actor: context.actor)
        return Redirect.to("/portal/profile?saved=1")
    }
}
