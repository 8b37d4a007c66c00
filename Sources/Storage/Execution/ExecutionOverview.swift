import Core
import GRDB

/// What runs in the caller's org now and what ran in the last hour, counted over the teams the
/// caller sees (`agentctl top`, `GET /api/v1/overview`).
public struct ExecutionOverview: Sendable, Hashable {
    /// Unfinished executions by status (queued, running, waiting).
    public let now: [ExecutionStatus: Int]
    /// Executions started in the last hour, by status.
    public let lastHour: [ExecutionStatus: Int]
    /// Open jobs of the org's executions: steps ready or running, and timers.
    public let openJobs: Int
}

extension ExecutionStore {
    public func overview(in scope: Scope, now: Instant) async throws -> ExecutionOverview {
        try await database.read { db in
            let visibility = TeamVisibility(scope)
            let org = scope.orgID.rawValue
            var current: [ExecutionStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT status, count(*) AS n FROM execution WHERE org_id = ? AND status IN ('queued', 'running', 'waiting')\(visibility.clause("team_id"))
                GROUP BY status
                """, arguments: StatementArguments([org] + visibility.arguments)) {
                if let status = ExecutionStatus(rawValue: row["status"]) { current[status] = row["n"] }
            }
            var recent: [ExecutionStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT status, count(*) AS n FROM execution INDEXED BY execution_by_org_created
                WHERE org_id = ? AND created_at >= ?\(visibility.clause("team_id")) GROUP BY status
                """, arguments: StatementArguments([org, now.millisecondsSinceEpoch - Milliseconds.hour] + visibility.arguments)) {
                if let status = ExecutionStatus(rawValue: row["status"]) { recent[status] = row["n"] }
            }
            let jobs = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM job j JOIN execution e ON e.id = j.execution_id
                WHERE j.status = 'open' AND e.org_id = ? AND e.status IN ('queued', 'running', 'waiting')\(visibility.clause("e.team_id"))
                """, arguments: StatementArguments([org] + visibility.arguments)) ?? 0
            return ExecutionOverview(now: current, lastHour: recent, openJobs: jobs)
        }
    }
}
