import Core
import Foundation
import GRDB

/// How costs are grouped.
public enum CostDimension: String, CaseIterable, Sendable {
    case team, workflow, agent, model, user, day
}

/// Cost analytics of one org (`agentctl costs`), read from the daily sums so that they stay
/// fast on a long history; only the top executions read the executions themselves.
public struct CostQueries: Sendable {
    let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    /// Totals by `dimension` for days in [since, until), largest cost first (by day: in order).
    public func breakdown(in scope: Scope, by dimension: CostDimension, since: Instant, until: Instant) async throws -> [CostTotals] {
        try await database.read { db in try Self.totals(Visibility(scope), by: dimension, since: since, until: until, db) }
    }

    /// Spent since 00:00 UTC today (the dashboard's and `agentctl top`'s figure). Days are
    /// whole in `cost_daily`: today is the window [today, tomorrow).
    public func spentToday(in scope: Scope, now: Instant) async throws -> Int64 {
        let today = now.startOfDay
        return try await database.read { db in try Self.sum(Visibility(scope), since: today, until: today.adding(milliseconds: Milliseconds.day), db) }
    }

    /// One row per day in [since, until), days without calls included as zero.
    public func trend(in scope: Scope, since: Instant, until: Instant) async throws -> [CostTotals] {
        let found = try await breakdown(in: scope, by: .day, since: since, until: until)
        let byDay = Dictionary(found.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var days: [CostTotals] = []
        var day = since.startOfDay
        while day < until, days.count < 1000 {
            let key = String(day.rfc3339.prefix(10))
            days.append(byDay[key] ?? CostTotals(key: key))
            day = day.adding(milliseconds: Milliseconds.day)
        }
        return days
    }

    public struct ExecutionCost: Sendable, Hashable {
        public let id: String
        public let workflow: String
        public let status: String
        public let createdAt: Instant
        public let costMicros: Int64
        public let usage: TokenUsage
    }

    /// The most expensive executions started since `since`.
    public func topExecutions(in scope: Scope, since: Instant, limit: Int) async throws -> [ExecutionCost] {
        let visibility = Visibility(scope)
        return try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, workflow_name, status, created_at, cost_micros, prompt_tokens, completion_tokens FROM execution
                WHERE org_id = ? AND cost_micros > 0 AND created_at >= ? \(visibility.executionClause) ORDER BY cost_micros DESC LIMIT ?
                """, arguments: StatementArguments([scope.orgID.rawValue, since.millisecondsSinceEpoch] + visibility.arguments + [limit])).map { row in
                ExecutionCost(id: row["id"], workflow: row["workflow_name"], status: row["status"],
                              createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), costMicros: row["cost_micros"],
                              usage: TokenUsage(promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"]))
            }
        }
    }

    /// The org budget's period (a calendar month without a budget): spend so far and the last
    /// seven days' average carried to the period's end.
    public func forecast(in scope: Scope, now: Instant) async throws -> (CostForecast.Projection, budget: BudgetStatus?) {
        let visibility = Visibility(scope)
        let gate = database.budgetGate
        return try await database.read { db in
            let budget = try Budgets.all(org: scope.orgID, db).first { $0.teamID == nil }
            let period = (budget?.period ?? .monthly).window(containing: now)
            let today = now.startOfDay
            let weekAgo = max(today.adding(milliseconds: -7 * Milliseconds.day), period.start)
            let spent = try Self.sum(visibility, since: period.start, until: now.adding(milliseconds: Milliseconds.day), db)
            let fullDays = Int((today.millisecondsSinceEpoch - weekAgo.millisecondsSinceEpoch) / Milliseconds.day)
            var daily: [Int64] = []
            if fullDays > 0 {
                let recent = try Self.sum(visibility, since: weekAgo, until: today, db)
                daily = Array(repeating: recent / Int64(fullDays), count: fullDays)
            } else {
                daily = [spent]  // the first day of a period: today so far is all there is
            }
            let projection = CostForecast.project(spentInPeriod: spent, recentDaily: daily, period: period, now: now)
            return (projection, try budget.map { try Budgets.status($0, now: now, gate: gate, db) })
        }
    }

    /// Advice over the window ending now (see `CostAdvice`).
    public func advice(in scope: Scope, since: Instant, now: Instant) async throws -> [CostAdvice.Item] {
        let org = Visibility(scope)
        return try await database.read { db in
            let weekAgo = now.adding(milliseconds: -7 * Milliseconds.day)
            let tomorrow = now.adding(milliseconds: Milliseconds.day)
            let byWorkflowModel = try Self.totals(org: org, key: "workflow || char(31) || model", since: since, until: tomorrow, db)
            let recent = try Self.totals(org: org, key: "workflow || char(31) || agent", since: weekAgo, until: tomorrow, db)
            let earlier = try Self.totals(org: org, key: "workflow || char(31) || agent", since: min(since, weekAgo.adding(milliseconds: -28 * Milliseconds.day)),
                                          until: weekAgo, db)
            return CostAdvice.advise(byWorkflowModel: byWorkflowModel, recent: recent, earlier: earlier)
        }
    }

    static func totals(_ org: Visibility, by dimension: CostDimension, since: Instant, until: Instant, _ db: Database) throws -> [CostTotals] {
        switch dimension {
        case .team:
            // A team's name, or "(org)" for what no team ran.
            return try totals(org: org, key: "coalesce((SELECT name FROM team WHERE team.id = cost_daily.team_id), '(org)')", since: since, until: until, db)
        case .day:
            return try totals(org: org, key: "day", since: since, until: until, db).sorted { $0.key < $1.key }
        case .workflow, .model:
            return try totals(org: org, key: dimension.rawValue, since: since, until: until, db)
        case .agent:
            return try totals(org: org, key: "CASE agent WHEN '' THEN '(inline)' ELSE agent END", since: since, until: until, db)
        case .user:
            return try userTotals(org, since: since, until: until, db)
        }
    }

    /// By who started the execution (a person's login, a key, `schedule`, `webhook`, …): from
    /// the model calls themselves, which outlive their executions (an execution retention has
    /// removed shows as `(removed)`), through their index by org and time.
    private static func userTotals(_ org: Visibility, since: Instant, until: Instant, _ db: Database) throws -> [CostTotals] {
        let values: [(any DatabaseValueConvertible)?] = [org.org.rawValue, since.millisecondsSinceEpoch, until.millisecondsSinceEpoch] + org.teams.arguments
        return try Row.fetchAll(db, sql: """
            SELECT CASE WHEN e.id IS NULL THEN '(removed)'
                        WHEN e.created_by LIKE 'user:%' THEN coalesce((SELECT login FROM user_account WHERE id = substr(e.created_by, 6)), e.created_by)
                        ELSE e.created_by END AS k,
                   count(*) AS calls, sum(CASE WHEN c.succeeded = 0 THEN 1 ELSE 0 END) AS failed, sum(c.prompt_tokens) AS prompt,
                   sum(c.completion_tokens) AS completion, sum(c.cost_micros) AS cost
            FROM llm_call c LEFT JOIN execution e ON e.id = c.execution_id
            WHERE c.org_id = ? AND c.at >= ? AND c.at < ?\(org.teams.clause("c.team_id")) GROUP BY k ORDER BY cost DESC, k
            """, arguments: StatementArguments(values)).map { row in
            CostTotals(key: row["k"], calls: row["calls"], failedCalls: row["failed"], promptTokens: row["prompt"],
                       completionTokens: row["completion"], costMicros: row["cost"])
        }
    }

    /// One execution's model calls by step (its node): calls, tokens and cost. The caller has
    /// already been allowed to see the execution.
    public func usageByStep(ofExecution id: String) async throws -> [String: CostTotals] {
        try await database.read { db in
            var byStep: [String: CostTotals] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: """
                SELECT node_id, count(*) AS calls, sum(CASE WHEN succeeded = 0 THEN 1 ELSE 0 END) AS failed, sum(prompt_tokens) AS prompt,
                       sum(completion_tokens) AS completion, sum(cost_micros) AS cost
                FROM llm_call WHERE execution_id = ? GROUP BY node_id
                """), arguments: [id]) {
                let node: String = row["node_id"]
                byStep[node] = CostTotals(key: node, calls: row["calls"], failedCalls: row["failed"], promptTokens: row["prompt"],
                                          completionTokens: row["completion"], costMicros: row["cost"])
            }
            return byStep
        }
    }

    /// `key` is one of the fixed SQL expressions above, never caller text.
    private static func totals(org: Visibility, key: String, since: Instant, until: Instant, _ db: Database) throws -> [CostTotals] {
        try Row.fetchAll(db, sql: """
            SELECT \(key) AS k, sum(calls) AS calls, sum(failed_calls) AS failed, sum(prompt_tokens) AS prompt,
                   sum(completion_tokens) AS completion, sum(cost_micros) AS cost
            FROM cost_daily WHERE org_id = ? AND day >= ? AND day < ? \(org.dailyClause) GROUP BY k ORDER BY cost DESC, k
            """, arguments: StatementArguments([org.org.rawValue, day(since), day(until)] + org.arguments)).map { row in
            CostTotals(key: row["k"], calls: row["calls"], failedCalls: row["failed"], promptTokens: row["prompt"],
                       completionTokens: row["completion"], costMicros: row["cost"])
        }
    }

    private static func sum(_ org: Visibility, since: Instant, until: Instant, _ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(sum(cost_micros), 0) FROM cost_daily WHERE org_id = ? AND day >= ? AND day < ? \(org.dailyClause)",
                           arguments: StatementArguments([org.org.rawValue, day(since), day(until)] + org.arguments)) ?? 0
    }

    /// What of an org's costs a caller sees: all of them for an org-wide admin (or the
    /// installation); otherwise the org's own (no team) and those of the caller's teams, as
    /// with executions.
    struct Visibility {
        let org: OrgID
        let teams: TeamVisibility

        init(_ scope: Scope) {
            org = scope.orgID
            teams = TeamVisibility(scope)
        }

        var arguments: [any DatabaseValueConvertible] { teams.arguments }
        /// `cost_daily` holds '' for no team (a key column).
        var dailyClause: String { teams.clause("team_id", none: "= ''") }
        var executionClause: String { teams.clause("team_id") }
    }

    static func day(_ instant: Instant) -> String { String(instant.rfc3339.prefix(10)) }
}
