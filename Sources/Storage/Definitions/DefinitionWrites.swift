import Core
import Foundation
import GRDB

/// The inserts and updates that make a new version or deployment. Called inside writer units.
enum DefinitionWrites {
    static func agentVersion(_ agent: AgentDefinition, id: String, team: TeamID?, version: Int, documentText: String, hash: String,
                             message: String?, parent: Int?, context: ChangeContext, _ db: Database) throws {
        let now = context.now.millisecondsSinceEpoch
        if parent == nil {
            try db.execute(sql: """
                INSERT INTO agent (id, org_id, team_id, name, kind, description, latest_version, created_at, created_by, updated_at, updated_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, context.scope.orgID.rawValue, team?.rawValue, agent.name, agent.kind.rawValue, agent.description,
                                 version, now, context.actor, now, context.actor])
        } else {
            try db.execute(sql: """
                UPDATE agent SET team_id = ?, kind = ?, description = ?, latest_version = ?, updated_at = ?, updated_by = ? WHERE id = ?
                """, arguments: [team?.rawValue, agent.kind.rawValue, agent.description, version, now, context.actor, id])
        }
        try db.execute(sql: """
            INSERT INTO agent_version (agent_id, version, document, content_hash, message, parent_version, created_at, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, version, documentText, hash, message, parent, now, context.actor])
        try DefinitionRows.setTags(agent.tags, owner: id, org: context.scope.orgID, db)
    }

    static func workflowVersion(_ workflow: WorkflowDefinition, id: String, team: TeamID?, version: Int, documentText: String,
                                pins: [String: AgentPin], pinsText: String, hash: String, message: String?, parent: Int?,
                                branch: String? = nil, mergedFrom: Int? = nil, context: ChangeContext, _ db: Database) throws {
        let now = context.now.millisecondsSinceEpoch
        if branch != nil {
            // A branch's version leaves the workflow (main's head, description, tags) as it is.
        } else if parent == nil {
            try db.execute(sql: """
                INSERT INTO workflow (id, org_id, team_id, name, description, latest_version, created_at, created_by, updated_at, updated_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, context.scope.orgID.rawValue, team?.rawValue, workflow.name, workflow.description, version,
                                 now, context.actor, now, context.actor])
        } else {
            try db.execute(sql: """
                UPDATE workflow SET team_id = ?, description = ?, latest_version = ?, updated_at = ?, updated_by = ? WHERE id = ?
                """, arguments: [team?.rawValue, workflow.description, version, now, context.actor, id])
        }
        try db.execute(sql: """
            INSERT INTO workflow_version (workflow_id, version, document, pins, content_hash, message, parent_version, created_at, created_by,
                branch, merged_from)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, version, documentText, pinsText, hash, message, parent, now, context.actor, branch ?? "main", mergedFrom])
        struct Use: Hashable { let agentID: String, version: Int }
        for use in Set(pins.values.map { Use(agentID: $0.agentID, version: $0.version) }) {
            try db.execute(sql: "INSERT INTO workflow_agent_use (workflow_id, version, agent_id, agent_version) VALUES (?, ?, ?, ?)",
                           arguments: [id, version, use.agentID, use.version])
        }
        if branch == nil { try DefinitionRows.setTags(workflow.tags, owner: id, org: context.scope.orgID, db) }
    }

    static func deploy(workflow id: String, version: Int, to environment: DeployEnvironment, context: ChangeContext, _ db: Database) throws {
        if !environment.isBuiltIn, let org = try String.fetchOne(db, sql: "SELECT org_id FROM workflow WHERE id = ?", arguments: [id]).flatMap(OrgID.init) {
            try Environments.requireExists(environment, org: org, db)
        }
        try db.execute(sql: """
            INSERT INTO workflow_deployment (workflow_id, environment, version, deployed_at, deployed_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (workflow_id, environment) DO UPDATE SET version = excluded.version, deployed_at = excluded.deployed_at,
                deployed_by = excluded.deployed_by
            """, arguments: [id, environment.rawValue, version, context.now.millisecondsSinceEpoch, context.actor])
    }
}
