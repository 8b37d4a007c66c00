import Core
import GRDB

/// The console dashboard's day: executions started in each hour of the last 24 by status,
/// and the durations of those that ended, over the teams the caller sees.
public struct ExecutionDay: Sendable, Hashable {
    /// Hour start (ms since the epoch) → status → count.
    public let hours: [Int64: [ExecutionStatus: Int]]
    /// p50 and p95 of the ended executions' durations, in ms; nil when none ended.
    public let p50: Int64?
    public let p95: Int64?
}

extension ExecutionStore {
    public func day(in scope: Scope, now: Instant) async throws -> ExecutionDay {
        let since = (now.millisecondsSinceEpoch / Milliseconds.hour - 23) * Milliseconds.hour
        return try await database.read { db in
            let visibility = TeamVisibility(scope)
            let values: [any DatabaseValueConvertible] = [scope.orgID.rawValue, since] + visibility.arguments
            let arguments = StatementArguments(values.map { $0 as (any DatabaseValueConvertible)? })
            var hours: [Int64: [ExecutionStatus: Int]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT created_at / \(Milliseconds.hour) AS hour, status, count(*) AS n FROM execution INDEXED BY execution_by_org_created
                WHERE org_id = ? AND created_at >= ?\(visibility.clause("team_id")) GROUP BY hour, status
                """, arguments: arguments) {
                guard let status = ExecutionStatus(rawValue: row["status"]) else { continue }
                let hour: Int64 = row["hour"]
                hours[hour * Milliseconds.hour, default: [:]][status] = row["n"]
            }
            let durations = try Int64.fetchAll(db, sql: """
                SELECT finished_at - created_at AS d FROM execution INDEXED BY execution_by_org_created
                WHERE org_id = ? AND created_at >= ? AND finished_at IS NOT NULL\(visibility.clause("team_id")) ORDER BY d
                """, arguments: arguments)
            func percentile(_ p: Double) -> Int64? {
                durations.isEmpty ? nil : durations[min(durations.count - 1, Int((Double(durations.count) * p).rounded(.up)) - 1)]
            }
            return ExecutionDay(hours: hours, p50: percentile(0.5), p95: percentile(0.95))
        }
    }
}
