import Core
import Foundation
import GRDB

/// A search someone keeps under a name (`agentctl search … --save NAME`).
public struct SavedSearch: Sendable, Hashable {
    public let name: String
    public let query: String
    public let createdAt: Instant
    public let updatedAt: Instant
}

/// A workflow, agent or execution as a person's list shows it (favourites, recent items).
public struct ListedItem: Sendable, Hashable {
    public let kind: SearchQuery.Kind
    public let id: String
    /// The workflow's or agent's name; an execution's workflow.
    public let name: String
    /// Executions: their status.
    public let status: String?
    public let teamID: TeamID?
    /// When it was added (favourites) or last opened (recent items).
    public let at: Instant
}

/// Each person's saved searches, favourites and recent items in an org (migration 52). The
/// owner is the person (`Caller.owner`): no one reads or changes another's lists. Favourites
/// and recent items are read back through the caller's visibility, joined in SQL: something
/// the caller may no longer see is left out, not shown as a name.
public struct PersonalLists: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public static let maximumSavedSearches = 100
    public static let maximumFavorites = 500
    public static let keptRecentItems = 50

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    // MARK: Saved searches

    public func savedSearches(in scope: Scope, owner: String) async throws -> [SavedSearch] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT name, query, created_at, updated_at FROM saved_search WHERE org_id = ? AND owner = ? ORDER BY name",
                             arguments: [scope.orgID.rawValue, owner]).map(Self.savedSearch)
        }
    }

    public func savedSearch(_ name: String, in scope: Scope, owner: String) async throws -> SavedSearch {
        let found = try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT name, query, created_at, updated_at FROM saved_search WHERE org_id = ? AND owner = ? AND name = ?",
                             arguments: [scope.orgID.rawValue, owner, name]).map(Self.savedSearch)
        }
        guard let found else { throw StorageError.notFound(.savedSearch, id: name) }
        return found
    }

    /// Keeps `query` (already parsed, so it is a valid search) under `name`, replacing one of that name.
    public func save(_ name: String, query: String, in scope: Scope, owner: String, context: ChangeContext) async throws -> SavedSearch {
        let org = scope.orgID.rawValue, now = context.now.millisecondsSinceEpoch
        return try await database.writer.submit { db in
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM saved_search WHERE org_id = ? AND owner = ? AND name != ?",
                                         arguments: [org, owner, name]) ?? 0
            guard count < Self.maximumSavedSearches else {
                throw StorageError.quotaExceeded(resource: "saved searches", limit: Self.maximumSavedSearches, used: count)
            }
            try db.execute(sql: """
                INSERT INTO saved_search (org_id, owner, name, query, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, owner, name) DO UPDATE SET query = excluded.query, updated_at = excluded.updated_at
                """, arguments: [org, owner, name, query, now, now])
            try audit.append(Self.event(.searchSaved, .savedSearch, name, context, ["query": query]), in: db)
            return try Row.fetchOne(db, sql: "SELECT name, query, created_at, updated_at FROM saved_search WHERE org_id = ? AND owner = ? AND name = ?",
                                    arguments: [org, owner, name]).map(Self.savedSearch)!
        }
    }

    public func forgetSearch(_ name: String, in scope: Scope, owner: String, context: ChangeContext) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "DELETE FROM saved_search WHERE org_id = ? AND owner = ? AND name = ?", arguments: [scope.orgID.rawValue, owner, name])
            guard db.changesCount > 0 else { throw StorageError.notFound(.savedSearch, id: name) }
            try audit.append(Self.event(.searchForgotten, .savedSearch, name, context), in: db)
        }
    }

    static func savedSearch(_ row: Row) -> SavedSearch {
        SavedSearch(name: row["name"], query: row["query"], createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                    updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }

    // MARK: Favourites

    public func favorites(in scope: Scope, owner: String) async throws -> [ListedItem] {
        try await database.read { db in try Self.visible(table: "favorite", at: "created_at", order: "f.created_at DESC", scope: scope, owner: owner, db) }
    }

    /// Adds what `kind`/`key` names (a workflow's or agent's name, an execution's ID), if the
    /// caller may see it: otherwise it is not found, as everywhere.
    public func favorite(_ kind: SearchQuery.Kind, _ key: String, in scope: Scope, owner: String, context: ChangeContext) async throws -> ListedItem {
        let org = scope.orgID.rawValue, now = context.now.millisecondsSinceEpoch
        return try await database.writer.submit { db in
            guard let item = try Self.resolve(kind, key, scope: scope, db) else { throw StorageError.notFound(kind.resourceType, id: key) }
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM favorite WHERE org_id = ? AND owner = ?", arguments: [org, owner]) ?? 0
            guard count < Self.maximumFavorites else {
                throw StorageError.quotaExceeded(resource: "favourites", limit: Self.maximumFavorites, used: count)
            }
            try db.execute(sql: "INSERT OR IGNORE INTO favorite (org_id, owner, ref_id, kind, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [org, owner, item.id, kind.rawValue, now])
            try audit.append(Self.event(.favoriteAdded, kind.resourceType, item.id, context), in: db)
            return ListedItem(kind: kind, id: item.id, name: item.name, status: item.status, teamID: item.teamID, at: context.now)
        }
    }

    public func unfavorite(_ kind: SearchQuery.Kind, _ key: String, in scope: Scope, owner: String, context: ChangeContext) async throws {
        let org = scope.orgID.rawValue
        try await database.writer.submit { db in
            // By name or ID, visible or not: a favourite of something gone can still be removed.
            let id = try Self.resolve(kind, key, scope: scope, db)?.id ?? key
            try db.execute(sql: "DELETE FROM favorite WHERE org_id = ? AND owner = ? AND ref_id = ?", arguments: [org, owner, id])
            guard db.changesCount > 0 else { throw StorageError.notFound(kind.resourceType, id: key) }
            try audit.append(Self.event(.favoriteRemoved, kind.resourceType, id, context), in: db)
        }
    }

    // MARK: Recent items

    public func recent(in scope: Scope, owner: String, limit: Int = 20) async throws -> [ListedItem] {
        try await database.read { db in
            Array(try Self.visible(table: "recent_item", at: "at", order: "f.at DESC", scope: scope, owner: owner, db).prefix(limit))
        }
    }

    /// Notes that the caller opened `id` (a workflow, agent or execution it may see: the route
    /// that showed it checked). Not audited: reading is not a change, and the audit log would
    /// hold every page view.
    public func opened(_ kind: SearchQuery.Kind, id: String, in scope: Scope, owner: String, at now: Instant) async throws {
        let org = scope.orgID.rawValue
        try await database.writer.submit { db in
            try db.execute(sql: """
                INSERT INTO recent_item (org_id, owner, ref_id, kind, at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (org_id, owner, ref_id) DO UPDATE SET at = max(at, excluded.at)
                """, arguments: [org, owner, id, kind.rawValue, now.millisecondsSinceEpoch])
            try db.execute(sql: """
                DELETE FROM recent_item WHERE org_id = ? AND owner = ? AND at < (
                    SELECT at FROM recent_item WHERE org_id = ? AND owner = ? ORDER BY at DESC LIMIT 1 OFFSET ?)
                """, arguments: [org, owner, org, owner, Self.keptRecentItems - 1])
        }
    }

    static func event(_ action: AuditAction, _ type: ResourceType, _ id: String, _ context: ChangeContext, _ details: [String: String] = [:]) -> AuditEntry {
        AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor, action: action,
                   targetType: type.rawValue, targetID: id, requestID: context.requestID, details: details)
    }

    // MARK: Visibility

    /// The row behind a favourite or recent item, as the caller may see it, joined in SQL.
    static let item = """
        SELECT f.kind, f.ref_id, f.%AT% AS at, coalesce(w.name, a.name, e.workflow_name) AS name, e.status,
               coalesce(w.team_id, a.team_id, e.team_id) AS team_id
        FROM %TABLE% f
        LEFT JOIN workflow w ON w.id = f.ref_id AND f.kind = 'workflow'
        LEFT JOIN agent a ON a.id = f.ref_id AND f.kind = 'agent'
        LEFT JOIN execution e ON e.id = f.ref_id AND f.kind = 'execution'
        WHERE f.org_id = ? AND f.owner = ? AND coalesce(w.org_id, a.org_id, e.org_id) = ?
        """

    static func visible(table: String, at: String, order: String, scope: Scope, owner: String, _ db: Database) throws -> [ListedItem] {
        let kinds = SearchIndex.readable([], caller: scope)
        guard !kinds.isEmpty else { return [] }
        let visibility = TeamVisibility(scope)
        let sql = item.replacingOccurrences(of: "%TABLE%", with: table).replacingOccurrences(of: "%AT%", with: at)
            + visibility.clause("coalesce(w.team_id, a.team_id, e.team_id)")
            + " AND f.kind IN (\(kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", "))) ORDER BY \(order)"
        let org = scope.orgID.rawValue
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments([org, owner, org] + visibility.arguments)).compactMap { row in
            guard let kind = SearchQuery.Kind(rawValue: row["kind"]) else { return nil }
            return ListedItem(kind: kind, id: row["ref_id"], name: row["name"], status: row["status"],
                              teamID: (row["team_id"] as String?).flatMap(TeamID.init), at: Instant(millisecondsSinceEpoch: row["at"]))
        }
    }

    /// What `key` names, if the caller may see it.
    static func resolve(_ kind: SearchQuery.Kind, _ key: String, scope: Scope, _ db: Database) throws -> (id: String, name: String, status: String?, teamID: TeamID?)? {
        guard SearchIndex.readable([kind], caller: scope).contains(kind) else { return nil }
        let visibility = TeamVisibility(scope)
        let sql: String
        switch kind {
        case .workflow: sql = "SELECT id, name, NULL AS status, team_id FROM workflow WHERE org_id = ? AND (name = ? OR id = ?)"
        case .agent: sql = "SELECT id, name, NULL AS status, team_id FROM agent WHERE org_id = ? AND (name = ? OR id = ?)"
        case .execution: sql = "SELECT id, workflow_name AS name, status, team_id FROM execution WHERE org_id = ? AND (id = ? OR id = ?)"
        case .comment: return nil
        }
        let row = try Row.fetchOne(db, sql: sql + visibility.clause("team_id"),
                                   arguments: StatementArguments([scope.orgID.rawValue, key, key] + visibility.arguments))
        return row.map { ($0["id"], $0["name"], $0["status"], ($0["team_id"] as String?).flatMap(TeamID.init)) }
    }
}

extension SearchQuery.Kind {
    /// The audit's and problems' name for the kind.
    public var resourceType: ResourceType {
        switch self {
        case .workflow: .workflow
        case .agent: .agent
        case .execution: .execution
        case .comment: .comment
        }
    }
}
