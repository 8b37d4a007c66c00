import Core
import Foundation
import GRDB

/// Users and their memberships in orgs.
///
/// A scope that reaches one org sees only users who are members of that org; others are
/// `notFound`. Roles are granted only by callers who hold every permission of the role, and
/// no change may leave an org without an admin.
public struct UserStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// A user with the memberships the scope can see.
    public struct Profile: Sendable, Hashable {
        public let user: User
        public let memberships: [Membership]
    }

    /// Creates a user and makes it a member of `orgReference` (the caller's org when nil).
    public func create(login: String, displayName: String?, unixUID: UInt32?, orgReference: String?, role roleName: String,
                       context: ChangeContext) async throws -> Profile {
        if let violation = UserRules.checkLogin(login) { throw ValidationError([violation]) }
        if let displayName, let violation = OrgRules.checkDisplayName(displayName) { throw ValidationError([violation]) }
        if let unixUID, unixUID == 0 { throw ValidationError(field: "unix_uid", "must not be 0: root is already an administrator") }
        if unixUID != nil { try Self.checkHostUID(context) }
        let user = User(id: UserID.generate(at: context.now), login: login, displayName: displayName ?? login,
                        unixUID: unixUID, disabled: false, createdAt: context.now)
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try Self.org(orgReference, context.scope, db)
            let role = try RoleStore.require(roleName, org: org, db)
            guard role.canBeGranted(by: context.scope) else { throw StorageError.grantRefused("role \(role.name)") }
            do {
                try db.execute(sql: """
                    INSERT INTO user_account (id, login, display_name, unix_uid, created_at, created_by)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [user.id.rawValue, user.login, user.displayName, unixUID.map { Int64($0) },
                                     context.now.millisecondsSinceEpoch, context.actor])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                let taken = try Row.fetchOne(db, sql: "SELECT 1 FROM user_account WHERE login = ?", arguments: [login]) != nil
                throw taken ? StorageError.alreadyExists(.user, field: "login", value: login)
                            : StorageError.alreadyExists(.user, field: "unix_uid", value: unixUID.map(String.init) ?? "")
            }
            try Self.setMembership(org: org, user: user.id, role: role, context: context, db)
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .userCreated,
                                        targetType: ResourceType.user.rawValue, targetID: user.id.rawValue,
                                        requestID: context.requestID, details: ["login": login, "role": role.name]), in: db)
            return Profile(user: user, memberships: [Membership(orgID: org, userID: user.id, role: role)])
        }
    }

    /// Finds a user by ID (`usr_…`) or login.
    public func get(_ reference: String, in scope: Scope) async throws -> Profile {
        try await database.read { db in
            let user = try Self.resolve(reference, in: scope, db)
            return Profile(user: user, memberships: try Self.memberships(of: user.id, in: scope, db))
        }
    }

    /// Users the scope can see, oldest first.
    public func list(in scope: Scope, page: PageRequest) async throws -> Page<Profile> {
        try await database.read { db in
            var query = KeysetQuery("SELECT u.* FROM user_account u", key: .text("u.id"))
            if scope.reach == .org {
                query.filter(" AND EXISTS (SELECT 1 FROM membership m WHERE m.user_id = u.id AND m.org_id = ?)", [scope.orgID.rawValue])
            }
            return try query.page(page, db, cursor: \.user.id.rawValue) { row in
                let user = try Self.user(from: row)
                return Profile(user: user, memberships: try Self.memberships(of: user.id, in: scope, db))
            }
        }
    }

    /// Changes a user's display name, socket uid, or disables/enables it.
    public func update(_ reference: String, displayName: String?, unixUID: UInt32??, disabled: Bool?,
                       context: ChangeContext) async throws -> Profile {
        if let displayName, let violation = OrgRules.checkDisplayName(displayName) { throw ValidationError([violation]) }
        if case .some(.some(0)) = unixUID { throw ValidationError(field: "unix_uid", "must not be 0: root is already an administrator") }
        let audit = self.audit
        return try await database.writer.submit { db in
            var user = try Self.resolve(reference, in: context.scope, db)
            try Self.checkOnlyInScope(user, context.scope, db)
            try Self.checkAuthority(over: user, context, db)
            if unixUID != nil { try Self.checkHostUID(context) }
            if disabled == true, !user.disabled { try Self.checkNotLastAdmin(user, leaving: nil, db) }
            var details: [String: String] = [:]
            if let displayName { user.displayName = displayName; details["display_name"] = "changed" }
            if let unixUID { user.unixUID = unixUID; details["unix_uid"] = unixUID.map(String.init) ?? "none" }
            if let disabled {
                user.disabled = disabled
                details["disabled"] = String(disabled)
            }
            do {
                try db.execute(sql: """
                    UPDATE user_account SET display_name = ?, unix_uid = ?,
                        disabled_at = CASE WHEN ? THEN coalesce(disabled_at, ?) ELSE NULL END
                    WHERE id = ?
                    """, arguments: [user.displayName, user.unixUID.map { Int64($0) }, user.disabled,
                                     context.now.millisecondsSinceEpoch, user.id.rawValue])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StorageError.alreadyExists(.user, field: "unix_uid", value: user.unixUID.map(String.init) ?? "")
            }
            let action: AuditAction = disabled == true ? .userDisabled : .userUpdated
            try audit.append(AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor,
                                        action: action, targetType: ResourceType.user.rawValue, targetID: user.id.rawValue,
                                        requestID: context.requestID, details: details), in: db)
            return Profile(user: user, memberships: try Self.memberships(of: user.id, in: context.scope, db))
        }
    }

    /// What a membership change did: done (nil when the membership was removed), or (role
    /// changes held for approval in the org) the change request it opened.
    public enum MembershipOutcome: Sendable {
        case done(Membership?)
        case requested(ChangeRecord)
    }

    /// Gives `user` a role in `org` (adding the membership if needed), or removes the membership
    /// when `role` is nil. Refuses to leave the org without an admin. Where the org holds
    /// `role.change` for approval, changing an existing member's role opens a change request.
    public func setMembership(org orgReference: String, user reference: String, role roleName: String?,
                              context: ChangeContext) async throws -> MembershipOutcome {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try Self.org(orgReference, context.scope, db)
            let role = try roleName.map { try RoleStore.require($0, org: org, db) }
            if let role, !role.canBeGranted(by: context.scope) { throw StorageError.grantRefused("role \(role.name)") }
            // The user must exist; an installation scope sees every user, an org scope must
            // reach the org (checked above), and may add users it cannot see yet by ID only.
            let user = try Self.resolve(reference, in: Scope(orgID: org, reach: .installation, roles: []), db)
            let previous = try String.fetchOne(db, sql: "SELECT role FROM membership WHERE org_id = ? AND user_id = ?",
                                               arguments: [org.rawValue, user.id.rawValue])
            if context.scope.reach == .org && previous == nil {
                // why: an org admin adds people by creating users; joining another org's user
                // would let it act on (and through) that user. Installation admins may.
                throw StorageError.notFound(.user, id: reference)
            }
            // why: a users.manage holder must not demote or remove someone it could not make.
            if previous != nil { try Self.checkAuthority(over: user, context, db) }
            if previous == Role.admin.rawValue && role?.name != Role.admin.rawValue {
                try Self.checkNotLastAdmin(user, leaving: org, db)
            }
            if let role, let previous, previous != role.name, let policy = try ChangeStore.gate(.roleChange, org: org, db) {
                return .requested(try ChangeStore.open(.roleChange, policy: policy, org: org, team: nil, target: (user.id.rawValue, user.login),
                                                       summary: "change \(user.login)'s role from \(previous) to \(role.name)",
                                                       payload: ["user_id": .string(user.id.rawValue), "role": .string(role.name)],
                                                       diff: ["role": ["before": .string(previous), "after": .string(role.name)]],
                                                       context: context, audit: audit, db))
            }
            if let role {
                try Self.setMembership(org: org, user: user.id, role: role, context: context, db)
                try Self.resetBroadTeamRoles(org: org, user: user.id, db)
            } else {
                guard previous != nil else { throw StorageError.notFound(.user, id: reference) }
                try db.execute(sql: "DELETE FROM membership WHERE org_id = ? AND user_id = ?",
                               arguments: [org.rawValue, user.id.rawValue])
                try db.execute(sql: "DELETE FROM team_member WHERE org_id = ? AND user_id = ?",
                               arguments: [org.rawValue, user.id.rawValue])
            }
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .membershipChanged,
                                        targetType: ResourceType.user.rawValue, targetID: user.id.rawValue,
                                        requestID: context.requestID,
                                        details: ["from": previous ?? "none", "to": role?.name ?? "none"]), in: db)
            return .done(role.map { Membership(orgID: org, userID: user.id, role: $0) })
        }
    }

    /// What an approved role change does, in the unit of its last approval: the checks that
    /// hold at that moment (the org keeps an admin), the role, the user's team roles.
    static func applyApprovedRole(org: OrgID, user userID: String, role roleName: String, context: ChangeContext, audit: AuditLog,
                                  change: String, _ db: Database) throws -> (from: String, to: String) {
        let user = try resolve(userID, in: Scope(orgID: org, reach: .installation, roles: []), db)
        guard let previous = try String.fetchOne(db, sql: "SELECT role FROM membership WHERE org_id = ? AND user_id = ?",
                                                 arguments: [org.rawValue, user.id.rawValue]) else {
            throw StorageError.notFound(.user, id: "\(user.login) (no longer a member)")
        }
        let role = try RoleStore.require(roleName, org: org, db)
        if previous == Role.admin.rawValue && role.name != Role.admin.rawValue { try checkNotLastAdmin(user, leaving: org, db) }
        try setMembership(org: org, user: user.id, role: role, context: context, db)
        try resetBroadTeamRoles(org: org, user: user.id, db)
        try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .membershipChanged,
                                    targetType: ResourceType.user.rawValue, targetID: user.id.rawValue, requestID: context.requestID,
                                    details: ["from": previous, "to": role.name, "change": change]), in: db)
        return (previous, role.name)
    }

    /// The active user with this Unix uid, and its membership in `orgName` (or, when nil, its
    /// oldest membership), for socket identification.
    public func socketMember(uid: UInt32, orgName: String?) async throws -> (User, Membership, Set<TeamID>)? {
        try await database.read { db in
            var sql = """
                SELECT u.*, m.role AS member_role, m.org_id AS member_org FROM user_account u
                JOIN membership m ON m.user_id = u.id
                JOIN org o ON o.id = m.org_id
                WHERE u.unix_uid = ? AND u.disabled_at IS NULL
                """
            var arguments: [any DatabaseValueConvertible] = [Int64(uid)]
            if let orgName {
                sql += " AND (o.name = ? OR o.id = ?)"
                arguments += [orgName, orgName]
            }
            sql += " ORDER BY m.created_at, m.org_id LIMIT 1"
            guard let row = try Row.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)),
                  let org = OrgID(row["member_org"]),
                  let role = try RoleStore.resolve(row["member_role"], org: org, db) else { return nil }
            let user = try Self.user(from: row)
            return (user, Membership(orgID: org, userID: user.id, role: role), try TeamStore.teams(of: user.id, in: org, db))
        }
    }

    // MARK: - Rules

    /// Team roles may only narrow org roles: after an org role changes (or a custom role's
    /// permissions do), a team role broader than its member's org role falls back to the org role.
    /// `user` nil: every member of the org.
    static func resetBroadTeamRoles(org: OrgID, user: UserID?, _ db: Database) throws {
        var sql = """
            SELECT t.team_id, t.user_id, t.role AS team_role, m.role AS org_role FROM team_member t
            JOIN membership m ON m.org_id = t.org_id AND m.user_id = t.user_id
            WHERE t.org_id = ? AND t.role IS NOT NULL
            """
        var arguments: [any DatabaseValueConvertible] = [org.rawValue]
        if let user {
            sql += " AND t.user_id = ?"
            arguments.append(user.rawValue)
        }
        for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
            let teamRole = try RoleStore.resolve(row["team_role"], org: org, db)
            let orgRole = try RoleStore.resolve(row["org_role"], org: org, db)
            guard let teamRole, let orgRole, TeamRoleAuthority.narrows(teamRole, orgRole: orgRole) else {
                try db.execute(sql: "UPDATE team_member SET role = NULL WHERE team_id = ? AND user_id = ?",
                               arguments: [row["team_id"] as String, row["user_id"] as String])
                continue
            }
        }
    }

    /// An org-scoped caller may change a user's own attributes (name, uid, disabled, password)
    /// only when the user belongs to no other org: those attributes act in every org.
    static func checkOnlyInScope(_ user: User, _ scope: Scope, _ db: Database) throws {
        guard scope.reach == .org else { return }
        let elsewhere = try Int.fetchOne(db, sql: "SELECT count(*) FROM membership WHERE user_id = ? AND org_id != ?",
                                         arguments: [user.id.rawValue, scope.orgID.rawValue]) ?? 0
        if elsewhere > 0 {
            throw StorageError.protected(.user, id: user.id.rawValue,
                                         reason: "\(user.login) is also a member of another org; an installation administrator must change it")
        }
    }

    /// Refuses a change that would leave an org without an enabled admin: `user` leaving `org`
    /// (demotion or removal), or, when `org` is nil, `user` being disabled (every org it admins).
    static func checkNotLastAdmin(_ user: User, leaving org: OrgID?, _ db: Database) throws {
        var sql = "SELECT org_id FROM membership WHERE user_id = ? AND role = 'admin'"
        var arguments: [any DatabaseValueConvertible] = [user.id.rawValue]
        if let org {
            sql += " AND org_id = ?"
            arguments.append(org.rawValue)
        }
        for orgID in try String.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
            let others = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM membership m JOIN user_account u ON u.id = m.user_id
                WHERE m.org_id = ? AND m.role = 'admin' AND m.user_id != ? AND u.disabled_at IS NULL
                """, arguments: [orgID, user.id.rawValue]) ?? 0
            if others == 0 {
                throw StorageError.protected(.user, id: user.id.rawValue,
                                             reason: "\(user.login) is the last admin of an org; make someone else admin first")
            }
        }
    }

    // MARK: - Rows

    static func org(_ reference: String?, _ scope: Scope, _ db: Database) throws -> OrgID {
        guard let reference else { return scope.orgID }
        let id: String?
        if let orgID = OrgID(reference) {
            id = try String.fetchOne(db, sql: "SELECT id FROM org WHERE id = ?", arguments: [orgID.rawValue])
        } else {
            id = try String.fetchOne(db, sql: "SELECT id FROM org WHERE name = ?", arguments: [reference])
        }
        guard let id, let orgID = OrgID(id), scope.canSee(org: orgID) else { throw StorageError.notFound(.org, id: reference) }
        return orgID
    }

    private static func setMembership(org: OrgID, user: UserID, role: MemberRole, context: ChangeContext, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO membership (org_id, user_id, role, created_at, created_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role
            """, arguments: [org.rawValue, user.rawValue, role.name, context.now.millisecondsSinceEpoch, context.actor])
    }

    static func resolve(_ reference: String, in scope: Scope, _ db: Database) throws -> User {
        let row: Row?
        if let id = UserID(reference) {
            row = try Row.fetchOne(db, sql: "SELECT * FROM user_account WHERE id = ?", arguments: [id.rawValue])
        } else {
            row = try Row.fetchOne(db, sql: "SELECT * FROM user_account WHERE login = ?", arguments: [reference])
        }
        guard let row else { throw StorageError.notFound(.user, id: reference) }
        let user = try user(from: row)
        if scope.reach == .org {
            let member = try Row.fetchOne(db, sql: "SELECT 1 FROM membership WHERE org_id = ? AND user_id = ?",
                                          arguments: [scope.orgID.rawValue, user.id.rawValue]) != nil
            // why: a user of another tenant is reported exactly like a missing one.
            guard member else { throw StorageError.notFound(.user, id: reference) }
        }
        return user
    }

    static func memberships(of user: UserID, in scope: Scope, _ db: Database) throws -> [Membership] {
        var sql = "SELECT org_id, role FROM membership WHERE user_id = ?"
        var arguments: [any DatabaseValueConvertible] = [user.rawValue]
        if scope.reach == .org {
            sql += " AND org_id = ?"
            arguments.append(scope.orgID.rawValue)
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY org_id", arguments: StatementArguments(arguments)).compactMap { row in
            guard let org = OrgID(row["org_id"]), let role = try RoleStore.resolve(row["role"], org: org, db) else { return nil }
            return Membership(orgID: org, userID: user, role: role)
        }
    }

    static func user(from row: Row) throws -> User {
        let idText: String = row["id"]
        guard let id = UserID(idText) else { throw StorageError.notFound(.user, id: idText) }
        let uid: Int64? = row["unix_uid"]
        let disabledAt: Int64? = row["disabled_at"]
        return User(id: id, login: row["login"], displayName: row["display_name"], unixUID: uid.map { UInt32($0) },
                    disabled: disabledAt != nil, createdAt: Instant(millisecondsSinceEpoch: row["created_at"]))
    }
}
