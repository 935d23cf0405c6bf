import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// What `/sandbox/webhooks` has received.
package actor SandboxWebhookReceiver {
    package init() {}
}

/// `/sandbox/webhooks`: the demo's own webhook receiver.
struct SandboxWebhooksController {
    let receiver: SandboxWebhookReceiver
    let webhooks: WebhookService
    let templates: PageTemplates

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
    }
}
