import Core
import Foundation
import GRDB

/// One thing in an org that someone should notice, newest first in the feed.
public struct ActivityItem: Sendable, Hashable {
    public typealias Kind = ActivityKind

    public let at: Instant
    public let kind: Kind
    /// Unique within `kind`; with `at`, where a page ends.
    public let key: String
    public let teamID: TeamID?
    public let executionID: String?
    public let workflow: String?
    /// Failures: the execution's error (`{node, error: {kind, message}}`).
    public let error: JSONValue?
    /// Budget alerts: the budget, the threshold crossed and the spend when it was.
    public let budget: String?
    public let threshold: Int?
    public let spentMicros: Int64?
    public let limitMicros: Int64?
    /// Pending approvals: the request and its message.
    public var approvalID: String? = nil
    public var message: String? = nil

    /// Where a page that ends with this item goes on from.
    public var cursor: String { "\(at.millisecondsSinceEpoch)~\(kind.rawValue)~\(key)" }
}

/// The activity feed (`GET /api/v1/activity`, `agentctl activity`): budget alerts and failed
/// executions of the caller's org, as far as the caller may see them. Each kind is read on its
/// own and the two are merged: failures through a partial index bounded on both sides by the
/// window and the cursor, so a page costs the same however many executions ran; alerts from
/// their own small table (at most four per budget and period).
public struct ActivityFeed: Sendable {
    let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    /// Items at or after `since`, newest first, older than `page.after` (an item's `cursor`).
    /// Kinds the caller may not read (`ActivityAuthority`: budget alerts need `costs.view`) are
    /// left out; the execution that crossed an org budget is named only to those who may see it.
    public func list(in scope: Scope, kinds: Set<ActivityItem.Kind>, since: Instant, page: PageRequest) async throws -> Page<ActivityItem> {
        let position = try page.after.map(Self.position(of:))
        let wanted = ActivityAuthority.readable(kinds, caller: scope)
        let items = try await database.read { db in
            var items: [ActivityItem] = []
            if wanted.contains(.budgetAlert) { items += try Self.budgetAlerts(scope, since: since, before: position, limit: page.fetchLimit, db) }
            if wanted.contains(.executionFailed) { items += try Self.failures(scope, since: since, before: position, limit: page.fetchLimit, db) }
            if wanted.contains(.approvalPending) { items += try Self.pendingApprovals(scope, since: since, before: position, limit: page.fetchLimit, db) }
            return items
        }
        return page.page(of: items.sorted { Self.order($0) > Self.order($1) }, cursor: \.cursor)
    }

    /// Newest first; at the same millisecond, by kind and key (the cursor's order).
    static func order(_ item: ActivityItem) -> Position {
        Position(at: item.at.millisecondsSinceEpoch, tiebreak: "\(item.kind.rawValue)~\(item.key)")
    }

    struct Position: Comparable {
        let at: Int64
        let tiebreak: String
        static func < (a: Position, b: Position) -> Bool { (a.at, a.tiebreak) < (b.at, b.tiebreak) }
    }

    static func position(of cursor: String) throws -> Position {
        let parts = cursor.split(separator: "~", maxSplits: 1)
        guard parts.count == 2, let at = Int64(parts[0]) else { throw StorageError.invalidCursor }
        return Position(at: at, tiebreak: String(parts[1]))
    }

    /// SQL keeping `column`'s rows to the teams the caller sees, with its arguments.
    static func teams(_ scope: Scope, column: String) -> (String, [any DatabaseValueConvertible]) {
        let visibility = TeamVisibility(scope)
        return (visibility.clause(column), visibility.arguments)
    }

    /// Rows strictly older than `position` in the feed's order, given this kind's tiebreak. The
    /// plain `at <= ?` bounds the index range: the OR alone would leave it open above.
    static func before(_ position: Position?, kind: ActivityItem.Kind, at: String, key: String) -> (String, [any DatabaseValueConvertible]) {
        guard let position else { return ("", []) }
        return (" AND \(at) <= ? AND (\(at) < ? OR ? || \(key) < ?)",
                [position.at, position.at, kind.rawValue + "~", position.tiebreak])
    }

