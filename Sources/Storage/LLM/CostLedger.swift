import Core
import Foundation
import GRDB

/// One model call, as the engine reports it with a step's outcome.
public struct LLMCall: Sendable, Hashable {
    public let node: String
    public let agent: String
    public let attempt: Int
    public let iteration: Int
    /// agentd's name of the model.
    public let model: String
    public let usage: TokenUsage
    public let costMicros: Int64
    public let succeeded: Bool
    public let overage: Bool

    public init(node: String, agent: String, attempt: Int, iteration: Int, model: String, usage: TokenUsage, costMicros: Int64,
                succeeded: Bool, overage: Bool) {
        self.node = node
        self.agent = agent
        self.attempt = attempt
        self.iteration = iteration
        self.model = model
        self.usage = usage
        self.costMicros = costMicros
        self.succeeded = succeeded
        self.overage = overage
    }
}

/// Token and cost records, budget reservations and threshold alerts (DESIGN §6, `llm`). Every
/// change here happens inside a transaction the engine already makes: admitting a step,
/// recording its outcome.
public struct CostLedger: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public enum Admission: Sendable, Hashable {
        /// `held`: a reservation row was written (released with the step's outcome).
        case admitted(overage: Bool, held: Bool)
        case refused(String)
    }

    /// Admits a model call that may cost up to `micros` against the execution's budgets (its
    /// org's and its team's), and holds that much for it until its outcome is recorded: two
    /// steps racing for the last dollars cannot both take them (`BudgetGate`).
    public func reserve(job: Int64, token: Int, execution: ExecutionRecord, micros: Int64, now: Instant) async throws -> Admission {
        // An org without budgets has nothing to reserve against: no read at all.
        let org = execution.orgID
        guard try await database.llmSettings.hasBudgets(org: org, load: {
            try await database.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM budget WHERE org_id = ?)", arguments: [org.rawValue]) ?? false }
        }) else { return .admitted(overage: false, held: false) }
        let gate = database.budgetGate
        // Releases elsewhere make an admission read again; on a very busy box it gives up
        // rather than loop (the step fails retryably).
        for _ in 0..<100 {
            let epoch = gate.epoch
            let budgets = try await database.read { db in
                try Budgets.applying(to: execution.orgID, team: execution.teamID, db).map { budget in
                    (budget, spent: try Budgets.spent(budget, since: budget.period.window(containing: now).start, db))
                }
            }
            switch gate.admit(BudgetGate.Key(job: job, token: token), budgets: budgets, micros: micros, epoch: epoch) {
            case .held(let overage): return .admitted(overage: overage, held: true)
            case .refused(let message): return .refused(message)
            case .stale: continue
            }
        }
        throw BudgetGate.Busy()
    }

    /// Records calls inside the caller's transaction: the call rows, the day's sums, the
    /// execution's totals, and any budget threshold the spend crossed (each raised once per
    /// period: audited and added to the execution's events).
    static func record(_ calls: [LLMCall], of execution: ExecutionRecord, now: Instant, audit: AuditLog, settings: LLMSettingsCache,
                       _ db: Database) throws {
        guard !calls.isEmpty else { return }
        let at = now.millisecondsSinceEpoch
        let day = String(now.rfc3339.prefix(10))
        var total: Int64 = 0
        for call in calls {
            try db.cachedStatement(sql: """
                INSERT INTO llm_call (org_id, team_id, execution_id, workflow, node_id, agent, attempt, iteration, model, prompt_tokens,
                                      completion_tokens, cost_micros, succeeded, overage, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [execution.orgID.rawValue, execution.teamID?.rawValue, execution.id.rawValue, execution.workflowName,
                                         call.node, call.agent, call.attempt, call.iteration, call.model, call.usage.promptTokens,
                                         call.usage.completionTokens, call.costMicros, call.succeeded ? 1 : 0, call.overage ? 1 : 0, at])
            try db.cachedStatement(sql: """
                INSERT INTO cost_daily (org_id, day, team_id, workflow, agent, model, calls, failed_calls, prompt_tokens, completion_tokens, cost_micros)
                VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
                ON CONFLICT (org_id, day, team_id, workflow, agent, model) DO UPDATE SET
                    calls = calls + 1, failed_calls = failed_calls + excluded.failed_calls, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = completion_tokens + excluded.completion_tokens, cost_micros = cost_micros + excluded.cost_micros
                """).execute(arguments: [execution.orgID.rawValue, day, execution.teamID?.rawValue ?? "", execution.workflowName, call.agent,
                                         call.model, call.succeeded ? 0 : 1, call.usage.promptTokens, call.usage.completionTokens, call.costMicros])
            try db.cachedStatement(sql: """
                UPDATE execution SET cost_micros = cost_micros + ?, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?
                WHERE id = ?
                """).execute(arguments: [call.costMicros, call.usage.promptTokens, call.usage.completionTokens, execution.id.rawValue])
            total += call.costMicros
        }
        // Known to have no budget: no threshold to cross (a budget set meanwhile invalidated it).
        guard total > 0, settings.knownHasBudgets(org: execution.orgID) != false else { return }
        for budget in try Budgets.applying(to: execution.orgID, team: execution.teamID, db) {
            let window = budget.period.window(containing: now)
            let after = try Budgets.spent(budget, since: window.start, db)
            for threshold in BudgetRules.crossed(limit: budget.limitMicros, before: after - total, after: after) {
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO budget_alert (budget_id, period_start, threshold, spent_micros, at, execution_id, limit_micros)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [budget.id, window.start.millisecondsSinceEpoch, threshold, after, at, execution.id.rawValue,
                                             budget.limitMicros])
                guard db.changesCount == 1 else { continue }
                let details = ["budget": budget.label, "threshold": "\(threshold)%", "spent": Money.format(after),
                               "limit": Money.format(budget.limitMicros), "period_start": window.start.rfc3339]
                try audit.append(AuditEntry(at: now, orgID: execution.orgID.rawValue, actor: "execution:\(execution.id.rawValue)",
                                            action: .budgetThreshold, targetType: ResourceType.budget.rawValue, targetID: budget.id,
                                            details: details), in: db)
                try Events.append(db, execution: execution.id.rawValue, at: at, type: .budgetAlert,
                                  data: .object(details.mapValues { .string($0) }))
            }
        }
    }

}
