import Core
import Foundation
import GRDB

/// A share link as its maker and the org's admins see it (never its secret).
public struct ShareLinkRecord: Sendable, Hashable {
    public let id: ShareLinkID
    public let target: CommentTarget
    public let targetID: String
    /// The workflow's name; an execution's workflow.
    public let targetName: String
    public let createdBy: String
    public let createdAt: Instant
    public let expiresAt: Instant
    public let revokedAt: Instant?
    public let uses: Int
    public let lastUsedAt: Instant?
}

/// What a presented link stands for, before its secret is checked (`ShareLinkStore.presented`).
public struct PresentedLink: Sendable {
    public let id: ShareLinkID
    public let orgID: OrgID
    public let target: CommentTarget
    public let targetID: String
    public let secretHash: [UInt8]
    public let expiresAt: Instant
    public let revokedAt: Instant?
}

/// Read-only links to one workflow or execution (migration 54). Made by those who may open
/// the target and hold `share.links`; opened by anyone holding the token until it expires or
/// is revoked, each opening audited. The token's secret is stored only as a keyed hash.
public struct ShareLinkStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public static let maximumLivePerOrg = 1000

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// Makes a link to `reference` (which the caller must be able to open) living `lifetime`.
    public func create(_ target: CommentTarget, _ reference: String, id: ShareLinkID, secretHash: [UInt8], lifetime: Int64,
                       context: ChangeContext) async throws -> ShareLinkRecord {
        let scope = context.scope, now = context.now
        return try await database.writer.submit { db in
            let found = try CommentStore.target(target, reference, scope, db)
            let live = try Int.fetchOne(db, sql: "SELECT count(*) FROM share_link WHERE org_id = ? AND revoked_at IS NULL AND expires_at > ?",
                                        arguments: [scope.orgID.rawValue, now.millisecondsSinceEpoch]) ?? 0
            guard live < Self.maximumLivePerOrg else {
                throw StorageError.quotaExceeded(resource: "live share links", limit: Self.maximumLivePerOrg, used: live)
            }
            try db.execute(sql: """
                INSERT INTO share_link (id, org_id, target_kind, target_id, secret_hash, created_by, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id.rawValue, scope.orgID.rawValue, target.rawValue, found.id, Data(secretHash), context.actor,
                                 now.millisecondsSinceEpoch, now.adding(milliseconds: lifetime).millisecondsSinceEpoch])
            try audit.append(Self.event(.shareLinkCreated, id, context, ["on": "\(target.rawValue)/\(found.id)",
                                                                        "expires_at": now.adding(milliseconds: lifetime).rfc3339]), in: db)
            return try Self.visible(id.rawValue, scope, db)
        }
    }

    /// Links whose target the caller may open, newest first; with `on`, that target's only.
    public func list(in scope: Scope, on: (CommentTarget, String)? = nil) async throws -> [ShareLinkRecord] {
        try await database.read { db in
            var sql = Self.select + " WHERE l.org_id = ?"
            var arguments: [any DatabaseValueConvertible] = [scope.orgID.rawValue]
            if let on {
                sql += " AND l.target_id = ?"
                arguments.append(try CommentStore.target(on.0, on.1, scope, db).id)
            }
            let rows = try Row.fetchAll(db, sql: sql + " ORDER BY l.created_at DESC LIMIT 500", arguments: StatementArguments(arguments))
            return try rows.compactMap { row in try Self.record(row, scope, db) }
        }
    }

    public func revoke(_ id: String, context: ChangeContext) async throws -> ShareLinkRecord {
        let scope = context.scope
        return try await database.writer.submit { db in
            let record = try Self.visible(id, scope, db)
            try db.execute(sql: "UPDATE share_link SET revoked_at = coalesce(revoked_at, ?), revoked_by = coalesce(revoked_by, ?) WHERE id = ?",
                           arguments: [context.now.millisecondsSinceEpoch, context.actor, record.id.rawValue])
            try audit.append(Self.event(.shareLinkRevoked, record.id, context, [:]), in: db)
            return try Self.visible(id, scope, db)
        }
    }

    /// The stored link a presented token names, whatever its state; nil when there is none.
    public func presented(_ id: ShareLinkID) async throws -> PresentedLink? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM share_link WHERE id = ?", arguments: [id.rawValue]),
                  let org = OrgID(row["org_id"]), let target = CommentTarget(rawValue: row["target_kind"]) else { return nil }
            let hash: Data = row["secret_hash"]
            return PresentedLink(id: id, orgID: org, target: target, targetID: row["target_id"], secretHash: Array(hash),
                                 expiresAt: Instant(millisecondsSinceEpoch: row["expires_at"]),
                                 revokedAt: (row["revoked_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
        }
    }

    /// Counts an opening of a link whose secret matched and which is open, and audits it.
    public func used(_ link: PresentedLink, from client: String?, at now: Instant, requestID: String?) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE share_link SET uses = uses + 1, last_used_at = ? WHERE id = ?", arguments: [now.millisecondsSinceEpoch, link.id.rawValue])
            var details = ["on": "\(link.target.rawValue)/\(link.targetID)"]
            details["client"] = client
            try audit.append(AuditEntry(at: now, orgID: link.orgID.rawValue, actor: "link:\(link.id.rawValue)", action: .shareLinkUsed,
                                        targetType: ResourceType.shareLink.rawValue, targetID: link.id.rawValue, requestID: requestID,
                                        details: details), in: db)
        }
    }

    static let select = """
        SELECT l.*, coalesce(w.name, e.workflow_name) AS target_name
        FROM share_link l LEFT JOIN workflow w ON w.id = l.target_id LEFT JOIN execution e ON e.id = l.target_id
        """

    /// The link, if its target is one the caller may open.
    static func visible(_ id: String, _ scope: Scope, _ db: Database) throws -> ShareLinkRecord {
        guard let row = try Row.fetchOne(db, sql: select + " WHERE l.id = ? AND l.org_id = ?", arguments: [id, scope.orgID.rawValue]),
              let record = try record(row, scope, db) else { throw StorageError.notFound(.shareLink, id: id) }
        return record
    }

    static func record(_ row: Row, _ scope: Scope, _ db: Database) throws -> ShareLinkRecord? {
        guard let id = ShareLinkID(row["id"]), let target = CommentTarget(rawValue: row["target_kind"]),
              (try? CommentStore.target(target, row["target_id"], scope, db)) != nil else { return nil }
        return ShareLinkRecord(id: id, target: target, targetID: row["target_id"], targetName: row["target_name"] ?? "(removed)",
                               createdBy: row["created_by"], createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                               expiresAt: Instant(millisecondsSinceEpoch: row["expires_at"]),
                               revokedAt: (row["revoked_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), uses: row["uses"],
                               lastUsedAt: (row["last_used_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
    }

    static func event(_ action: AuditAction, _ id: ShareLinkID, _ context: ChangeContext, _ details: [String: String]) -> AuditEntry {
        AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor, action: action,
                   targetType: ResourceType.shareLink.rawValue, targetID: id.rawValue, requestID: context.requestID, details: details)
    }
}
