import Core
import Foundation
import GRDB

/// Row decoding and scoped look-ups shared by the definition store's files.
enum DefinitionRows {
    // MARK: - Visibility

    /// True when the scope may read rows of a team-owned definition, or use it in a workflow.
    static func canSee(_ scope: Scope, org: OrgID, team: TeamID?) -> Bool { scope.canSee(org: org, team: team) }

    /// SQL restricting `alias`'s rows to what `scope` sees in its own org; published agents
    /// are readable by every team of the org when `published` names the agent alias.
    static func visibility(_ scope: Scope, alias: String, publishedAgents: Bool) -> (String, [any DatabaseValueConvertible]) {
        var sql = " AND \(alias).org_id = ?"
        var arguments: [any DatabaseValueConvertible] = [scope.orgID.rawValue]
        guard scope.reach == .org, !scope.roles.contains(.admin) else { return (sql, arguments) }
        let teams = scope.teams.map(\.rawValue).sorted()
        var options = ["\(alias).team_id IS NULL"]
        if !teams.isEmpty {
            options.append("\(alias).team_id IN (\(Array(repeating: "?", count: teams.count).joined(separator: ", ")))")
            arguments += teams as [any DatabaseValueConvertible]
        }
        if publishedAgents {
            options.append("EXISTS (SELECT 1 FROM agent_version pv WHERE pv.agent_id = \(alias).id AND pv.published = 1)")
        }
        sql += " AND (" + options.joined(separator: " OR ") + ")"
        return (sql, arguments)
    }

    // MARK: - Agents

    static let agentColumns = """
        a.*, t.name AS team_name,
        (SELECT max(version) FROM agent_version pv WHERE pv.agent_id = a.id AND pv.published = 1) AS latest_published
        """

    /// The agent `reference` (id or name in the scope's org) if the scope may read it. With
    /// `forChange`, a published agent of another team is not found either.
    static func agentRow(_ reference: String, _ scope: Scope, forChange: Bool, _ db: Database) throws -> Row {
        guard let row = try headRow(.agent, reference, scope, db), let org = OrgID(row["org_id"] as String) else {
            throw StorageError.notFound(.agent, id: reference)
        }
        let team = (row["team_id"] as String?).flatMap(TeamID.init)
        let published = (row["latest_published"] as Int?) != nil
        guard scope.canSee(org: org, team: team) || (!forChange && published && scope.canSee(org: org)) else {
            throw StorageError.notFound(.agent, id: reference)
        }
        return row
    }