    static func budgetAlerts(_ scope: Scope, since: Instant, before position: Position?, limit: Int, _ db: Database) throws -> [ActivityItem] {
        let key = "a.budget_id || '~' || a.period_start || '~' || a.threshold"
        // The org's budget is everyone's in the org, but the execution that crossed it may be
        // of a team the caller is not in: its ID is shown only to those who may see it.
        let (shown, shownArguments) = teams(scope, column: "e.team_id")
        var sql = """
            SELECT a.at, a.threshold, a.spent_micros, \(key) AS item_key, b.team_id, team.name AS team_name,
                   coalesce(a.limit_micros, b.limit_micros) AS limit_micros,
                   CASE WHEN e.id IS NOT NULL\(shown) THEN e.id END AS execution_id
            FROM budget_alert a JOIN budget b ON b.id = a.budget_id LEFT JOIN team ON team.id = b.team_id
            LEFT JOIN execution e ON e.id = a.execution_id
            WHERE b.org_id = ? AND a.at >= ?
            """
        var arguments: [any DatabaseValueConvertible] = shownArguments + [scope.orgID.rawValue, since.millisecondsSinceEpoch]
        for (clause, values) in [teams(scope, column: "b.team_id"), before(position, kind: .budgetAlert, at: "a.at", key: key)] {
            sql += clause
            arguments += values
        }
        sql += " ORDER BY a.at DESC, item_key DESC LIMIT ?"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments + [limit])).map { row in
            let team: String? = row["team_name"]
            return ActivityItem(at: Instant(millisecondsSinceEpoch: row["at"]), kind: .budgetAlert, key: row["item_key"],
                                teamID: (row["team_id"] as String?).flatMap(TeamID.init), executionID: row["execution_id"], workflow: nil,
                                error: nil, budget: team.map { "team \($0)" } ?? "org", threshold: row["threshold"],
                                spentMicros: row["spent_micros"], limitMicros: row["limit_micros"])
        }
    }

    /// Requests waiting for people, through the `approval_pending` partial index (few rows:
    /// only those not yet decided).
    static func pendingApprovals(_ scope: Scope, since: Instant, before position: Position?, limit: Int, _ db: Database) throws -> [ActivityItem] {
        var sql = "SELECT id, team_id, execution_id, workflow_name, message, created_at FROM approval WHERE org_id = ? AND status = 'pending' AND created_at >= ?"
        var arguments: [any DatabaseValueConvertible] = [scope.orgID.rawValue, since.millisecondsSinceEpoch]
        for (clause, values) in [teams(scope, column: "team_id"), before(position, kind: .approvalPending, at: "created_at", key: "id")] {
            sql += clause
            arguments += values
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments + [limit])).map { row in
            var item = ActivityItem(at: Instant(millisecondsSinceEpoch: row["created_at"]), kind: .approvalPending, key: row["id"],
                                    teamID: (row["team_id"] as String?).flatMap(TeamID.init), executionID: row["execution_id"],
                                    workflow: row["workflow_name"], error: nil, budget: nil, threshold: nil, spentMicros: nil, limitMicros: nil)
            item.approvalID = row["id"]
            item.message = row["message"]
            return item
        }
    }

    static func failures(_ scope: Scope, since: Instant, before position: Position?, limit: Int, _ db: Database) throws -> [ActivityItem] {
        let (sql, arguments) = failuresQuery(scope, since: since, before: position, limit: limit)
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            ActivityItem(at: Instant(millisecondsSinceEpoch: row["finished_at"]), kind: .executionFailed, key: row["id"],
                         teamID: (row["team_id"] as String?).flatMap(TeamID.init), executionID: row["id"], workflow: row["workflow_name"],
                         error: (row["error"] as String?).flatMap { try? DefinitionRows.document($0) }, budget: nil, threshold: nil,
                         spentMicros: nil, limitMicros: nil)
        }
    }

    /// The org's failed executions, newest first: one range search of the partial index
    /// `execution_failed`, which holds failed executions only, in the order asked for.
    static func failuresQuery(_ scope: Scope, since: Instant, before position: Position?, limit: Int) -> (String, StatementArguments) {
        var sql = """
            SELECT id, team_id, workflow_name, error, finished_at FROM execution INDEXED BY execution_failed
            WHERE org_id = ? AND status = 'failed' AND finished_at >= ?
            """
        var arguments: [any DatabaseValueConvertible] = [scope.orgID.rawValue, since.millisecondsSinceEpoch]
        for (clause, values) in [teams(scope, column: "team_id"), before(position, kind: .executionFailed, at: "finished_at", key: "id")] {
            sql += clause
            arguments += values
        }
        return (sql + " ORDER BY finished_at DESC, id DESC LIMIT ?", StatementArguments(arguments + [limit]))
    }
}
