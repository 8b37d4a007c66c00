import Core
import GRDB

/// One environment of an org, as listed and shown.
public struct EnvironmentRecord: Sendable, Hashable {
    public let orgID: OrgID
    public let name: DeployEnvironment
    public let description: String
    public let settings: EnvironmentSettings
    /// nil for a built-in environment nobody has configured yet.
    public let updatedAt: Instant?
    public let updatedBy: String?

    /// Whether deploys and secret writes here are held by the org's prod change policies.
    public var isProtected: Bool { name == .prod || settings.protected }
}

/// What uses an environment, for `agentctl envs show` and for refusing to delete one in use.
public struct EnvironmentUse: Sendable, Hashable {
    public var deployments = 0
    public var secrets = 0
    public var schedules = 0
    public var webhooks = 0
    public var unfinishedExecutions = 0

    /// What keeps it from being deleted: values (secrets), what would start executions there
    /// (schedules, webhooks), and executions not yet ended. Deployments go with it.
    public var blocksDeletion: Bool { secrets + schedules + webhooks + unfinishedExecutions > 0 }

    public var summary: String {
        [(deployments, "deployed workflows"), (secrets, "secrets"), (schedules, "schedules"), (webhooks, "webhooks"),
         (unfinishedExecutions, "unfinished executions")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }
}

/// An org's environments (docs/governance.md#environments): dev, staging and prod always, and
/// those the org adds; each with settings that apply to the executions running in it. Reads of
/// settings on the run path go through `EnvironmentCache`.
public struct EnvironmentStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public func list(in scope: Scope) async throws -> [EnvironmentRecord] {
        try await database.read { db in try Environments.all(org: scope.orgID, db) }
    }

    public func get(_ name: String, in scope: Scope) async throws -> (EnvironmentRecord, EnvironmentUse) {
        try await database.read { db in
            let record = try Environments.require(name, org: scope.orgID, db)
            return (record, try Environments.use(of: record.name, org: scope.orgID, db))
        }
    }

    /// Creates `name` (a new one needs `create`; a built-in one always exists) or replaces its
    /// description and settings. Audited with what changed.
    public func put(_ name: DeployEnvironment, description: String?, settings: EnvironmentSettings?, create: Bool,
                    context: ChangeContext) async throws -> EnvironmentRecord {
        let audit = self.audit, cache = database.environments
        defer { cache.invalidate(org: context.scope.orgID) }
        return try await database.writer.submit { db in
            let org = context.scope.orgID
            let existing = try Environments.find(name, org: org, db)
            if existing == nil, !create {
                throw StorageError.notFound(.environment, id: "\(name.rawValue) (create it with `agentctl envs create \(name.rawValue)`)")
            }
            if create, existing != nil {
                throw StorageError.alreadyExists(.environment, field: "name", value: name.rawValue)
            }
            let before = existing ?? EnvironmentRecord(orgID: org, name: name, description: "", settings: EnvironmentSettings(), updatedAt: nil, updatedBy: nil)
            let description = description ?? before.description
            let settings = settings ?? before.settings
            let now = context.now.millisecondsSinceEpoch
            try db.execute(sql: """
                INSERT INTO environment (org_id, name, description, settings, created_at, created_by, updated_at, updated_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, name) DO UPDATE SET description = excluded.description, settings = excluded.settings,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, arguments: [org.rawValue, name.rawValue, description, settings.json.canonicalText, now, context.actor, now, context.actor])
            var details = before.settings.difference(to: settings).mapValues { "\($0.before.canonicalText) -> \($0.after.canonicalText)" }
            if description != before.description { details["description"] = description }
            let created = existing == nil && !name.isBuiltIn
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor,
                                        action: created ? .environmentCreated : .environmentUpdated, targetType: ResourceType.environment.rawValue,
                                        targetID: name.rawValue, requestID: context.requestID, details: details), in: db)
            return try Environments.require(name.rawValue, org: org, db)
        }
    }

    /// Deletes an environment the org added, with its deployments, once no secret, schedule,
    /// webhook or unfinished execution uses it. Built-in ones stay (their settings can be
    /// emptied with `put`).
    public func delete(_ name: String, context: ChangeContext) async throws {
        let audit = self.audit, cache = database.environments
        defer { cache.invalidate(org: context.scope.orgID) }
        try await database.writer.submit { db in
            let org = context.scope.orgID
            let record = try Environments.require(name, org: org, db)
            guard !record.name.isBuiltIn else {
                throw StorageError.protected(.environment, id: name, reason: "dev, staging and prod are in every org and cannot be deleted; "
                                             + "`agentctl envs set \(name) --clear` empties their settings")
            }
            let use = try Environments.use(of: record.name, org: org, db)
            guard !use.blocksDeletion else {
                throw StorageError.protected(.environment, id: name, reason: "environment \(name) is in use (\(use.summary)); delete its secrets, "
                                             + "schedules and webhooks and let its executions end first (`agentctl envs show \(name)`)")
            }
            try db.execute(sql: """
                DELETE FROM workflow_deployment WHERE environment = ? AND workflow_id IN (SELECT id FROM workflow WHERE org_id = ?)
                """, arguments: [name, org.rawValue])
            try db.execute(sql: "DELETE FROM environment WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .environmentDeleted,
                                        targetType: ResourceType.environment.rawValue, targetID: name, requestID: context.requestID,
                                        details: ["deployments_removed": "\(use.deployments)"]), in: db)
        }
    }

    /// The settings of `environment` in `org`, for a step that runs there (cached).
    public func settings(org: OrgID, environment: DeployEnvironment) async throws -> EnvironmentSettings {
        if let known = database.environments.known(org: org, environment: environment) { return known }
        return try await database.read { db in try Environments.settings(org: org, environment: environment, cache: database.environments, db) }
    }
}
