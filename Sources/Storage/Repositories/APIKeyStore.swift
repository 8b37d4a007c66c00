import Core
import Foundation
import GRDB

/// An API key as stored and shown: never its secret.
public struct APIKey: Sendable, Hashable {
    public let id: APIKeyID
    public let orgID: OrgID
    public let userID: UserID
    public let name: String
    /// Nil: everything the owner's role allows. Otherwise only these permissions.
    public let scopes: Set<Permission>?
    public let expiresAt: Instant?
    public let revokedAt: Instant?
    public let lastUsedAt: Instant?
    public let createdAt: Instant
}

/// API keys of a scope's org: create (the caller hands in the secret's keyed hash), list, revoke.
public struct APIKeyStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public static let nameLengths = 1...100

    /// Stores a new key for `userReference` in `orgReference` (the caller's org when nil).
    /// Scopes follow `KeyScopeAuthority`: permissions the owner's role grants, each held by the
    /// caller; `presetScopes` (from `KeyScopePreset`) are narrowed to what both allow.
    /// A key for someone else needs `UserAuthority.keyOwnerRefusal` to pass: the owner belongs
    /// to that org alone and the caller could grant its role (installation administrators excepted).
    public func create(id: APIKeyID, secretHash: [UInt8], name: String, userReference: String, orgReference: String?,
                       scopes requestedScopes: Set<Permission>?, presetScopes: Set<Permission> = [], expiresAt: Instant?,
                       context: ChangeContext) async throws -> APIKey {
        let explicit = requestedScopes
        guard Self.nameLengths.contains(name.count), !name.contains(where: \.isNewline) else {
            throw ValidationError(field: "name", "must be 1 to 100 characters on one line")
        }
        if let expiresAt, expiresAt <= context.now { throw ValidationError(field: "expires_in", "must be in the future") }
        if let refusal = KeyScopeAuthority.requestRefusal(caller: context.scope, requested: explicit, preset: presetScopes) {
            throw refusal.storageError
        }
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            let user = try UserStore.resolve(userReference, in: Scope(orgID: org, reach: .org, roles: []), db)
            guard let roleText = try String.fetchOne(db, sql: "SELECT role FROM membership WHERE org_id = ? AND user_id = ?",
                                                     arguments: [org.rawValue, user.id.rawValue]),
                  let role = try RoleStore.resolve(roleText, org: org, db) else { throw StorageError.notFound(.user, id: userReference) }
            // why: a key acts as its owner; a key for someone who is also in other orgs would let
            // this org's admin act as that person beyond this org.
            let elsewhere = try Int.fetchOne(db, sql: "SELECT count(*) FROM membership WHERE user_id = ? AND org_id != ?",
                                             arguments: [user.id.rawValue, org.rawValue]) ?? 0
            if let refusal = UserAuthority.keyOwnerRefusal(caller: context.scope, actingUser: context.actingUser, owner: user.id,
                                                           login: user.login, ownerRole: role, ownerInOtherOrgs: elsewhere > 0) {
                throw refusal
            }
            let scopes: Set<Permission>?
            switch KeyScopeAuthority.scopes(caller: context.scope, requested: explicit, preset: presetScopes, ownerRole: role,
                                            ownerLogin: user.login) {
            case .success(let granted): scopes = granted
            case .failure(let refusal): throw refusal.storageError
            }
            let key = APIKey(id: id, orgID: org, userID: user.id, name: name, scopes: scopes, expiresAt: expiresAt,
                             revokedAt: nil, lastUsedAt: nil, createdAt: context.now)
            try db.execute(sql: """
                INSERT INTO api_key (id, org_id, user_id, name, secret_hash, scopes, expires_at, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id.rawValue, org.rawValue, user.id.rawValue, name, Data(secretHash),
                                 Self.encode(scopes), expiresAt?.millisecondsSinceEpoch,
                                 context.now.millisecondsSinceEpoch, context.actor])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .keyCreated,
                                        targetType: ResourceType.apiKey.rawValue, targetID: id.rawValue,
                                        requestID: context.requestID,
                                        details: ["name": name, "user": user.id.rawValue, "scopes": Self.encode(scopes)]), in: db)
            return key
        }
    }

    /// Keys of the scope's org (every org for an installation scope), oldest first.
    public func list(in scope: Scope, page: PageRequest) async throws -> Page<APIKey> {
        try await database.read { db in
            var query = KeysetQuery("SELECT * FROM api_key", key: .text("id"))
            if scope.reach == .org { query.filter(" AND org_id = ?", [scope.orgID.rawValue]) }
            return try query.page(page, db, cursor: \.id.rawValue, Self.key(from:))
        }
    }

    /// Makes a successor of a key (same owner, org, scopes and expiry) and lets the old key live
    /// on for `overlapMilliseconds` only, so that clients can switch without an outage.
    public func rotate(_ reference: String, successor id: APIKeyID, secretHash: [UInt8], overlapMilliseconds: Int64,
                       context: ChangeContext) async throws -> (old: APIKey, new: APIKey) {
        let audit = self.audit
        return try await database.writer.submit { db in
            guard let oldID = APIKeyID(reference),
                  let row = try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [oldID.rawValue]) else {
                throw StorageError.notFound(.apiKey, id: reference)
            }
            let old = try Self.key(from: row)
            guard context.scope.canSee(org: old.orgID) else { throw StorageError.notFound(.apiKey, id: reference) }
            guard old.revokedAt == nil, old.expiresAt.map({ context.now < $0 }) ?? true else {
                throw StorageError.protected(.apiKey, id: reference, reason: "the key is revoked or expired; create a new one instead")
            }
            // The owner's role matters only to a key without scopes: read it only then.
            var role: MemberRole?
            if old.scopes == nil {
                let roleText = try String.fetchOne(db, sql: "SELECT role FROM membership WHERE org_id = ? AND user_id = ?",
                                                   arguments: [old.orgID.rawValue, old.userID.rawValue])
                role = try roleText.flatMap { try RoleStore.resolve($0, org: old.orgID, db) }
            }
            if let refusal = KeyScopeAuthority.rotationRefusal(caller: context.scope, scopes: old.scopes, ownerRole: role) {
                throw refusal.storageError
            }
            let overlapEnd = context.now.adding(milliseconds: overlapMilliseconds)
            let oldEnd = old.expiresAt.map { min($0, overlapEnd) } ?? overlapEnd
            try db.execute(sql: "UPDATE api_key SET expires_at = ? WHERE id = ?", arguments: [oldEnd.millisecondsSinceEpoch, oldID.rawValue])
            try db.execute(sql: """
                INSERT INTO api_key (id, org_id, user_id, name, secret_hash, scopes, expires_at, created_at, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id.rawValue, old.orgID.rawValue, old.userID.rawValue, old.name, Data(secretHash),
                                 Self.encode(old.scopes), old.expiresAt?.millisecondsSinceEpoch,
                                 context.now.millisecondsSinceEpoch, context.actor])
            try audit.append(AuditEntry(at: context.now, orgID: old.orgID.rawValue, actor: context.actor, action: .keyRotated,
                                        targetType: ResourceType.apiKey.rawValue, targetID: oldID.rawValue,
                                        requestID: context.requestID,
                                        details: ["successor": id.rawValue, "old_expires_at": oldEnd.rfc3339]), in: db)
            let new = APIKey(id: id, orgID: old.orgID, userID: old.userID, name: old.name, scopes: old.scopes,
                             expiresAt: old.expiresAt, revokedAt: nil, lastUsedAt: nil, createdAt: context.now)
            let updated = try Self.key(from: try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [oldID.rawValue]) ?? row)
            return (updated, new)
        }
    }

    /// Revokes a key at once; later requests with it get 401.
    public func revoke(_ reference: String, context: ChangeContext) async throws -> APIKey {
        let audit = self.audit
        return try await database.writer.submit { db in
            guard let id = APIKeyID(reference),
                  let row = try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id.rawValue]) else {
                throw StorageError.notFound(.apiKey, id: reference)
            }
            let key = try Self.key(from: row)
            guard context.scope.canSee(org: key.orgID) else { throw StorageError.notFound(.apiKey, id: reference) }
            try db.execute(sql: "UPDATE api_key SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                           arguments: [context.now.millisecondsSinceEpoch, id.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: key.orgID.rawValue, actor: context.actor, action: .keyRevoked,
                                        targetType: ResourceType.apiKey.rawValue, targetID: id.rawValue,
                                        requestID: context.requestID, details: ["name": key.name]), in: db)
            return try Self.key(from: try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id.rawValue]) ?? row)
        }
    }

    // MARK: - Rows

    static func encode(_ scopes: Set<Permission>?) -> String {
        guard let scopes else { return "*" }
        return scopes.map(\.rawValue).sorted().joined(separator: ",")
    }

    static func decode(_ text: String) -> Set<Permission>? {
        if text == "*" { return nil }
        return Set(text.split(separator: ",").compactMap { Permission(rawValue: String($0)) })
    }

    static func key(from row: Row) throws -> APIKey {
        let idText: String = row["id"]
        guard let id = APIKeyID(idText), let org = OrgID(row["org_id"]), let user = UserID(row["user_id"]) else {
            throw StorageError.notFound(.apiKey, id: idText)
        }
        func instant(_ column: String) -> Instant? {
            (row[column] as Int64?).map { Instant(millisecondsSinceEpoch: $0) }
        }
        return APIKey(id: id, orgID: org, userID: user, name: row["name"], scopes: decode(row["scopes"]),
                      expiresAt: instant("expires_at"), revokedAt: instant("revoked_at"), lastUsedAt: instant("last_used_at"),
                      createdAt: Instant(millisecondsSinceEpoch: row["created_at"]))
    }
}
