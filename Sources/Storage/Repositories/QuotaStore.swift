import Core
import Foundation
import GRDB

/// Each org's plan, its own overrides, and how much of each quota it uses.
///
/// Teams, workflows and agents are counted as they stand; executions per calendar month (UTC).
public struct QuotaStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public struct Standing: Sendable, Hashable {
        public let orgID: OrgID
        public let plan: Plan
        public let overrides: QuotaOverrides
        public let limits: QuotaLimits
        public let usage: [QuotaResource: Int]
    }

    public func standing(of reference: String, in scope: Scope, now: Instant) async throws -> Standing {
        try await database.read { db in
            let org = try UserStore.org(reference, scope, db)
            return try Self.standing(org, db, now: now)
        }
    }

    /// Sets an org's plan and overrides (installation administrators only).
    public func setPlan(_ plan: Plan, overrides: QuotaOverrides, org reference: String,
                        context: ChangeContext) async throws -> Standing {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(reference, context.scope, db)
            let encoded = String(decoding: try JSONEncoder().encode(overrides), as: UTF8.self)
            try db.execute(sql: "UPDATE org SET plan = ?, quota_overrides = ? WHERE id = ?",
                           arguments: [plan.rawValue, encoded, org.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .planChanged,
                                        targetType: ResourceType.org.rawValue, targetID: org.rawValue,
                                        requestID: context.requestID, details: ["plan": plan.rawValue, "overrides": encoded]), in: db)
            return try Self.standing(org, db, now: context.now)
        }
    }

    /// Throws `quotaExceeded` when one more `resource` would pass the org's limit. Call inside
    /// the writer unit that adds it, so the count and the insert are one transaction.
    static func check(_ resource: QuotaResource, org: OrgID, now: Instant = Instant(millisecondsSinceEpoch: 0), _ db: Database) throws {
        // why: every execution start checks two quotas; an unlimited one costs no count.
        let (_, _, limits) = try Self.limits(org, db)
        guard QuotaRules.exceeded(resource, used: Int.max - 1, limits: limits) != nil else { return }
        let used = try Self.usage(resource, org, db, now: now)
        if let limit = QuotaRules.exceeded(resource, used: used, limits: limits) {
            throw StorageError.quotaExceeded(resource: resource.rawValue, limit: limit, used: used)
        }
    }

    /// The org's plan, its overrides and the limits they make.
    static func limits(_ org: OrgID, _ db: Database) throws -> (Plan, QuotaOverrides, QuotaLimits) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT plan, quota_overrides FROM org WHERE id = ?"), arguments: [org.rawValue]) else {
            throw StorageError.notFound(.org, id: org.rawValue)
        }
        let plan = Plan(rawValue: row[0]) ?? .enterprise
        // why: read on every execution start; most orgs override nothing, and a JSONDecoder
        // costs more than the rest of the check.
        let text: String = row[1]
        let overrides = text == "{}" ? QuotaOverrides()
            : (try? JSONDecoder().decode(QuotaOverrides.self, from: Data(text.utf8))) ?? QuotaOverrides()
        return (plan, overrides, plan.limits.overridden(by: overrides))
    }

    /// How much of one resource the org uses.
    static func usage(_ resource: QuotaResource, _ org: OrgID, _ db: Database, now: Instant) throws -> Int {
        var arguments: [any DatabaseValueConvertible] = [org.rawValue]
        if resource == .executionsPerMonth { arguments.append(now.startOfMonth.millisecondsSinceEpoch) }
        return try Int.fetchOne(db.cachedStatement(sql: usageSQL(resource)), arguments: StatementArguments(arguments)) ?? 0
    }

    /// The count behind `usage` (the concurrency one runs on every execution start).
    static func usageSQL(_ resource: QuotaResource) -> String {
        switch resource {
        case .teams: "SELECT count(*) FROM team WHERE org_id = ?"
        case .workflows: "SELECT count(*) FROM workflow WHERE org_id = ?"
        case .agents: "SELECT count(*) FROM agent WHERE org_id = ?"
        case .executionsPerMonth: "SELECT count(*) FROM execution WHERE org_id = ? AND created_at >= ?"
        case .concurrentExecutions: "SELECT count(*) FROM execution WHERE org_id = ? AND status IN ('running', 'waiting')"
        }
    }

    /// `now` places the month that `executions_per_month` counts.
    static func standing(_ org: OrgID, _ db: Database, now: Instant) throws -> Standing {
        let (plan, overrides, _) = try Self.limits(org, db)
        var usage: [QuotaResource: Int] = [:]
        for resource in QuotaResource.allCases { usage[resource] = try Self.usage(resource, org, db, now: now) }
        return Standing(orgID: org, plan: plan, overrides: overrides, limits: plan.limits.overridden(by: overrides), usage: usage)
    }
}
