import Core
import Foundation
import GRDB

/// A spending limit of an org or of one team.
public struct Budget: Sendable, Hashable {
    public let id: String
    public let orgID: OrgID
    public let teamID: TeamID?
    public let teamName: String?
    public var period: BudgetPeriod
    public var limitMicros: Int64
    public var allowOverage: Bool
    public let updatedAt: Instant

    /// How messages name it: `org` or `team support`.
    public var label: String { teamName.map { "team \($0)" } ?? "org" }
}

/// A budget with where it stands now.
public struct BudgetStatus: Sendable, Hashable {
    public let budget: Budget
    public let periodStart: Instant
    public let periodEnd: Instant
    public let spentMicros: Int64
    public let reservedMicros: Int64
    /// Thresholds (percent) already alerted this period.
    public let alerted: [Int]
    public var remainingMicros: Int64 { max(0, budget.limitMicros - spentMicros - reservedMicros) }
}

/// Budgets per org and per team (`agentctl budgets`): set and removed by holders of
/// budgets.manage, read with costs.view.
public struct BudgetStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// What setting a budget did: set, or (raising held for approval) the change request it opened.
    public enum SetOutcome: Sendable {
        case set(BudgetStatus)
        case requested(ChangeRecord)
    }

    /// Sets (creates or replaces) the budget of the scope's org, or of one of its teams; where
    /// the org holds `budget.raise` for approval, a higher limit or newly allowed overage opens a
    /// change request instead.
    public func set(team teamReference: String?, period: BudgetPeriod, limitMicros: Int64, allowOverage: Bool,
                    context: ChangeContext) async throws -> SetOutcome {
        guard limitMicros > 0, limitMicros <= 1_000_000_000 * Money.microsPerDollar else {
            throw ValidationError(field: "limit", "must be more than 0 and at most 1000000000 dollars")
        }
        let audit = self.audit
        let gate = database.budgetGate
        defer { database.llmSettings.invalidate(org: context.scope.orgID) }
        return try await database.writer.submit { db in
            let org = context.scope.orgID
            let team = try teamReference.map { try TeamStore.resolve($0, context.scope, db) }
            if let team, team.orgID != org { throw StorageError.notFound(.team, id: teamReference ?? "") }
            let row = try Row.fetchOne(db, sql: "SELECT id, limit_micros, allow_overage FROM budget WHERE org_id = ? AND coalesce(team_id, '') = ?",
                                       arguments: [org.rawValue, team?.id.rawValue ?? ""])
            let existing: String? = row?["id"]
            if let row, let policy = try ChangeStore.gate(.budgetRaise, org: org, db) {
                let oldLimit: Int64 = row["limit_micros"], oldOverage = (row["allow_overage"] as Int) == 1
                if limitMicros > oldLimit || (allowOverage && !oldOverage) {
                    let label = team.map { "team \($0.name)" } ?? "org"
                    return .requested(try ChangeStore.open(
                        .budgetRaise, policy: policy, org: org, team: team?.id, target: (row["id"], label),
                        summary: "raise the \(label) budget from $\(Money.format(oldLimit)) to $\(Money.format(limitMicros))"
                            + (allowOverage && !oldOverage ? " and allow overage" : ""),
                        payload: ["team": team.map { .string($0.id.rawValue) } ?? .null, "period": .string(period.rawValue),
                                  "limit_micros": .integer(Int(limitMicros)), "allow_overage": .bool(allowOverage)],
                        diff: ["limit": ["before": .string(Money.format(oldLimit)), "after": .string(Money.format(limitMicros))],
                               "allow_overage": ["before": .bool(oldOverage), "after": .bool(allowOverage)]],
                        context: context, audit: audit, db))
                }
            }
            return .set(try Self.write(id: existing, org: org, team: team, period: period, limitMicros: limitMicros, allowOverage: allowOverage,
                                       context: context, audit: audit, gate: gate, db))
        }
    }

    /// Writes a budget (a new one when `id` is nil) and audits it; also what an approved raise does.
    static func write(id existing: String?, org: OrgID, team: Team?, period: BudgetPeriod, limitMicros: Int64, allowOverage: Bool,
                      context: ChangeContext, audit: AuditLog, gate: BudgetGate, _ db: Database) throws -> BudgetStatus {
            let id = existing ?? BudgetID.generate(at: context.now).rawValue
            let at = context.now.millisecondsSinceEpoch
            try db.execute(sql: """
                INSERT INTO budget (id, org_id, team_id, period, limit_micros, allow_overage, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET period = excluded.period, limit_micros = excluded.limit_micros,
                    allow_overage = excluded.allow_overage, updated_at = excluded.updated_at
                """, arguments: [id, org.rawValue, team?.id.rawValue, period.rawValue, limitMicros, allowOverage ? 1 : 0, context.actor, at, at])
            let budget = Budget(id: id, orgID: org, teamID: team?.id, teamName: team?.name, period: period, limitMicros: limitMicros,
                                allowOverage: allowOverage, updatedAt: context.now)
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .budgetSet,
                                        targetType: ResourceType.budget.rawValue, targetID: id, requestID: context.requestID,
                                        details: ["budget": budget.label, "period": period.rawValue, "limit": Money.format(limitMicros),
                                                  "allow_overage": "\(allowOverage)"]), in: db)
            return try Budgets.status(budget, now: context.now, gate: gate, db)
    }

    public func delete(team teamReference: String?, context: ChangeContext) async throws {
        let audit = self.audit
        defer { database.llmSettings.invalidate(org: context.scope.orgID) }
        try await database.writer.submit { db in
            let team = try teamReference.map { try TeamStore.resolve($0, context.scope, db) }
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM budget WHERE org_id = ? AND coalesce(team_id, '') = ?",
                                               arguments: [context.scope.orgID.rawValue, team?.id.rawValue ?? ""]) else {
                throw StorageError.notFound(.budget, id: team.map { "team \($0.name)" } ?? "org")
            }
            try db.execute(sql: "DELETE FROM budget WHERE id = ?", arguments: [id])
            try audit.append(AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor, action: .budgetDeleted,
                                        targetType: ResourceType.budget.rawValue, targetID: id, requestID: context.requestID,
                                        details: ["budget": team.map { "team \($0.name)" } ?? "org"]), in: db)
        }
    }

    /// The scope's org's budgets, each with its spend, reservations and alerts this period: the
    /// org's, and its teams' that the caller sees (every team for an org admin).
    public func list(in scope: Scope, now: Instant) async throws -> [BudgetStatus] {
        let gate = database.budgetGate
        return try await database.read { db in
            try Budgets.all(org: scope.orgID, db).filter { scope.canSee(org: $0.orgID, team: $0.teamID) }.map { try Budgets.status($0, now: now, gate: gate, db) }
        }
    }
}

