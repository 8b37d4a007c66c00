import Core
import Foundation
import GRDB

extension DefinitionStore {
    public func listAgents(in scope: Scope, filter: DefinitionFilter, page: PageRequest) async throws -> Page<AgentRecord> {
        try await database.read { db in
            var query = try DefinitionRows.listing(.agent, filter, scope, db)
            if let kind = filter.kind { query.filter(" AND a.kind = ?", [kind.rawValue]) }
            return try query.page(page, db, cursor: \.id.rawValue) { try Self.visible(try DefinitionRows.agent(from: $0, db), scope, db) }
        }
    }

    /// An agent and the newest version the scope may read.
    public func agent(_ reference: String, in scope: Scope) async throws -> (AgentRecord, AgentVersionRecord) {
        try await database.read { db in
            let record = try DefinitionRows.agent(from: try DefinitionRows.agentRow(reference, scope, forChange: false, db), db)
            let version = Self.ownsAgent(record, scope) ? record.latestVersion : record.latestPublishedVersion ?? 0
            return (try Self.visible(record, scope, db), try Self.agentVersion(record, version, scope, db))
        }
    }

    public func agentVersions(_ reference: String, in scope: Scope, page: PageRequest) async throws -> Page<AgentVersionRecord> {
        try await database.read { db in
            let record = try DefinitionRows.agent(from: try DefinitionRows.agentRow(reference, scope, forChange: false, db), db)
            var query = DefinitionRows.versions(.agent, of: record.id.rawValue)
            if !Self.ownsAgent(record, scope) { query.filter(" AND published = 1") }
            return try query.page(page, db, cursor: { String($0.version) }, DefinitionRows.agentVersion(from:))
        }
    }

    public func agentVersion(_ reference: String, version: Int, in scope: Scope) async throws -> AgentVersionRecord {
        try await database.read { db in
            let record = try DefinitionRows.agent(from: try DefinitionRows.agentRow(reference, scope, forChange: false, db), db)
            return try Self.agentVersion(record, version, scope, db)
        }
    }

    /// Makes a new version equal to `version` (history stays linear). Unchanged when the
    /// newest version already is equal to it.
    public func rollbackAgent(_ reference: String, to version: Int, context: ChangeContext) async throws -> ApplyOutcome {
        let audit = self.audit
        return try await database.writer.submit { db in
            let record = try DefinitionRows.agent(from: try DefinitionRows.agentRow(reference, context.scope, forChange: true, db), db)
            let old = try Self.agentVersion(record, version, context.scope, db)
            let latest = try Self.agentVersion(record, record.latestVersion, context.scope, db)
            guard old.contentHash != latest.contentHash else {
                return ApplyOutcome(type: "agent", name: record.name, id: record.id.rawValue, version: record.latestVersion,
                                    changed: false, created: false, deployedTo: nil)
            }
            let next = record.latestVersion + 1
            try DefinitionWrites.agentVersion(old.definition, id: record.id.rawValue, team: try DefinitionRows.team(old.definition.team, context.scope, db),
                                              version: next, documentText: old.definition.json.canonicalText, hash: old.contentHash,
                                              message: "rollback to version \(version)", parent: record.latestVersion, context: context, db)
            try audit.append(DefinitionRows.event(.agentVersionCreated, type: .agent, id: record.id.rawValue, org: record.orgID, context,
                                                  ["name": record.name, "version": "\(next)", "rollback_to": "\(version)"]), in: db)
            return ApplyOutcome(type: "agent", name: record.name, id: record.id.rawValue, version: next, changed: true, created: false, deployedTo: nil)
        }
    }

    /// Marks a version usable (or no longer usable) by the org's other teams.
    /// What a publish did: the version as it is now, or (publishing held for approval) the
    /// change request it opened. Withdrawing is never held.
    public enum PublishOutcome: Sendable {
        case done(AgentVersionRecord)
        case requested(ChangeRecord)
    }

