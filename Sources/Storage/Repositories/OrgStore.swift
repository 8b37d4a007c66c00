import Core
import GRDB

/// Orgs: the tenants of this installation.
///
/// Every method takes the caller's `Scope`. A scope that reaches one org sees only that org;
/// any other org is `notFound`, exactly as if it did not exist.
public struct OrgStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// Creates an org. Throws `ValidationError` for a bad name and `alreadyExists` for a taken one.
    public func create(name: String, displayName: String?, context: ChangeContext) async throws -> Org {
        try Self.validate(name: name, displayName: displayName)
        guard context.scope.reach == .installation else {
            // An org-scoped caller cannot make tenants; the API checks the permission first,
            // this keeps the rule true for every other caller too.
            throw StorageError.notFound(.org, id: name)
        }
        let now = context.now
        let org = Org(id: OrgID.generate(at: now), name: name, displayName: displayName ?? name,
                      createdAt: now, updatedAt: now)
        let audit = self.audit
        return try await database.writer.submit { db in
            try Self.insert(org, db)
            try audit.append(Self.event(.orgCreated, org, context, details: ["name": org.name]), in: db)
            return org
        }
    }

    /// Makes sure the org socket administrators act in exists, and returns it.
    public func ensureDefault(now: Instant) async throws -> Org {
        let audit = self.audit
        return try await database.writer.submit { db in
            if let existing = try Self.fetch(sql: "SELECT * FROM org WHERE name = ?", [Org.defaultName], db) {
                return existing
            }
            let org = Org(id: OrgID.generate(at: now), name: Org.defaultName, displayName: "Default organisation",
                          createdAt: now, updatedAt: now)
            try Self.insert(org, db)
            try audit.append(AuditEntry(at: now, orgID: org.id.rawValue, actor: "system", action: .orgCreated,
                                        targetType: ResourceType.org.rawValue, targetID: org.id.rawValue,
                                        details: ["name": org.name]), in: db)
            return org
        }
    }

    /// Finds an org by ID (`org_…`) or by name.
    public func get(_ reference: String, in scope: Scope) async throws -> Org {
        try await database.read { db in try Self.resolve(reference, in: scope, db) }
    }

    /// Lists the orgs the scope can see, oldest first.
    public func list(in scope: Scope, page: PageRequest) async throws -> Page<Org> {
        try await database.read { db in
            var query = KeysetQuery("SELECT * FROM org", key: .text("id"))
            if scope.reach == .org { query.filter(" AND id = ?", [scope.orgID.rawValue]) }
            return try query.page(page, db, cursor: \.id.rawValue, Self.org(from:))
        }
    }

    /// Renames an org and/or changes its display name. The default org keeps its name.
    public func update(_ reference: String, name: String?, displayName: String?,
                       context: ChangeContext) async throws -> Org {
        if let name { try Self.validate(name: name, displayName: displayName) }
        else if let displayName, let violation = OrgRules.checkDisplayName(displayName) { throw ValidationError([violation]) }
        let audit = self.audit
        let now = context.now
        return try await database.writer.submit { db in
            var org = try Self.resolve(reference, in: context.scope, db)
            let before = org
            if let name, name != org.name {
                if org.name == Org.defaultName {
                    throw StorageError.protected(.org, id: org.id.rawValue,
                                                 reason: "the default org keeps its name; socket administrators act in it")
                }
                org.name = name
            }
            if let displayName { org.displayName = displayName }
            org.updatedAt = now
            do {
                try db.execute(sql: "UPDATE org SET name = ?, display_name = ?, updated_at = ? WHERE id = ?",
                               arguments: [org.name, org.displayName, now.millisecondsSinceEpoch, org.id.rawValue])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StorageError.alreadyExists(.org, field: "name", value: org.name)
            }
            var details: [String: String] = [:]
            if before.name != org.name { details["name"] = "\(before.name) -> \(org.name)" }
            if before.displayName != org.displayName { details["display_name"] = "changed" }
            try audit.append(Self.event(.orgUpdated, org, context, details: details), in: db)
            return org
        }
    }

    /// Deletes an org. The default org cannot be deleted.
    public func delete(_ reference: String, context: ChangeContext) async throws -> Org {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try Self.resolve(reference, in: context.scope, db)
            guard context.scope.reach == .installation else { throw StorageError.notFound(.org, id: reference) }
            if org.name == Org.defaultName {
                throw StorageError.protected(.org, id: org.id.rawValue,
                                             reason: "the default org cannot be deleted; socket administrators act in it")
            }
            try db.execute(sql: "DELETE FROM org WHERE id = ?", arguments: [org.id.rawValue])
            // Model calls outlive executions (retention keeps cost history) but not their org.
            try db.execute(sql: "DELETE FROM llm_call WHERE org_id = ?", arguments: [org.id.rawValue])
            try audit.append(Self.event(.orgDeleted, org, context, details: ["name": org.name]), in: db)
            return org
        }
    }

    // MARK: - Rows

    private static func event(_ action: AuditAction, _ org: Org, _ context: ChangeContext,
                              details: [String: String]) -> AuditEntry {
        AuditEntry(at: context.now, orgID: org.id.rawValue, actor: context.actor, action: action,
                   targetType: ResourceType.org.rawValue, targetID: org.id.rawValue, requestID: context.requestID,
                   details: details)
    }

    private static func validate(name: String, displayName: String?) throws {
        var violations: [FieldViolation] = []
        if let violation = OrgRules.checkName(name) { violations.append(violation) }
        if let displayName, let violation = OrgRules.checkDisplayName(displayName) { violations.append(violation) }
        if !violations.isEmpty { throw ValidationError(violations) }
    }

    private static func insert(_ org: Org, _ db: Database) throws {
        do {
            try db.execute(sql: """
                INSERT INTO org (id, name, display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [org.id.rawValue, org.name, org.displayName,
                                 org.createdAt.millisecondsSinceEpoch, org.updatedAt.millisecondsSinceEpoch])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StorageError.alreadyExists(.org, field: "name", value: org.name)
        }
    }

    private static func resolve(_ reference: String, in scope: Scope, _ db: Database) throws -> Org {
        let found: Org?
        if let id = OrgID(reference) {
            found = try fetch(sql: "SELECT * FROM org WHERE id = ?", [id.rawValue], db)
        } else {
            found = try fetch(sql: "SELECT * FROM org WHERE name = ?", [reference], db)
        }
        // why: another tenant's org is reported exactly like a missing one (no existence leak).
        guard let org = found, scope.canSee(org: org.id) else {
            throw StorageError.notFound(.org, id: reference)
        }
        return org
    }

    private static func fetch(sql: String, _ arguments: StatementArguments, _ db: Database) throws -> Org? {
        try Row.fetchOne(db, sql: sql, arguments: arguments).map(org(from:))
    }

    private static func org(from row: Row) throws -> Org {
        let idText: String = row["id"]
        guard let id = OrgID(idText) else { throw StorageError.notFound(.org, id: idText) }
        return Org(id: id, name: row["name"], displayName: row["display_name"],
                   createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                   updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }
}
