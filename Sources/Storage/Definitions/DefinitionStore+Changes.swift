import Core
import GRDB

/// What carrying out an approved change request does, per act, in the unit of its last approval.
enum ChangeActs {
    static func carryOut(_ request: ChangeRecord, context: ChangeContext, audit: AuditLog, budgetGate: BudgetGate, resealer: (any SecretResealing)?,
                         _ db: Database) throws -> JSONValue {
        switch request.action {
        case .deployProd:
            let workflow = request.targetID
            guard case .integer(let version)? = request.payload["version"],
                  try Int.fetchOne(db, sql: "SELECT 1 FROM workflow_version WHERE workflow_id = ? AND version = ?", arguments: [workflow, version]) != nil else {
                throw StorageError.notFound(.workflowVersion, id: "\(request.targetName)@\(request.payload["version"]?.canonicalText ?? "?") (gone since it was requested)")
            }
            // Requests opened before environments other than prod could be protected name none: prod.
            let environment = request.payload["environment"]?.stringValue.flatMap(DeployEnvironment.init(rawValue:)) ?? .prod
            let replaced = try Int.fetchOne(db, sql: "SELECT version FROM workflow_deployment WHERE workflow_id = ? AND environment = ?",
                                            arguments: [workflow, environment.rawValue])
            try DefinitionWrites.deploy(workflow: workflow, version: version, to: environment, context: context, db)
            try audit.append(DefinitionRows.event(.workflowDeployed, type: .workflow, id: workflow, org: request.orgID, context,
                                                  ["name": request.targetName, "version": "\(version)", "environment": environment.rawValue,
                                                   "previous": replaced.map(String.init) ?? "none", "change": request.id.rawValue,
                                                   "requested_by": request.requestedActor]), in: db)
            if request.payload["via"] == "promote", let from = request.payload["from"]?.stringValue, let evidence = request.payload["evidence"]?.stringValue {
                try db.execute(sql: """
                    INSERT INTO promotion (org_id, workflow_id, from_env, to_env, version, replaced, evidence, promoted_at, promoted_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [request.orgID.rawValue, workflow, from, environment.rawValue, version, replaced, evidence,
                                     context.now.millisecondsSinceEpoch, request.requestedActor])
                try audit.append(DefinitionRows.event(.workflowPromoted, type: .workflow, id: workflow, org: request.orgID, context,
                                                      ["name": request.targetName, "version": "\(version)", "from": from, "to": environment.rawValue,
                                                       "replaced": replaced.map(String.init) ?? "none", "evidence": evidence,
                                                       "change": request.id.rawValue]), in: db)
            }
            return ["deployed_version": .integer(version), "replaced": replaced.map(JSONValue.integer) ?? .null]
        case .agentPublish:
            guard case .integer(let version)? = request.payload["version"],
                  try Int.fetchOne(db, sql: "SELECT 1 FROM agent_version WHERE agent_id = ? AND version = ?", arguments: [request.targetID, version]) != nil else {
                throw StorageError.notFound(.agentVersion, id: "\(request.targetName)@\(request.payload["version"]?.canonicalText ?? "?") (gone since it was requested)")
            }
            try db.execute(sql: "UPDATE agent_version SET published = 1 WHERE agent_id = ? AND version = ?", arguments: [request.targetID, version])
            try audit.append(DefinitionRows.event(.agentPublished, type: .agent, id: request.targetID, org: request.orgID, context,
                                                  ["name": request.targetName, "version": "\(version)", "published": "true", "change": request.id.rawValue,
                                                   "requested_by": request.requestedActor]), in: db)
            return ["published_version": .integer(version)]
        case .budgetRaise:
            guard case .integer(let limit)? = request.payload["limit_micros"], let periodText = request.payload["period"]?.stringValue,
                  let period = BudgetPeriod(rawValue: periodText) else { throw StorageError.notFound(.budget, id: request.targetName) }
            let team = try request.payload["team"]?.stringValue.map { try TeamStore.resolve($0, Scope(orgID: request.orgID, reach: .org, roles: [.admin]), db) }
            // The budget may have been removed since: the raise sets it again, as asked.
            let existing = try String.fetchOne(db, sql: "SELECT id FROM budget WHERE id = ?", arguments: [request.targetID])
            let status = try BudgetStore.write(id: existing, org: request.orgID, team: team, period: period, limitMicros: Int64(limit),
                                               allowOverage: request.payload["allow_overage"] == true, context: context, audit: audit, gate: budgetGate, db)
            return ["limit": .string(Money.format(status.budget.limitMicros)), "allow_overage": .bool(status.budget.allowOverage)]
        case .roleChange:
            guard let user = request.payload["user_id"]?.stringValue, let role = request.payload["role"]?.stringValue else {
                throw StorageError.notFound(.user, id: request.targetName)
            }
            let (from, to) = try UserStore.applyApprovedRole(org: request.orgID, user: user, role: role, context: context, audit: audit,
                                                             change: request.id.rawValue, db)
            return ["from": .string(from), "to": .string(to)]
        case .secretProd:
            return try HeldSecrets.release(request, resealer: resealer, context: context, audit: audit, db)
        }
    }

    /// Refuses a deploy to prod (or another protected environment) made on the side of another
    /// act (apply, rollback) where such deploys are gated: they go through `workflows deploy`,
    /// which opens a change request.
    static func refuseUngatedProd(_ deployTo: DeployEnvironment?, org: OrgID, what: String, cache: EnvironmentCache?, _ db: Database) throws {
        guard let deployTo, try Environments.isProtected(deployTo, org: org, cache: cache, db),
              try ChangeStore.gate(.deployProd, org: org, db) != nil else { return }
        throw StorageError.protected(.workflow, id: what, reason: "deploying to \(deployTo.rawValue) needs approval in this org: deploy elsewhere (or none), "
                                     + "then `agentctl workflows deploy \(what) --env \(deployTo.rawValue)` or `agentctl promote` opens a change request")
    }
}
