import BillfoldStore
import Hummingbird

/// `GET /health`: 200 when the database answers, 503 when it does not.
struct HealthController {
    let database: Database

    func addRoutes(to router: Router<BillfoldRequestContext>) {
        router.get("health") { _, _ -> Response in
            struct Health: Encodable {
                let status: String
                let database: String
            }
            let reachable = await self.database.isReachable()
            return try JSONCoding.response(
                Health(status: reachable ? "ok" : "unavailable", database: self.database.kind.rawValue),
                status: reachable ? .ok : .serviceUnavailable)
        }
    }
}