/// Budget reads shared by the store, the ledger and analytics.
enum Budgets {
    static func all(org: OrgID, _ db: Database) throws -> [Budget] {
        try Row.fetchAll(db, sql: """
            SELECT budget.*, team.name AS team_name FROM budget LEFT JOIN team ON team.id = budget.team_id
            WHERE budget.org_id = ? ORDER BY budget.team_id IS NOT NULL, team.name
            """, arguments: [org.rawValue]).map(budget)
    }

    /// The budgets an execution's spend counts against: its org's and its team's.
    static func applying(to org: OrgID, team: TeamID?, _ db: Database) throws -> [Budget] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT budget.*, team.name AS team_name FROM budget LEFT JOIN team ON team.id = budget.team_id
            WHERE budget.org_id = ? AND (budget.team_id IS NULL OR budget.team_id = ?)
            """), arguments: [org.rawValue, team?.rawValue]).map(budget)
    }

    static func spent(_ budget: Budget, since start: Instant, _ db: Database) throws -> Int64 {
        let day = String(start.rfc3339.prefix(10))
        if let team = budget.teamID {
            return try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(cost_micros), 0) FROM cost_daily WHERE org_id = ? AND team_id = ? AND day >= ?"),
                                      arguments: [budget.orgID.rawValue, team.rawValue, day]) ?? 0
        }
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(cost_micros), 0) FROM cost_daily WHERE org_id = ? AND day >= ?"),
                                  arguments: [budget.orgID.rawValue, day]) ?? 0
    }

    static func status(_ budget: Budget, now: Instant, gate: BudgetGate, _ db: Database) throws -> BudgetStatus {
        let window = budget.period.window(containing: now)
        let alerted = try Int.fetchAll(db, sql: "SELECT threshold FROM budget_alert WHERE budget_id = ? AND period_start = ? ORDER BY threshold",
                                       arguments: [budget.id, window.start.millisecondsSinceEpoch])
        return BudgetStatus(budget: budget, periodStart: window.start, periodEnd: window.end, spentMicros: try spent(budget, since: window.start, db),
                            reservedMicros: gate.reserved(budget.id), alerted: alerted)
    }

    static func budget(_ row: Row) throws -> Budget {
        guard let org = OrgID(row["org_id"] as String), let period = BudgetPeriod(rawValue: row["period"]) else {
            throw StorageError.notFound(.budget, id: row["id"] ?? "?")
        }
        return Budget(id: row["id"], orgID: org, teamID: (row["team_id"] as String?).flatMap(TeamID.init), teamName: row["team_name"],
                      period: period, limitMicros: row["limit_micros"], allowOverage: (row["allow_overage"] as Int) != 0,
                      updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }
}