    static func agent(from row: Row, _ db: Database) throws -> AgentRecord {
        let id: String = row["id"]
        return AgentRecord(
            id: AgentID(id)!, orgID: OrgID(row["org_id"] as String)!, teamID: (row["team_id"] as String?).flatMap(TeamID.init),
            teamName: row["team_name"], name: row["name"], kind: StepKind(rawValue: row["kind"]) ?? .transform,
            description: row["description"], tags: try tags(of: id, db), latestVersion: row["latest_version"],
            latestPublishedVersion: row["latest_published"],
            createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), createdBy: row["created_by"],
            updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]), updatedBy: row["updated_by"])
    }

    static func agentVersion(from row: Row) throws -> AgentVersionRecord {
        guard let definition = AgentDefinition.read(try document(row["document"])).0 else {
            throw StorageError.notFound(.agentVersion, id: "\(row["agent_id"] as String)@\(row["version"] as Int) (unreadable)")
        }
        return AgentVersionRecord(
            agentID: AgentID(row["agent_id"] as String)!, version: row["version"], definition: definition,
            contentHash: row["content_hash"], message: row["message"], parentVersion: row["parent_version"],
            published: (row["published"] as Int) != 0,
            createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), createdBy: row["created_by"])
    }

    /// The version of an agent a workflow may run for `scope`: the one named, or the newest;
    /// another team's agent only in a published version. With its kind and config.
    static func usableAgentVersion(_ reference: AgentReference, _ scope: Scope, _ db: Database) throws -> (AgentPin, JSONValue)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, team_id FROM agent WHERE org_id = ? AND name = ?"),
                                         arguments: [scope.orgID.rawValue, reference.name]) else { return nil }
        let id: String = row["id"]
        let ownTeam = scope.canSee(org: scope.orgID, team: (row["team_id"] as String?).flatMap(TeamID.init))
        var sql = "SELECT version, document FROM agent_version WHERE agent_id = ?"
        var arguments: [any DatabaseValueConvertible] = [id]
        if let version = reference.version {
            sql += " AND version = ?"
            arguments.append(version)
        }
        if !ownTeam { sql += " AND published = 1" }
        guard let versionRow = try Row.fetchOne(db.cachedStatement(sql: sql + " ORDER BY version DESC LIMIT 1"), arguments: StatementArguments(arguments)),
              let definition = AgentDefinition.read(try document(versionRow["document"])).0 else {
            return nil
        }
        return (AgentPin(agentID: id, agent: reference.name, version: versionRow["version"], kind: definition.kind), definition.config)
    }

    // MARK: - Workflows

    static let workflowColumns = "w.*, t.name AS team_name"

    static func workflowRow(_ reference: String, _ scope: Scope, _ db: Database) throws -> Row {
        guard let row = try headRow(.workflow, reference, scope, db), let org = OrgID(row["org_id"] as String),
              scope.canSee(org: org, team: (row["team_id"] as String?).flatMap(TeamID.init)) else {
            throw StorageError.notFound(.workflow, id: reference)
        }
        return row
    }

    static func workflow(from row: Row, _ db: Database) throws -> WorkflowRecord {
        let id: String = row["id"]
        var deployments: [DeployEnvironment: WorkflowRecord.Deployment] = [:]
        for deployment in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM workflow_deployment WHERE workflow_id = ?"), arguments: [id]) {
            guard let environment = DeployEnvironment(rawValue: deployment["environment"]) else { continue }
            deployments[environment] = .init(version: deployment["version"], deployedAt: Instant(millisecondsSinceEpoch: deployment["deployed_at"]),
                                             deployedBy: deployment["deployed_by"])
        }
        return WorkflowRecord(
            id: WorkflowID(id)!, orgID: OrgID(row["org_id"] as String)!, teamID: (row["team_id"] as String?).flatMap(TeamID.init),
            teamName: row["team_name"], name: row["name"], description: row["description"], tags: try tags(of: id, db),
            latestVersion: row["latest_version"], deployments: deployments,
            createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), createdBy: row["created_by"],
            updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]), updatedBy: row["updated_by"])
    }

    static func workflowVersion(from row: Row) throws -> WorkflowVersionRecord {
        guard let definition = WorkflowDefinition.read(try document(row["document"])).0 else {
            throw StorageError.notFound(.workflowVersion, id: "\(row["workflow_id"] as String)@\(row["version"] as Int) (unreadable)")
        }
        let pins = try JSONDecoder().decode([String: AgentPin].self, from: Data((row["pins"] as String).utf8))
        var record = WorkflowVersionRecord(
            workflowID: WorkflowID(row["workflow_id"] as String)!, version: row["version"], definition: definition, pins: pins,
            contentHash: row["content_hash"], message: row["message"], parentVersion: row["parent_version"],
            createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), createdBy: row["created_by"])
        record.branch = row["branch"] ?? "main"
        record.mergedFrom = row["merged_from"]
        return record
    }

    // MARK: - Shared

    /// JSON the store wrote (canonical text): definitions, inputs, outputs, errors.
    static func document(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text)
    }

    static func tags(of owner: String, _ db: Database) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT tag FROM definition_tag WHERE owner_id = ? ORDER BY tag"), arguments: [owner])
    }

    static func setTags(_ tags: [String], owner: String, org: OrgID, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM definition_tag WHERE owner_id = ?").execute(arguments: [owner])
        for tag in Set(tags) {
            try db.cachedStatement(sql: "INSERT INTO definition_tag (org_id, owner_id, tag) VALUES (?, ?, ?)").execute(arguments: [org.rawValue, owner, tag])
        }
    }

    /// The team a document names, which the scope must be able to see (else not found).
    static func team(_ name: String?, _ scope: Scope, _ db: Database) throws -> TeamID? {
        guard let name else { return nil }
        let team = try TeamStore.resolve(name, scope, db)
        guard team.orgID == scope.orgID, scope.canSee(org: team.orgID, team: team.id) else { throw StorageError.notFound(.team, id: name) }
        return team.id
    }

    /// Filters common to both listings (`alias` is the table's alias).
    static func filterSQL(_ filter: DefinitionFilter, alias: String, _ scope: Scope, _ db: Database) throws -> (String, [any DatabaseValueConvertible]) {
        var sql = ""
        var arguments: [any DatabaseValueConvertible] = []
        if let team = filter.team {
            let id = try TeamStore.resolve(team, scope, db).id
            sql += " AND \(alias).team_id = ?"
            arguments.append(id.rawValue)
        }
        if let tag = filter.tag {
            sql += " AND EXISTS (SELECT 1 FROM definition_tag dt WHERE dt.owner_id = \(alias).id AND dt.tag = ?)"
            arguments.append(tag)
        }
        if let prefix = filter.namePrefix {
            // why: names are [a-z0-9-], so a range scan is exact and uses the (org, name) index.
            sql += " AND \(alias).name >= ? AND \(alias).name < ?"
            arguments += [prefix, prefix + "\u{10FFFF}"]
        }
        if let updatedAfter = filter.updatedAfter {
            sql += " AND \(alias).updated_at > ?"
            arguments.append(updatedAfter.millisecondsSinceEpoch)
        }
        return (sql, arguments)
    }

    static func event(_ action: AuditAction, type: ResourceType, id: String, org: OrgID, _ context: ChangeContext,
                      _ details: [String: String]) -> AuditEntry {
        AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: action, targetType: type.rawValue,
                   targetID: id, requestID: context.requestID, details: details)
    }
}
