/// `body` run on every one of `items`, at most `limit` at once, each started as soon as a slot frees; the results
/// come in the order the calls finished. The first error thrown cancels the calls still running and is rethrown.
func concurrently<Item: Sendable, Result: Sendable>(
    _ items: [Item], atMost limit: Int, _ body: @escaping @Sendable (Item) async throws -> Result
) async throws -> [Result] {
    try await withThrowingTaskGroup(of: Result.self) { group in
        var results: [Result] = []
        results.reserveCapacity(items.count)
        var pending = items[...]
        for _ in 0..<max(1, limit) {
            guard let item = pending.popFirst() else { break }
            group.addTask { try await body(item) }
        }
        while let result = try await group.next() {
            results.append(result)
            if let item = pending.popFirst() {
                group.addTask { try await body(item) }
            }
        }
        return results
    }
}
