import BillfoldStore
import Hummingbird

/// The request context of every route: who is calling, once authenticated.
public struct BillfoldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The operator key that authenticated this request, if any.
    public var apiKey: APIKey?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.apiKey = nil
    }

    /// Who the audit log names for what this request does: `api_key:key_…`.
    var actor: String { self.apiKey.map { "api_key:\($0.id.rawValue)" } ?? "api" }

    /// Bodies above 1 MiB are refused before they are read.
    public var maxUploadSize: Int { 1 << 20 }
}
