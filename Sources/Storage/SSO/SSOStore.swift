import Core
import Foundation
import GRDB

/// An identity provider as stored: its org and settings.
public struct SSOProvider: Sendable, Equatable {
    public let name: String
    public let orgID: OrgID
    public let orgName: String
    public let kind: String
    public let settings: OIDCProviderSettings
    public let createdAt: Instant
    public let createdBy: String
    public let updatedAt: Instant
}

/// Identity providers (`agentctl sso`), the links from their subjects to agentd users, and
/// the org's "SSO required" setting. Managing providers is an installation administrator's
/// act (a provider creates users, which are installation-wide); the routes check that.
public struct SSOStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    // MARK: Providers

    /// Adds a provider, or replaces one (`replace`). Each mapping must name a role the org has
    /// and, with a team, a team it has; each program a user who is a member of the org.
    @discardableResult
    public func save(_ settings: OIDCProviderSettings, orgReference: String?, replace: Bool, context: ChangeContext) async throws -> SSOProvider {
        let violations = settings.violations()
        if !violations.isEmpty { throw ValidationError(violations) }
        let audit = self.audit
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        return try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            try Self.checkReferences(settings, org: org, db)
            let added = try Self.upsert(settings.name, kind: "oidc", org: org, settings: json, replace: replace, context: context, db)
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor,
                                        action: added ? .ssoProviderAdded : .ssoProviderChanged,
                                        targetType: ResourceType.ssoProvider.rawValue, targetID: settings.name, requestID: context.requestID,
                                        details: ["kind": "oidc", "issuer": settings.issuer, "client_id": settings.clientID,
                                                  "mappings": settings.mappings.map(\.text).joined(separator: " "),
                                                  "programs": settings.programs.map(\.text).joined(separator: " ")]), in: db)
            guard let provider = try Self.provider(settings.name, db) else { throw StorageError.notFound(.ssoProvider, id: settings.name) }
            return provider
        }
    }

    /// Stores a provider's row: a new one, or (with `replace`) over one of the same kind. True
    /// when it was added.
    static func upsert(_ name: String, kind: String, org: OrgID, settings json: String, replace: Bool, context: ChangeContext,
                       _ db: Database) throws -> Bool {
        let existing = try Row.fetchOne(db, sql: "SELECT org_id, kind FROM sso_provider WHERE name = ?", arguments: [name])
        guard let existing else {
            try db.execute(sql: """
                INSERT INTO sso_provider (name, org_id, kind, settings, created_at, created_by, updated_at, updated_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [name, org.rawValue, kind, json, context.now.millisecondsSinceEpoch, context.actor,
                                 context.now.millisecondsSinceEpoch, context.actor])
            return true
        }
        guard replace, (existing["kind"] as String) == kind else { throw StorageError.alreadyExists(.ssoProvider, field: "name", value: name) }
        try db.execute(sql: "UPDATE sso_provider SET org_id = ?, settings = ?, updated_at = ?, updated_by = ? WHERE name = ?",
                       arguments: [org.rawValue, json, context.now.millisecondsSinceEpoch, context.actor, name])
        // why: people linked while the provider served another org must not keep a way in there.
        if (existing["org_id"] as String) != org.rawValue {
            try db.execute(sql: "DELETE FROM sso_identity WHERE provider = ?", arguments: [name])
        }
        return false
    }

    static func checkReferences(_ settings: OIDCProviderSettings, org: OrgID, _ db: Database) throws {
        try checkMappings(settings.mappings, org: org, programs: settings.programs, db)
    }

    static func checkMappings(_ mappings: [SSOMapping], org: OrgID, programs: [SSOProgram], _ db: Database) throws {
        var violations: [FieldViolation] = []
        for mapping in mappings {
            if try RoleStore.resolve(mapping.role, org: org, db) == nil {
                violations.append(FieldViolation(field: "map", message: "`\(mapping.text)`: the org has no role \(mapping.role) (agentctl roles list)"))
            }
            if let team = mapping.team, try String.fetchOne(db, sql: "SELECT id FROM team WHERE org_id = ? AND name = ?",
                                                            arguments: [org.rawValue, team]) == nil {
                violations.append(FieldViolation(field: "map", message: "`\(mapping.text)`: the org has no team \(team) (agentctl teams create \(team))"))
            }
        }
        for program in programs {
            let member = try Row.fetchOne(db, sql: """
                SELECT 1 FROM user_account u JOIN membership m ON m.user_id = u.id AND m.org_id = ? WHERE u.login = ?
                """, arguments: [org.rawValue, program.login]) != nil
            if !member {
                violations.append(FieldViolation(field: "program", message: "`\(program.text)`: \(program.login) is not a user of the org; "
                                                 + "create the service account first (agentctl users create \(program.login) --role …)"))
            }
        }
        if !violations.isEmpty { throw ValidationError(violations) }
    }

    public func remove(_ name: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            guard let org = try String.fetchOne(db, sql: "SELECT org_id FROM sso_provider WHERE name = ?", arguments: [name]) else {
                throw StorageError.notFound(.ssoProvider, id: name)
            }
            try db.execute(sql: "DELETE FROM sso_provider WHERE name = ?", arguments: [name])
            try audit.append(AuditEntry(at: context.now, orgID: org, actor: context.actor, action: .ssoProviderRemoved,
                                        targetType: ResourceType.ssoProvider.rawValue, targetID: name, requestID: context.requestID), in: db)
        }
    }

    public func providers() async throws -> [SSOProvider] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.*, o.name AS org_name FROM sso_provider p JOIN org o ON o.id = p.org_id WHERE p.kind = 'oidc' ORDER BY p.name
                """).map(Self.provider(from:))
        }
    }

    public func provider(_ name: String) async throws -> SSOProvider? {
        try await database.read { db in try Self.provider(name, db) }
    }

    /// The names of an org's providers, of every kind (where its people log in).
    public func providerNames(orgReference: String?, scope: Scope) async throws -> [String] {
        try await database.read { db in
            let org = try UserStore.org(orgReference, scope, db)
            return try String.fetchAll(db, sql: "SELECT name FROM sso_provider WHERE org_id = ? ORDER BY name", arguments: [org.rawValue])
        }
    }

    /// How many people each provider has linked: for `agentctl sso list`.
    public func linkedCounts() async throws -> [String: Int] {
        try await database.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT provider, count(*) AS n FROM sso_identity GROUP BY provider") {
                counts[row["provider"]] = row["n"]
            }
            return counts
        }
    }

    static func provider(_ name: String, _ db: Database) throws -> SSOProvider? {
        try Row.fetchOne(db, sql: """
            SELECT p.*, o.name AS org_name FROM sso_provider p JOIN org o ON o.id = p.org_id WHERE p.name = ? AND p.kind = 'oidc'
            """, arguments: [name]).map(provider(from:))
    }

    static func provider(from row: Row) throws -> SSOProvider {
        let name: String = row["name"]
        guard let org = OrgID(row["org_id"]) else { throw StorageError.notFound(.ssoProvider, id: name) }
        let settings = try JSONDecoder().decode(OIDCProviderSettings.self, from: Data((row["settings"] as String).utf8))
        return SSOProvider(name: name, orgID: org, orgName: row["org_name"], kind: row["kind"], settings: settings,
                           createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), createdBy: row["created_by"],
                           updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }

    // MARK: SSO required

    /// Whether an org requires SSO, and its break-glass logins.
    public struct Requirement: Sendable, Equatable {
        public let required: Bool
        public let breakGlass: [String]
    }

    public func requirement(orgReference: String?, scope: Scope) async throws -> Requirement {
        try await database.read { db in
            let org = try UserStore.org(orgReference, scope, db)
            return try Self.requirement(org, db)
        }
    }

    static func requirement(_ org: OrgID, _ db: Database) throws -> Requirement {
        let row = try Row.fetchOne(db, sql: "SELECT sso_required, sso_break_glass FROM org WHERE id = ?", arguments: [org.rawValue])
        let logins = (try? JSONDecoder().decode([String].self, from: Data(((row?["sso_break_glass"] as String?) ?? "[]").utf8))) ?? []
        return Requirement(required: row?["sso_required"] ?? false, breakGlass: logins)
    }

    /// Sets an org's requirement. Requiring SSO needs a provider for the org and at least one
    /// break-glass login of an org admin who has a password, so nobody is locked out when the
    /// IdP is down.
    public func setRequirement(orgReference: String?, required: Bool, breakGlass: [String], context: ChangeContext) async throws -> Requirement {
        for login in breakGlass { if let violation = UserRules.checkLogin(login, field: "break_glass") { throw ValidationError([violation]) } }
        let unique = Array(Set(breakGlass)).sorted()
        guard unique.count <= 20 else { throw ValidationError(field: "break_glass", "at most 20 logins") }
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            if required {
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM sso_provider WHERE org_id = ?", arguments: [org.rawValue]) ?? 0 > 0 else {
                    throw ValidationError(field: "required", "the org has no identity provider yet: add one first (agentctl sso add oidc …)")
                }
                var usable = 0
                for login in unique {
                    guard let row = try Row.fetchOne(db, sql: """
                        SELECT m.role, (SELECT 1 FROM password p WHERE p.user_id = u.id) AS has_password
                        FROM user_account u JOIN membership m ON m.user_id = u.id AND m.org_id = ? WHERE u.login = ? AND u.disabled_at IS NULL
                        """, arguments: [org.rawValue, login]) else {
                        throw ValidationError(field: "break_glass", "\(login) is not an enabled user of the org")
                    }
                    if (row["role"] as String) == Role.admin.rawValue && (row["has_password"] as Int64?) != nil { usable += 1 }
                }
                guard usable > 0 else {
                    throw ValidationError(field: "break_glass", "name at least one org admin with a password (--break-glass LOGIN): "
                                          + "they can still log in when the IdP is down")
                }
            }
            let json = String(decoding: try JSONEncoder().encode(unique), as: UTF8.self)
            try db.execute(sql: "UPDATE org SET sso_required = ?, sso_break_glass = ? WHERE id = ?", arguments: [required, json, org.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .ssoRequirementChanged,
                                        targetType: ResourceType.org.rawValue, targetID: org.rawValue, requestID: context.requestID,
                                        details: ["required": String(required), "break_glass": unique.joined(separator: " ")]), in: db)
            return Requirement(required: required, breakGlass: unique)
        }
    }
}
