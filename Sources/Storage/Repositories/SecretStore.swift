import Core
import Foundation
import GRDB

/// A secret's metadata: never its value.
public struct SecretInfo: Sendable, Hashable {
    public let orgID: OrgID
    /// The owning team; nil: the whole org's.
    public let teamID: TeamID?
    public let environment: DeployEnvironment
    public let path: String
    public let currentVersion: Int
    public let createdAt: Instant
    public let updatedAt: Instant
    public let updatedBy: String
}

public struct SecretVersionInfo: Sendable, Hashable {
    public let version: Int
    public let keyID: String
    public let createdAt: Instant
    public let createdBy: String
}

/// Sealed secret values and their metadata, per org and environment. Values arrive sealed by
/// the vault (the `seal` closure runs inside the writer unit, once the version is known) and
/// are never returned by anything a route can reach: `allSealed` serves checks and rotation.
public struct SecretStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// What storing a value did: a new version, or (prod writes held for approval) the change
    /// request it opened, the value waiting sealed beside it.
    public enum PutOutcome: Sendable {
        case written(SecretInfo)
        case requested(ChangeRecord)
    }

    /// Stores a new version of `path` (version 1 for a new secret). `team` (a name or id) makes
    /// a new secret that team's; an existing one keeps its owner unless an org admin moves it.
    /// Where the org holds `secret.prod` for approval, a write in prod opens a change request.
    public func put(path: String, environment: DeployEnvironment, orgReference: String?, team teamReference: String? = nil,
                    context: ChangeContext, seal: @escaping @Sendable (SecretRef) throws -> SealedSecret) async throws -> PutOutcome {
        if let violation = SecretRules.checkPath(path) { throw ValidationError([violation]) }
        let audit = self.audit, environments = database.environments
        return try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            let (current, team) = try Self.owner(path: path, environment: environment, org: org, team: teamReference, scope: context.scope, db)
            if try Environments.isProtected(environment, org: org, cache: environments, db), let policy = try ChangeStore.gate(.secretProd, org: org, db) {
                return .requested(try HeldSecrets.hold(policy: policy, org: org, team: team, environment: environment, path: path, current: current,
                                                       context: context, seal: seal, audit: audit, db))
            }
            return .written(try Self.write(path: path, environment: environment, org: org, team: teamReference, context: context, seal: seal,
                                           audit: audit, db))
        }
    }

    /// The secret's current version (nil: a new one) and the team it will belong to, after
    /// the checks every write makes: another team's secret is not found, moving one takes an
    /// org admin.
    static func owner(path: String, environment: DeployEnvironment, org: OrgID, team teamReference: String?, scope: Scope,
                      _ db: Database) throws -> (current: Int?, team: TeamID?) {
        try Environments.requireExists(environment, org: org, db)
        let existing = try Row.fetchOne(db, sql: "SELECT current_version, team_id FROM secret WHERE org_id = ? AND environment = ? AND path = ?",
                                        arguments: [org.rawValue, environment.rawValue, path])
        let current: Int? = existing?["current_version"]
        let owner = (existing?["team_id"] as String?).flatMap(TeamID.init)
        if existing != nil, !scope.canSee(org: org, team: owner) {
            throw StorageError.notFound(.secret, id: "\(environment.rawValue)/\(path)")
        }
        var team = owner
        if let teamReference {
            let named = try TeamStore.resolve(teamReference, scope, db)
            guard named.orgID == org, scope.canSee(org: org, team: named.id) else { throw StorageError.notFound(.team, id: teamReference) }
            team = named.id
        }
        if existing != nil, !TeamOwnership.mayMove(caller: scope, from: owner, to: team) {
            throw StorageError.protected(.secret, id: path, reason: "moving secret \(path) to another team takes an org admin")
        }
        return (current, team)
    }

    /// `put`'s write, inside a caller's transaction (a webhook's secret is written with the
    /// webhook that uses it; an approved prod write with its last approval, `change` naming it).
    static func write(path: String, environment: DeployEnvironment, org: OrgID, team teamReference: String?, context: ChangeContext,
                      change: String? = nil, seal: (SecretRef) throws -> SealedSecret, audit: AuditLog, _ db: Database) throws -> SecretInfo {
        let (current, team) = try owner(path: path, environment: environment, org: org, team: teamReference, scope: context.scope, db)
        let version = (current ?? 0) + 1
        let sealed = try seal(SecretRef(orgID: org, environment: environment, path: path, version: version))
        let now = context.now.millisecondsSinceEpoch
        if current == nil {
            try db.execute(sql: """
                INSERT INTO secret (org_id, environment, path, current_version, created_at, created_by, updated_at, updated_by, team_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [org.rawValue, environment.rawValue, path, version, now, context.actor, now, context.actor, team?.rawValue])
        } else {
            try db.execute(sql: """
                UPDATE secret SET current_version = ?, updated_at = ?, updated_by = ?, team_id = ? WHERE org_id = ? AND environment = ? AND path = ?
                """, arguments: [version, now, context.actor, team?.rawValue, org.rawValue, environment.rawValue, path])
        }
        try db.execute(sql: """
            INSERT INTO secret_version (org_id, environment, path, version, key_id, wrapped_key, ciphertext, created_at, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [org.rawValue, environment.rawValue, path, version, sealed.keyID, Data(sealed.wrappedKey),
                             Data(sealed.ciphertext), now, context.actor])
        var details = ["version": String(version)]
        if let change { details["change"] = change }
        try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .secretWritten,
                                    targetType: ResourceType.secret.rawValue, targetID: "\(environment.rawValue)/\(path)",
                                    requestID: context.requestID, details: details), in: db)
        return try Self.info(org, environment, path, db)
    }

    /// Secrets of an org (optionally one environment), by environment and path.
    public func list(orgReference: String?, environment: DeployEnvironment?, in scope: Scope) async throws -> [SecretInfo] {
        try await database.read { db in
            let org = try UserStore.org(orgReference, scope, db)
            var sql = "SELECT * FROM secret WHERE org_id = ?"
            var arguments: [any DatabaseValueConvertible] = [org.rawValue]
            if let environment {
                sql += " AND environment = ?"
                arguments.append(environment.rawValue)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY environment, path", arguments: StatementArguments(arguments)).map(Self.info(from:))
                .filter { scope.canSee(org: $0.orgID, team: $0.teamID) }
        }
    }

    /// A secret of another team is "not found", like any row outside the scope.
    static func requireVisible(_ org: OrgID, _ environment: DeployEnvironment, _ path: String, _ scope: Scope, _ db: Database) throws {
        let team = try String.fetchOne(db, sql: "SELECT team_id FROM secret WHERE org_id = ? AND environment = ? AND path = ?",
                                       arguments: [org.rawValue, environment.rawValue, path])
        if let team, !scope.canSee(org: org, team: TeamID(team)) { throw StorageError.notFound(.secret, id: "\(environment.rawValue)/\(path)") }
    }

    /// The current sealed value of `path` in `environment` of `org`, for a step of an execution
    /// of `team` (nil: an org-wide one) that uses it; the engine opens it with the vault. nil
    /// when there is no such secret or it is another team's. Not reachable from any route:
    /// values never leave agentd.
    public func currentSealed(org: OrgID, environment: DeployEnvironment, path: String, team: TeamID?) async throws -> (SecretRef, SealedSecret)? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT v.* FROM secret s JOIN secret_version v
                  ON v.org_id = s.org_id AND v.environment = s.environment AND v.path = s.path AND v.version = s.current_version
                WHERE s.org_id = ? AND s.environment = ? AND s.path = ? AND (s.team_id IS NULL OR s.team_id = ?)
                """, arguments: [org.rawValue, environment.rawValue, path, team?.rawValue]) else { return nil }
            return (SecretRef(orgID: org, environment: environment, path: path, version: row["version"]),
                    SealedSecret(keyID: row["key_id"], wrappedKey: [UInt8](row["wrapped_key"] as Data), ciphertext: [UInt8](row["ciphertext"] as Data)))
        }
    }

    /// The versions of one secret, newest first.
    public func versions(path: String, environment: DeployEnvironment, orgReference: String?, in scope: Scope) async throws -> [SecretVersionInfo] {
        try await database.read { db in
            let org = try UserStore.org(orgReference, scope, db)
            try Self.requireVisible(org, environment, path, scope, db)
            let rows = try Row.fetchAll(db, sql: """
                SELECT version, key_id, created_at, created_by FROM secret_version
                WHERE org_id = ? AND environment = ? AND path = ? ORDER BY version DESC
                """, arguments: [org.rawValue, environment.rawValue, path])
            guard !rows.isEmpty else { throw StorageError.notFound(.secret, id: "\(environment.rawValue)/\(path)") }
            return rows.map { SecretVersionInfo(version: $0["version"], keyID: $0["key_id"],
                                                createdAt: Instant(millisecondsSinceEpoch: $0["created_at"]), createdBy: $0["created_by"]) }
        }
    }

    /// Deletes a secret and every version of its value.
    public func delete(path: String, environment: DeployEnvironment, orgReference: String?, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            try Self.requireVisible(org, environment, path, context.scope, db)
            try db.execute(sql: "DELETE FROM secret WHERE org_id = ? AND environment = ? AND path = ?",
                           arguments: [org.rawValue, environment.rawValue, path])
            guard db.changesCount == 1 else { throw StorageError.notFound(.secret, id: "\(environment.rawValue)/\(path)") }
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .secretDeleted,
                                        targetType: ResourceType.secret.rawValue, targetID: "\(environment.rawValue)/\(path)",
                                        requestID: context.requestID), in: db)
        }
    }

    /// Every stored version with its sealed value, for `vault check` and rotation (never a route's answer).
    public func allSealed() async throws -> [(SecretRef, SealedSecret)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM secret_version ORDER BY org_id, environment, path, version").compactMap { row in
                guard let org = OrgID(row["org_id"]), let environment = DeployEnvironment(rawValue: row["environment"]) else { return nil }
                let wrapped: Data = row["wrapped_key"]
                let cipher: Data = row["ciphertext"]
                return (SecretRef(orgID: org, environment: environment, path: row["path"], version: row["version"]),
                        SealedSecret(keyID: row["key_id"], wrappedKey: Array(wrapped), ciphertext: Array(cipher)))
            }
        }
    }

    /// Replaces stored versions' sealed form (rotation: same ciphertext, re-wrapped data key).
    public func replaceSealed(_ updates: [(SecretRef, SealedSecret)]) async throws {
        try await database.writer.submit { db in
            for (ref, sealed) in updates {
                try db.execute(sql: """
                    UPDATE secret_version SET key_id = ?, wrapped_key = ?, ciphertext = ?
                    WHERE org_id = ? AND environment = ? AND path = ? AND version = ?
                    """, arguments: [sealed.keyID, Data(sealed.wrappedKey), Data(sealed.ciphertext), ref.orgID.rawValue,
                                     ref.environment.rawValue, ref.path, ref.version])
            }
        }
    }

    /// Values of prod writes waiting for approval, by change request, for `vault check` and
    /// rotation (their reference is version 0 of their path; never a route's answer).
    public func allHeld() async throws -> [(change: String, ref: SecretRef, sealed: SealedSecret)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM change_secret ORDER BY change_id").compactMap { row in
                guard let org = OrgID(row["org_id"]), let environment = DeployEnvironment(rawValue: row["environment"]) else { return nil }
                return (row["change_id"], HeldSecrets.ref(org: org, environment: environment, path: row["path"]),
                        SealedSecret(keyID: row["key_id"], wrappedKey: [UInt8](row["wrapped_key"] as Data), ciphertext: [UInt8](row["ciphertext"] as Data)))
            }
        }
    }

    /// Replaces held values' sealed form (rotation).
    public func replaceHeld(_ updates: [(change: String, sealed: SealedSecret)]) async throws {
        try await database.writer.submit { db in
            for (change, sealed) in updates {
                try db.execute(sql: "UPDATE change_secret SET key_id = ?, wrapped_key = ?, ciphertext = ? WHERE change_id = ?",
                               arguments: [sealed.keyID, Data(sealed.wrappedKey), Data(sealed.ciphertext), change])
            }
        }
    }

    /// How many secrets exist (for vault status).
    public func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM secret") ?? 0 }
    }

    static func info(_ org: OrgID, _ environment: DeployEnvironment, _ path: String, _ db: Database) throws -> SecretInfo {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM secret WHERE org_id = ? AND environment = ? AND path = ?",
                                         arguments: [org.rawValue, environment.rawValue, path]) else {
            throw StorageError.notFound(.secret, id: path)
        }
        return try info(from: row)
    }

    static func info(from row: Row) throws -> SecretInfo {
        guard let org = OrgID(row["org_id"]), let environment = DeployEnvironment(rawValue: row["environment"]) else {
            throw StorageError.notFound(.secret, id: row["path"])
        }
        return SecretInfo(orgID: org, teamID: (row["team_id"] as String?).flatMap(TeamID.init), environment: environment, path: row["path"],
                          currentVersion: row["current_version"],
                          createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                          updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]), updatedBy: row["updated_by"])
    }
}
