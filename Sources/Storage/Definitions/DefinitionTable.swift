import Core
import GRDB

/// Agents and workflows are stored in one shape: a head row (`agent`, `workflow`: id, org,
/// team, name, latest version; tags in `definition_tag`) and immutable numbered versions
/// (`agent_version`, `workflow_version`). A `DefinitionTable` names one kind's tables, so what
/// is the same for both is written once, here: finding a head by id or name, the listing, the
/// version history, a version by number, and deleting a head. What differs (an agent's
/// publication, a workflow's pins and deployments) stays in `DefinitionStore+Agents.swift` and
/// `DefinitionStore+Workflows.swift`.
enum DefinitionTable {
    case agent, workflow

    /// The head table, also the `ResourceType` of a missing head.
    var resource: ResourceType { self == .agent ? .agent : .workflow }
    /// The version table, also the `ResourceType` of a missing version.
    var versionResource: ResourceType { self == .agent ? .agentVersion : .workflowVersion }
    /// The head table's alias in `columns`' joins.
    var alias: String { self == .agent ? "a" : "w" }
    /// The version table's column naming its head.
    var headColumn: String { self == .agent ? "agent_id" : "workflow_id" }
    var deleted: AuditAction { self == .agent ? .agentDeleted : .workflowDeleted }

    /// `SELECT <columns> FROM <head> <alias> LEFT JOIN team t …`: what the record decoders read.
    var selectHead: String {
        let columns = self == .agent ? DefinitionRows.agentColumns : DefinitionRows.workflowColumns
        return "SELECT \(columns) FROM \(resource.rawValue) \(alias) LEFT JOIN team t ON t.id = \(alias).team_id"
    }

    /// `reference` as this kind's ID (`ag_…`, `wf_…`, its body upper-cased), or nil for a name.
    func id(_ reference: String) -> String? {
        self == .agent ? AgentID(reference)?.rawValue : WorkflowID(reference)?.rawValue
    }
}

extension DefinitionRows {
    /// The head `reference` names (an ID, or a name in the scope's org), whoever owns it: the
    /// caller applies its own visibility rule. Nil when there is none.
    static func headRow(_ table: DefinitionTable, _ reference: String, _ scope: Scope, _ db: Database) throws -> Row? {
        if let id = table.id(reference) {
            return try Row.fetchOne(db.cachedStatement(sql: table.selectHead + " WHERE \(table.alias).id = ?"), arguments: [id])
        }
        return try Row.fetchOne(db.cachedStatement(sql: table.selectHead + " WHERE \(table.alias).org_id = ? AND \(table.alias).name = ?"),
                                arguments: [scope.orgID.rawValue, reference])
    }

    /// The listing of `table`'s heads that `scope` sees (published agents of other teams
    /// included), with `filter`; the caller adds its own filters and reads a page.
    static func listing(_ table: DefinitionTable, _ filter: DefinitionFilter, _ scope: Scope, _ db: Database) throws -> KeysetQuery {
        var query = KeysetQuery(table.selectHead, key: .text("\(table.alias).id"))
        let (visible, visibleArguments) = visibility(scope, alias: table.alias, publishedAgents: table == .agent)
        query.filter(visible, visibleArguments)
        let (filters, filterArguments) = try filterSQL(filter, alias: table.alias, scope, db)
        query.filter(filters, filterArguments)
        return query
    }

    /// The versions of head `id`, newest first.
    static func versions(_ table: DefinitionTable, of id: String) -> KeysetQuery {
        var query = KeysetQuery("SELECT * FROM \(table.versionResource.rawValue)", key: .integer("version"), order: .descending)
        query.filter(" AND \(table.headColumn) = ?", [id])
        return query
    }

    /// Version `version` of head `id` (named `name` in the error when there is none).
    static func versionRow(_ table: DefinitionTable, id: String, name: String, _ version: Int, _ db: Database) throws -> Row {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM \(table.versionResource.rawValue) WHERE \(table.headColumn) = ? AND version = ?"),
                                         arguments: [id, version]) else {
            throw StorageError.notFound(table.versionResource, id: "\(name)@\(version)")
        }
        return row
    }

    /// Deletes head `id` with its tags and versions (the versions by cascade) and audits it.
    /// The caller has checked what must not be deleted from under it.
    static func deleteHead(_ table: DefinitionTable, id: String, name: String, org: OrgID, versions: Int, _ context: ChangeContext,
                           audit: AuditLog, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM definition_tag WHERE owner_id = ?", arguments: [id])
        if table == .workflow { try db.execute(sql: "DELETE FROM workflow_deployment WHERE workflow_id = ?", arguments: [id]) }
        try db.execute(sql: "DELETE FROM \(table.resource.rawValue) WHERE id = ?", arguments: [id])
        try audit.append(event(table.deleted, type: table.resource, id: id, org: org, context, ["name": name, "versions": "\(versions)"]), in: db)
    }
}
