import BillfoldCore
import BillfoldEngine
import Foundation
import Hummingbird

/// `serve --test-clock` only: `GET /test_clock` reads the server's clock and `POST /test_clock/advance` moves it
/// forward, running billing, the payment jobs, dunning and mail at each day passed.
struct TestClockController {
    let clock: TestClock
    let timeZone: TimeZone

    func addRoutes(to api: RouterGroup<BillfoldRequestContext>) {
        api.get("test_clock", use: self.get)
        api.post("test_clock/advance", use: self.advance)
    }

    struct ClockResponse: Encodable {
        let object = "test_clock"
        let now: String
        let today: String
        let timeZone: String
        /// The instants the background work ran at during the advance; absent on a read.
        let steps: Int?
    }

    struct AdvanceBody: Decodable {
        let to: String?
    }

    @Sendable func get(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        try JSONCoding.response(self.response(at: await self.clock.now, steps: nil))
    }

    @Sendable func advance(_ request: Request, context: BillfoldRequestContext) async throws -> Response {
        let body = try await JSONCoding.decode(AdvanceBody.self, from: request, context: context)
        guard let text = body.to else { throw APIError.missing("to") }
        guard let target = ISO8601Instant.parse(text) else {
            throw APIError.invalid("to", "to must be an ISO 8601 time with a zone, such as 2027-01-15T10:00:00+05:30")
        }
        let advance = try await self.clock.advance(to: target)
        return try JSONCoding.response(self.response(at: advance.to, steps: advance.steps))
    }

    private func response(at now: Date, steps: Int?) -> ClockResponse {
        ClockResponse(
            now: Timestamp.string(now), today: CalendarDate(now, in: self.timeZone).description,
            timeZone: self.timeZone.identifier, steps: steps)
    }
}
