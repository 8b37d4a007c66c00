import Core
import GRDB

/// Promotion (docs/governance.md#environments-and-promotion): the version deployed in one
/// environment deployed to another, exactly that version, and only once an execution of it
/// succeeded there; recorded with that evidence and audited, in one transaction.
extension DefinitionStore {
    /// One promotion, as recorded.
    public struct Promotion: Sendable, Hashable {
        public let workflow: String
        public let from: DeployEnvironment
        public let to: DeployEnvironment
        public let version: Int
        /// What `to` ran before (nil: nothing was deployed there).
        public let replaced: Int?
        /// The succeeded execution of `version` in `from` that allowed it.
        public let evidence: String
        public let at: Instant
        public let by: String
    }

    /// What a promotion did.
    public enum PromoteOutcome: Sendable {
        case promoted(Promotion)
        /// `to` runs that version already.
        case unchanged(version: Int)
        /// Prod is behind approval in this org: a change request carries it out once approved.
        case requested(ChangeRecord)
    }

    /// Deploys to `to` the version deployed in `from`. Refused (nothing written) when nothing
    /// is deployed in `from`, or that version never succeeded there.
    public func promote(_ reference: String, from: DeployEnvironment, to: DeployEnvironment, context: ChangeContext) async throws -> PromoteOutcome {
        guard from != to else { throw ValidationError(field: "to", "must differ from `from`") }
        let audit = self.audit, environments = database.environments
        return try await database.writer.submit { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, context.scope, db), db)
            let id = record.id.rawValue
            try Environments.requireExists(from, org: record.orgID, db)
            try Environments.requireExists(to, org: record.orgID, db)
            guard let version = record.deployments[from]?.version else {
                throw StorageError.protected(.workflow, id: record.name, reason: "nothing of \(record.name) is deployed in \(from.rawValue) to promote")
            }
            let replaced = record.deployments[to]?.version
            if replaced == version { return .unchanged(version: version) }
            guard let evidence = try String.fetchOne(db, sql: """
                SELECT id FROM execution INDEXED BY execution_by_workflow_status
                WHERE workflow_id = ? AND status = 'succeeded' AND workflow_version = ? AND environment = ? ORDER BY id DESC LIMIT 1
                """, arguments: [id, version, from.rawValue]) else {
                throw StorageError.protected(.workflow, id: record.name, reason: "version \(version) of \(record.name) has not run successfully in "
                                             + "\(from.rawValue): run it there first (agentctl run \(record.name) --env \(from.rawValue)), then promote")
            }
            if try Environments.isProtected(to, org: record.orgID, cache: environments, db), let policy = try ChangeStore.gate(.deployProd, org: record.orgID, db) {
                return .requested(try ChangeStore.open(.deployProd, policy: policy, org: record.orgID, team: record.teamID, target: (id, record.name),
                                                       summary: "promote \(record.name) version \(version) from \(from.rawValue) to \(to.rawValue)",
                                                       payload: ["workflow_id": .string(id), "version": .integer(version), "via": "promote",
                                                                 "from": .string(from.rawValue), "evidence": .string(evidence), "environment": .string(to.rawValue)],
                                                       diff: [to.rawValue: ["before": replaced.map(JSONValue.integer) ?? .null, "after": .integer(version)]],
                                                       context: context, audit: audit, db))
            }
            try DefinitionWrites.deploy(workflow: id, version: version, to: to, context: context, db)
            try db.execute(sql: """
                INSERT INTO promotion (org_id, workflow_id, from_env, to_env, version, replaced, evidence, promoted_at, promoted_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.orgID.rawValue, id, from.rawValue, to.rawValue, version, replaced, evidence,
                                 context.now.millisecondsSinceEpoch, context.actor])
            try audit.append(DefinitionRows.event(.workflowPromoted, type: .workflow, id: id, org: record.orgID, context,
                                                  ["name": record.name, "version": "\(version)", "from": from.rawValue, "to": to.rawValue,
                                                   "replaced": replaced.map(String.init) ?? "none", "evidence": evidence]), in: db)
            return .promoted(Promotion(workflow: record.name, from: from, to: to, version: version, replaced: replaced, evidence: evidence,
                                       at: context.now, by: context.actor))
        }
    }

    /// A workflow's promotions, newest first.
    public func promotions(_ reference: String, in scope: Scope, page: PageRequest) async throws -> Page<Promotion> {
        try await database.read { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, scope, db), db)
            var query = KeysetQuery("SELECT * FROM promotion", key: .integer("id"), order: .descending)
            query.filter(" AND workflow_id = ?", [record.id.rawValue])
            let rows = try query.page(page, db, cursor: { (row: (Int64, Promotion)) in String(row.0) }) { row in
                let at: Int64 = row["promoted_at"], from: String = row["from_env"], to: String = row["to_env"]
                return (row["id"] as Int64, Promotion(workflow: record.name, from: DeployEnvironment(rawValue: from) ?? .dev,
                                                      to: DeployEnvironment(rawValue: to) ?? .dev, version: row["version"], replaced: row["replaced"],
                                                      evidence: row["evidence"], at: Instant(millisecondsSinceEpoch: at), by: row["promoted_by"]))
            }
            return Page(items: rows.items.map(\.1), nextAfter: rows.nextAfter)
        }
    }

    /// What differs between two environments of the caller's org: each visible workflow whose
    /// deployed versions differ, and (with `secrets`) the secret paths only one of them has.
    public func environmentDiff(_ a: DeployEnvironment, _ b: DeployEnvironment, in scope: Scope, secrets: Bool) async throws -> EnvironmentDiff {
        try await database.read { db in
            let visibility = TeamVisibility(scope)
            let rows = try Row.fetchAll(db, sql: """
                SELECT w.name, da.version AS a_version, db.version AS b_version FROM workflow w
                LEFT JOIN workflow_deployment da ON da.workflow_id = w.id AND da.environment = ?
                LEFT JOIN workflow_deployment db ON db.workflow_id = w.id AND db.environment = ?
                WHERE w.org_id = ?\(visibility.clause("w.team_id")) AND (da.version IS NOT db.version) ORDER BY w.name
                """, arguments: StatementArguments([a.rawValue, b.rawValue, scope.orgID.rawValue] + visibility.arguments))
            let workflows = rows.map { EnvironmentDiff.Workflow(name: $0["name"], a: $0["a_version"], b: $0["b_version"]) }
            var onlyA: [String] = [], onlyB: [String] = []
            if secrets {
                let paths = { (environment: DeployEnvironment) in
                    Set(try String.fetchAll(db, sql: "SELECT path FROM secret WHERE org_id = ? AND environment = ?\(visibility.clause("team_id"))",
                                            arguments: StatementArguments([scope.orgID.rawValue, environment.rawValue] + visibility.arguments)))
                }
                let inA = try paths(a), inB = try paths(b)
                onlyA = inA.subtracting(inB).sorted()
                onlyB = inB.subtracting(inA).sorted()
            }
            let settingsA = try Environments.require(a.rawValue, org: scope.orgID, db).settings
            let settingsB = try Environments.require(b.rawValue, org: scope.orgID, db).settings
            return EnvironmentDiff(workflows: workflows, secretsOnlyInA: onlyA, secretsOnlyInB: onlyB, secretsCompared: secrets,
                                   settings: settingsA.difference(to: settingsB))
        }
    }
}

/// What differs between two environments (`agentctl envs diff`).
public struct EnvironmentDiff: Sendable, Hashable {
    public struct Workflow: Sendable, Hashable {
        public let name: String
        /// The version deployed in each (nil: none).
        public let a: Int?
        public let b: Int?
    }

    public let workflows: [Workflow]
    public let secretsOnlyInA: [String]
    public let secretsOnlyInB: [String]
    /// False when the caller may not read secrets' metadata: the secret lists are left out.
    public let secretsCompared: Bool
    /// The settings that differ: each one's value in a and in b.
    public let settings: [String: (before: JSONValue, after: JSONValue)]

    public static func == (lhs: EnvironmentDiff, rhs: EnvironmentDiff) -> Bool {
        lhs.workflows == rhs.workflows && lhs.secretsOnlyInA == rhs.secretsOnlyInA && lhs.secretsOnlyInB == rhs.secretsOnlyInB
            && lhs.secretsCompared == rhs.secretsCompared && lhs.settings.mapValues { [$0.before, $0.after] } == rhs.settings.mapValues { [$0.before, $0.after] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(workflows)
        hasher.combine(settings.keys.sorted())
    }
}
