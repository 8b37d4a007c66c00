import Core
import GRDB

/// The console dashboard's day, from `execution_hour` (counters kept as executions end, never
/// a scan of the executions): how many ended in each of the last 24 hours by outcome, and
/// their durations' p50 and p95 (within a bucket, see `DurationBuckets`), over the teams the
/// caller sees.
public struct ExecutionDay: Sendable, Hashable {
    /// Hour start (ms since the epoch) → outcome → count.
    public let hours: [Int64: [ExecutionStatus: Int]]
    /// Upper bounds of the buckets holding the day's p50 and p95, in ms; nil when none ended.
    public let p50: Int64?
    public let p95: Int64?
}

extension ExecutionStore {
    public func day(in scope: Scope, now: Instant) async throws -> ExecutionDay {
        let since = (now.millisecondsSinceEpoch / Milliseconds.hour - 23) * Milliseconds.hour
        return try await database.read { db in
            let visibility = TeamVisibility(scope)
            let values: [(any DatabaseValueConvertible)?] = [scope.orgID.rawValue, since] + visibility.arguments
            var hours: [Int64: [ExecutionStatus: Int]] = [:]
            var buckets: [Int: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: """
                SELECT hour, status, bucket, sum(n) AS n FROM execution_hour WHERE org_id = ? AND hour >= ?\(visibility.clause("team_id", none: "= ''"))
                GROUP BY hour, status, bucket
                """), arguments: StatementArguments(values)) {
                guard let status = ExecutionStatus(rawValue: row["status"]) else { continue }
                let n: Int = row["n"]
                hours[row["hour"], default: [:]][status, default: 0] += n
                buckets[row["bucket"], default: 0] += n
            }
            return ExecutionDay(hours: hours, p50: DurationBuckets.quantile(0.5, of: buckets), p95: DurationBuckets.quantile(0.95, of: buckets))
        }
    }

    /// The newest failures since `since`, newest first, through the index of failed executions
    /// by end time (a quiet org's history is never walked looking for them).
    public func recentFailures(in scope: Scope, since: Instant, limit: Int) async throws -> [ExecutionRecord] {
        try await database.read { db in
            let visibility = TeamVisibility(scope)
            let values: [(any DatabaseValueConvertible)?] = [since.millisecondsSinceEpoch, scope.orgID.rawValue] + visibility.arguments + [limit]
            return try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM execution INDEXED BY execution_failed_at WHERE status = 'failed' AND finished_at >= ? AND org_id = ?\
                \(visibility.clause("team_id")) ORDER BY finished_at DESC, id DESC LIMIT ?
                """), arguments: StatementArguments(values)).map { try Self.record($0, db) }
        }
    }
}
