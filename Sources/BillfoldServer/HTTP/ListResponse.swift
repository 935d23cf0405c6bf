/// A page of a list: `{"object": "list", "data": [...], "has_more": …}`.
struct ListResponse<Item: Encodable>: Encodable {
    let object = "list"
    let data: [Item]
    let hasMore: Bool

    private enum CodingKeys: String, CodingKey {
        case object, data
        case hasMore = "has_more"
    }
}
