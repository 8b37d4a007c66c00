/// One page of a listing ordered by ID. `nextAfter` is the last ID of this page when more rows
/// follow, and nil on the last page.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextAfter: String?

    public init(items: [Item], nextAfter: String?) {
        self.items = items
        self.nextAfter = nextAfter
    }
}

/// Which page to read: at most `limit` rows with an ID greater than `after`.
public struct PageRequest: Sendable, Hashable {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public let limit: Int
    public let after: String?

    public init(limit: Int = PageRequest.defaultLimit, after: String? = nil) {
        self.limit = min(max(1, limit), PageRequest.maximumLimit)
        self.after = after
    }
}
