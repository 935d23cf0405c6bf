import BillfoldCore
import BillfoldEngine
import BillfoldStore
import Foundation
import Hummingbird

/// `/api/v1/webhook_endpoints` and `/api/v1/events/{id}/redeliver`.
struct WebhookEndpointsController {
    let database: Database
    let webhooks: WebhookService

    func addRoutes(to group: RouterGroup<BillfoldRequestContext>) {
    }
}
