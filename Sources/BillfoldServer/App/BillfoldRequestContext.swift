import BillfoldCore
import Hummingbird
import NIOCore

/// Who is calling, once authenticated.
package enum Caller: Sendable {
    /// An operator API key: it sees every workspace.
    case `operator`(APIKey)
    /// A workspace member signed in to the portal: they see their own workspace only.
    case member(MemberSession, Member)
}

/// The request context of every route: who is calling, once authenticated, and from where.
package struct BillfoldRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package var caller: Caller?
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.caller = nil
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Who the audit log names for what this request does: `api_key:key_…` or `member:mem_…`.
    var actor: String {
        switch self.caller {
        case .operator(let key): "api_key:\(key.id.rawValue)"
        case .member(_, let member): "member:\(member.id.rawValue)"
        case nil: "api"
        }
    }

    /// The one workspace a member may see, or `nil` for an operator, who sees every workspace.
    var memberWorkspace: WorkspaceID? {
        if case .member(_, let member) = self.caller { member.workspaceID } else { nil }
    }

    /// Refuses, with the 404 an unknown id gets, a member asking for another workspace's `what`.
    func requireVisible(_ workspace: WorkspaceID, _ what: String, id: String, param: String = "id") throws {
        if let own = self.memberWorkspace, own != workspace { throw APIError.notFound(what, id: id, param: param) }
    }

    /// The caller's address, for per-address rate limits.
    var clientAddress: String { self.remoteAddress?.ipAddress ?? "unknown" }

    /// Bodies above 1 MiB are refused before they are read.
    package var maxUploadSize: Int { 1 << 20 }
}
