import Core
import Foundation
import GRDB

/// A team in an org, with its members.
public struct Team: Sendable, Hashable {
    public let id: TeamID
    public let orgID: OrgID
    public var name: String
    public let createdAt: Instant
    /// Members and their team role name (nil: their org role applies).
    public var members: [TeamMember]
}

public struct TeamMember: Sendable, Hashable {
    public let userID: UserID
    public let login: String
    public let role: String?
}

/// Teams of the scope's org. A team role narrows a member's org role (it may not grant more).
public struct TeamStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public func create(name: String, orgReference: String?, context: ChangeContext) async throws -> Team {
        if let violation = OrgRules.checkName(name) { throw ValidationError([violation]) }
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            try QuotaStore.check(.teams, org: org, db)
            let team = Team(id: TeamID.generate(at: context.now), orgID: org, name: name, createdAt: context.now, members: [])
            do {
                try db.execute(sql: "INSERT INTO team (id, org_id, name, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                               arguments: [team.id.rawValue, org.rawValue, name, context.now.millisecondsSinceEpoch, context.actor])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StorageError.alreadyExists(.team, field: "name", value: name)
            }
            try audit.append(Self.event(.teamCreated, team, context, ["name": name]), in: db)
            return team
        }
    }

    public func list(in scope: Scope, page: PageRequest) async throws -> Page<Team> {
        try await database.read { db in
            var query = KeysetQuery("SELECT * FROM team", key: .text("id"))
            if scope.reach == .org { query.filter(" AND org_id = ?", [scope.orgID.rawValue]) }
            return try query.page(page, db, cursor: \.id.rawValue) { try Self.team(from: $0, db) }
        }
    }

    public func get(_ reference: String, in scope: Scope) async throws -> Team {
        try await database.read { db in try Self.resolve(reference, scope, db) }
    }

    public func rename(_ reference: String, to name: String, context: ChangeContext) async throws -> Team {
        if let violation = OrgRules.checkName(name) { throw ValidationError([violation]) }
        let audit = self.audit
        return try await database.writer.submit { db in
            var team = try Self.resolve(reference, context.scope, db)
            let old = team.name
            team.name = name
            do {
                try db.execute(sql: "UPDATE team SET name = ? WHERE id = ?", arguments: [name, team.id.rawValue])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StorageError.alreadyExists(.team, field: "name", value: name)
            }
            try audit.append(Self.event(.teamUpdated, team, context, ["name": "\(old) -> \(name)"]), in: db)
            return team
        }
    }

    public func delete(_ reference: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let team = try Self.resolve(reference, context.scope, db)
            // why: a team's agents and workflows would otherwise fall to the whole org (or dangle).
            let owned = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM agent WHERE team_id = ?1) + (SELECT count(*) FROM workflow WHERE team_id = ?1)
                     + (SELECT count(*) FROM secret WHERE team_id = ?1)
                """, arguments: [team.id.rawValue]) ?? 0
            if owned > 0 {
                throw StorageError.protected(.team, id: team.id.rawValue,
                                             reason: "team \(team.name) owns \(owned) agent(s), workflow(s) or secret(s); move them to another team or delete them first")
            }
            try db.execute(sql: "DELETE FROM team WHERE id = ?", arguments: [team.id.rawValue])
            try audit.append(Self.event(.teamDeleted, team, context, ["name": team.name]), in: db)
        }
    }

    /// Adds `user` (a member of the team's org) to the team, or changes its team role. The team
    /// role may only narrow the user's org role.
    public func setMember(team reference: String, user userReference: String, role roleName: String?,
                          context: ChangeContext) async throws -> Team {
        let audit = self.audit
        return try await database.writer.submit { db in
            var team = try Self.resolve(reference, context.scope, db)
            let user = try UserStore.resolve(userReference, in: Scope(orgID: team.orgID, reach: .org, roles: []), db)
            guard let orgRoleText = try String.fetchOne(db, sql: "SELECT role FROM membership WHERE org_id = ? AND user_id = ?",
                                                        arguments: [team.orgID.rawValue, user.id.rawValue]),
                  let orgRole = try RoleStore.resolve(orgRoleText, org: team.orgID, db) else {
                throw StorageError.notFound(.user, id: userReference)
            }
            let role = try roleName.map { try RoleStore.require($0, org: team.orgID, db) }
            if let role, let violation = TeamRoleAuthority.violation(teamRole: role, orgRole: orgRole, login: user.login) {
                throw ValidationError([violation])
            }
            try db.execute(sql: """
                INSERT INTO team_member (team_id, user_id, org_id, role) VALUES (?, ?, ?, ?)
                ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role
                """, arguments: [team.id.rawValue, user.id.rawValue, team.orgID.rawValue, role?.name])
            try audit.append(Self.event(.teamMembershipChanged, team, context,
                                        ["user": user.id.rawValue, "role": role?.name ?? "org role"]), in: db)
            team.members = try Self.members(team.id, db)
            return team
        }
    }

    public func removeMember(team reference: String, user userReference: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let team = try Self.resolve(reference, context.scope, db)
            let user = try UserStore.resolve(userReference, in: Scope(orgID: team.orgID, reach: .org, roles: []), db)
            try db.execute(sql: "DELETE FROM team_member WHERE team_id = ? AND user_id = ?", arguments: [team.id.rawValue, user.id.rawValue])
            guard db.changesCount == 1 else { throw StorageError.notFound(.user, id: userReference) }
            try audit.append(Self.event(.teamMembershipChanged, team, context, ["user": user.id.rawValue, "role": "removed"]), in: db)
        }
    }

    /// The teams of `org` that `user` belongs to (for its scope).
    static func teams(of user: UserID, in org: OrgID, _ db: Database) throws -> Set<TeamID> {
        Set(try String.fetchAll(db, sql: "SELECT team_id FROM team_member WHERE org_id = ? AND user_id = ?",
                                arguments: [org.rawValue, user.rawValue]).compactMap(TeamID.init))
    }

    // MARK: - Rows

    private static func event(_ action: AuditAction, _ team: Team, _ context: ChangeContext, _ details: [String: String]) -> AuditEntry {
        AuditEntry(at: context.now, orgID: team.orgID.rawValue, actor: context.actor, action: action,
                   targetType: ResourceType.team.rawValue, targetID: team.id.rawValue, requestID: context.requestID, details: details)
    }

    static func resolve(_ reference: String, _ scope: Scope, _ db: Database) throws -> Team {
        let row: Row?
        if let id = TeamID(reference) {
            row = try Row.fetchOne(db, sql: "SELECT * FROM team WHERE id = ?", arguments: [id.rawValue])
        } else {
            // Names are unique per org: an org-scoped caller means its own org's team.
            row = try Row.fetchOne(db, sql: "SELECT * FROM team WHERE name = ? AND org_id = ? ", arguments: [reference, scope.orgID.rawValue])
        }
        guard let row else { throw StorageError.notFound(.team, id: reference) }
        let team = try team(from: row, db)
        guard scope.canSee(org: team.orgID) else { throw StorageError.notFound(.team, id: reference) }
        return team
    }

    static func members(_ team: TeamID, _ db: Database) throws -> [TeamMember] {
        try Row.fetchAll(db, sql: """
            SELECT t.user_id, t.role, u.login FROM team_member t JOIN user_account u ON u.id = t.user_id
            WHERE t.team_id = ? ORDER BY u.login
            """, arguments: [team.rawValue]).compactMap { row in
            guard let user = UserID(row["user_id"]) else { return nil }
            return TeamMember(userID: user, login: row["login"], role: row["role"])
        }
    }

    static func team(from row: Row, _ db: Database) throws -> Team {
        let idText: String = row["id"]
        guard let id = TeamID(idText), let org = OrgID(row["org_id"]) else { throw StorageError.notFound(.team, id: idText) }
        return Team(id: id, orgID: org, name: row["name"], createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                    members: try members(id, db))
    }
}
