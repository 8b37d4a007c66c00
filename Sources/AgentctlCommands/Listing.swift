import Client
import Foundation

/// A cursor-paginated listing as a command reads it: one page, or every page (`--all`).
struct Listing {
    var items: [[String: Any]] = []
    /// The cursor of the page after the last one read; nil when none is left.
    var next: String?

    /// Reads `path` (which may carry a query) from `cursor` on: one page, or all of them.
    static func read(_ client: AgentClient, _ path: String, from cursor: String? = nil, all: Bool) async throws -> Listing {
        var listing = Listing(next: cursor)
        let separator = path.contains("?") ? "&" : "?"
        repeat {
            let page = try await client.call(.GET, path + (listing.next.map { "\(separator)cursor=\(segment($0))" } ?? "")).json ?? [:]
            listing.items += page["items"] as? [[String: Any]] ?? []
            listing.next = page["next_cursor"] as? String
        } while all && listing.next != nil
        return listing
    }

    /// What `--output json` prints: the items, and `next_cursor` when more are left.
    var json: [String: Any] {
        var body: [String: Any] = ["items": items]
        if let next { body["next_cursor"] = next }
        return body
    }
}