    public func publishAgent(_ reference: String, version: Int?, published: Bool, context: ChangeContext) async throws -> PublishOutcome {
        let audit = self.audit
        return try await database.writer.submit { db in
            let record = try DefinitionRows.agent(from: try DefinitionRows.agentRow(reference, context.scope, forChange: true, db), db)
            let number = version ?? record.latestVersion
            let current = try Self.agentVersion(record, number, context.scope, db)
            if published, !current.published, let policy = try ChangeStore.gate(.agentPublish, org: record.orgID, db) {
                return .requested(try ChangeStore.open(.agentPublish, policy: policy, org: record.orgID, team: record.teamID,
                                                       target: (record.id.rawValue, record.name), summary: "publish agent \(record.name) version \(number)",
                                                       payload: ["agent_id": .string(record.id.rawValue), "version": .integer(number)],
                                                       diff: ["published": ["before": false, "after": true]], context: context, audit: audit, db))
            }
            try db.execute(sql: "UPDATE agent_version SET published = ? WHERE agent_id = ? AND version = ?",
                           arguments: [published ? 1 : 0, record.id.rawValue, number])
            try audit.append(DefinitionRows.event(.agentPublished, type: .agent, id: record.id.rawValue, org: record.orgID, context,
                                                  ["name": record.name, "version": "\(number)", "published": "\(published)"]), in: db)
            return .done(try Self.agentVersion(record, number, context.scope, db))
        }
    }

    /// Deletes an agent and its versions, unless a workflow version runs it.
    public func deleteAgent(_ reference: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let record = try DefinitionRows.agent(from: try DefinitionRows.agentRow(reference, context.scope, forChange: true, db), db)
            let users = try Row.fetchAll(db, sql: """
                SELECT DISTINCT w.name, w.team_id FROM workflow_agent_use u JOIN workflow w ON w.id = u.workflow_id WHERE u.agent_id = ? ORDER BY w.name
                """, arguments: [record.id.rawValue])
            if !users.isEmpty {
                // Name only the workflows the caller may see; count the others.
                let named = users.filter { context.scope.canSee(org: record.orgID, team: ($0["team_id"] as String?).flatMap(TeamID.init)) }
                    .map { $0["name"] as String }
                let others = users.count - named.count
                let list = named.joined(separator: ", ") + (others > 0 ? "\(named.isEmpty ? "" : " and ")\(others) of other teams" : "")
                throw StorageError.protected(.agent, id: record.id.rawValue,
                                             reason: "agent \(record.name) is used by workflow(s) \(list); delete those first")
            }
            try DefinitionRows.deleteHead(.agent, id: record.id.rawValue, name: record.name, org: record.orgID, versions: record.latestVersion,
                                          context, audit: audit, db)
        }
    }

    /// What a caller outside the owning team sees of an agent: its newest published version,
    /// never the unpublished description, tags or version numbers.
    static func visible(_ record: AgentRecord, _ scope: Scope, _ db: Database) throws -> AgentRecord {
        guard !ownsAgent(record, scope), let published = record.latestPublishedVersion else { return record }
        let version = try agentVersion(record, published, scope, db)
        return AgentRecord(id: record.id, orgID: record.orgID, teamID: record.teamID, teamName: record.teamName, name: record.name,
                           kind: version.definition.kind, description: version.definition.description, tags: version.definition.tags,
                           latestVersion: published, latestPublishedVersion: published, createdAt: record.createdAt,
                           createdBy: record.createdBy, updatedAt: version.createdAt, updatedBy: version.createdBy)
    }

    static func ownsAgent(_ record: AgentRecord, _ scope: Scope) -> Bool {
        scope.canSee(org: record.orgID, team: record.teamID)
    }

    static func agentVersion(_ record: AgentRecord, _ version: Int, _ scope: Scope, _ db: Database) throws -> AgentVersionRecord {
        let found = try DefinitionRows.agentVersion(from: try DefinitionRows.versionRow(.agent, id: record.id.rawValue, name: record.name, version, db))
        guard ownsAgent(record, scope) || found.published else { throw StorageError.notFound(.agentVersion, id: "\(record.name)@\(version)") }
        return found
    }
}
