import Core
import GRDB

/// Keyset pagination, the one way a listing reads a page (`PageRequest` in, `Page` out): rows
/// ordered by one unique key column; a page is the `limit` rows past the previous page's last
/// key, read with one row more so that a full page knows whether another follows. No OFFSET:
/// a page costs the same however deep it is, and rows inserted meanwhile never shift it.
///
/// A listing adds its own filters; the query adds the key's bound, the order and the limit.
///
/// ```swift
/// var query = KeysetQuery("SELECT * FROM team", key: .text("id"))
/// if scope.reach == .org { query.filter(" AND org_id = ?", [scope.orgID.rawValue]) }
/// return try query.page(page, db, cursor: \.id.rawValue) { try Self.team(from: $0, db) }
/// ```
struct KeysetQuery: Sendable {
    /// The column a listing is ordered by, and how its cursor reads.
    enum Key {
        /// Prefixed IDs (`org_…`), ordered as text; a cursor is an ID.
        case text(String)
        /// Sequence or version numbers; a cursor that is not a number is `StorageError.invalidCursor`.
        case integer(String)
    }

    enum Order { case ascending, descending }

    private let select: String
    private let key: Key
    private let order: Order
    private var filters = ""
    private var arguments: [DatabaseValue] = []

    /// `select`: `SELECT … FROM …` (joins included), without `WHERE`.
    init(_ select: String, key: Key, order: Order = .ascending) {
        self.select = select
        self.key = key
        self.order = order
    }

    /// Adds a condition. `sql` starts with ` AND `, as Storage's clause builders return them
    /// (`TeamVisibility.clause`, `DefinitionRows.visibility`).
    mutating func filter(_ sql: String, _ arguments: [any DatabaseValueConvertible] = []) {
        filters += sql
        self.arguments += arguments.map(\.databaseValue)
    }

    /// The page `request` asks for, each row made an item by `transform`; `cursor` gives an
    /// item's key as the next page's `after`.
    func page<Item>(_ request: PageRequest, _ db: Database, cursor: (Item) -> String,
                    _ transform: (Row) throws -> Item) throws -> Page<Item> {
        let (sql, arguments) = try statement(request)
        let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        return try request.page(of: rows, cursor: cursor, transform)
    }

    /// The SQL and arguments for `request`: exposed so tests can read what runs.
    func statement(_ request: PageRequest) throws -> (String, [DatabaseValue]) {
        let column: String
        var bound: DatabaseValue?
        switch key {
        case .text(let name):
            column = name
            bound = request.after?.databaseValue
        case .integer(let name):
            column = name
            if let after = request.after {
                guard let number = Int64(after) else { throw StorageError.invalidCursor }
                bound = number.databaseValue
            }
        }
        let direction = order == .ascending ? ">" : "<"
        var sql = select + " WHERE " + (bound == nil ? "1" : "\(column) \(direction) ?") + filters
        sql += " ORDER BY \(column) \(order == .ascending ? "ASC" : "DESC") LIMIT ?"
        return (sql, (bound.map { [$0] } ?? []) + arguments + [request.fetchLimit.databaseValue])
    }
}

extension PageRequest {
    /// Rows a page reads: one more than it shows, to learn whether another page follows.
    var fetchLimit: Int { limit + 1 }

    /// The page of `fetched` (read in order, at most `fetchLimit`): its first `limit` items,
    /// and the `cursor` of the last of them when more were read.
    func page<Item>(of fetched: [Item], cursor: (Item) -> String) -> Page<Item> {
        page(of: fetched, cursor: cursor) { $0 }
    }

    /// The same, making items of the first `limit` rows only (`transform` may read more).
    func page<Fetched, Item>(of fetched: [Fetched], cursor: (Item) -> String,
                             _ transform: (Fetched) throws -> Item) rethrows -> Page<Item> {
        let shown = try fetched.prefix(limit).map(transform)
        return Page(items: shown, nextAfter: fetched.count > limit ? shown.last.map(cursor) : nil)
    }
}
