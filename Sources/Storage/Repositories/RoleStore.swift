import Core
import Foundation
import GRDB

/// The custom roles of the scope's org, and the resolution of role names (built-in or custom)
/// that memberships and team memberships store.
public struct RoleStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// Creates or replaces a custom role. The caller must hold every permission it grants.
    public func put(name: String, permissions: Set<Permission>, orgReference: String?,
                    context: ChangeContext) async throws -> CustomRole {
        if let violation = CustomRole.checkName(name) ?? CustomRole.checkPermissions(permissions) { throw ValidationError([violation]) }
        let role = CustomRole(name: name, permissions: permissions)
        guard MemberRole.custom(role).canBeGranted(by: context.scope) else {
            throw StorageError.grantRefused("a role with permissions you do not hold")
        }
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            let existed = try Self.custom(name, org: org, db) != nil
            try db.execute(sql: """
                INSERT INTO custom_role (org_id, name, permissions, created_at, created_by) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (org_id, name) DO UPDATE SET permissions = excluded.permissions
                """, arguments: [org.rawValue, name, Self.encode(permissions), context.now.millisecondsSinceEpoch, context.actor])
            if existed { try UserStore.resetBroadTeamRoles(org: org, user: nil, db) }
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor,
                                        action: existed ? .roleUpdated : .roleCreated, targetType: ResourceType.role.rawValue,
                                        targetID: name, requestID: context.requestID,
                                        details: ["permissions": Self.encode(permissions)]), in: db)
            return role
        }
    }

    /// The org's custom roles, by name.
    public func list(orgReference: String?, in scope: Scope) async throws -> [CustomRole] {
        try await database.read { db in
            let org = try UserStore.org(orgReference, scope, db)
            return try Row.fetchAll(db, sql: "SELECT name, permissions FROM custom_role WHERE org_id = ? ORDER BY name",
                                    arguments: [org.rawValue]).map { CustomRole(name: $0["name"], permissions: Self.decode($0["permissions"])) }
        }
    }

    /// Deletes a custom role nobody holds.
    public func delete(_ name: String, orgReference: String?, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            guard try Self.custom(name, org: org, db) != nil else { throw StorageError.notFound(.role, id: name) }
            let holders = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM membership WHERE org_id = ? AND role = ?)
                     + (SELECT count(*) FROM team_member WHERE org_id = ? AND role = ?)
                """, arguments: [org.rawValue, name, org.rawValue, name]) ?? 0
            if holders > 0 {
                throw StorageError.protected(.role, id: name, reason: "\(holders) membership(s) use the role `\(name)`; give them another role first")
            }
            let policy = try String.fetchOne(db, sql: "SELECT mfa_required_roles FROM org WHERE id = ?", arguments: [org.rawValue]) ?? ""
            if MFAStore.roleNames(policy).contains(name) {
                throw StorageError.protected(.role, id: name, reason: "the org's MFA policy names `\(name)`; change the policy first")
            }
            try db.execute(sql: "DELETE FROM custom_role WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .roleDeleted,
                                        targetType: ResourceType.role.rawValue, targetID: name, requestID: context.requestID), in: db)
        }
    }

    // MARK: - Resolution

    /// The role `name` means in `org`: a built-in role, or the org's custom role; nil if neither.
    static func resolve(_ name: String, org: OrgID, _ db: Database) throws -> MemberRole? {
        if let role = Role(rawValue: name) { return .builtIn(role) }
        return try custom(name, org: org, db).map { .custom($0) }
    }

    /// Like `resolve`, but an unknown name is a validation error naming `field`.
    static func require(_ name: String, org: OrgID, field: String = "role", _ db: Database) throws -> MemberRole {
        guard let role = try resolve(name, org: org, db) else {
            throw ValidationError(field: field, "`\(name)` is neither a built-in role (\(Role.allCases.map(\.rawValue).joined(separator: ", "))) nor a custom role of this org")
        }
        return role
    }

    static func custom(_ name: String, org: OrgID, _ db: Database) throws -> CustomRole? {
        try Row.fetchOne(db, sql: "SELECT permissions FROM custom_role WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name])
            .map { CustomRole(name: name, permissions: decode($0["permissions"])) }
    }

    static func encode(_ permissions: Set<Permission>) -> String { permissions.map(\.rawValue).sorted().joined(separator: ",") }

    static func decode(_ text: String) -> Set<Permission> {
        Set(text.split(separator: ",").compactMap { Permission(rawValue: String($0)) })
    }
}
