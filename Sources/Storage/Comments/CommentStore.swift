import Core
import Foundation
import GRDB

/// A comment as people read it.
public struct CommentRecord: Sendable, Hashable {
    public let id: CommentID
    public let target: CommentTarget
    public let targetID: String
    /// The workflow's name; an execution's workflow.
    public let targetName: String
    public let node: String?
    /// The thread's first comment, for a reply.
    public let threadID: CommentID?
    /// Markdown, stored as written (shown as text, never as markup).
    public let body: String
    /// The user ID, or `uid:N` for a socket administrator.
    public let author: String
    /// The author's login, when the author is a user.
    public let authorLogin: String?
    public let createdAt: Instant
    public let editedAt: Instant?
    /// Set on a thread's first comment when the thread is resolved.
    public let resolvedAt: Instant?
    public let resolvedBy: String?
    /// The logins mentioned.
    public let mentions: [String]
}

/// Why a comment was refused, beyond what every write can fail with.
public enum CommentRefusal: Error, Hashable, Sendable {
    /// `@login` names no one of this org who may open what the comment is about.
    case mentionWithoutAccess(login: String, target: String)
    /// Only a comment's author may change it (an org admin may also delete it).
    case notAuthor(CommentID)
}

/// Comments on workflows and executions, threads, mentions, resolving (migration 53). A
/// comment is read and written by those who may read its target, through the same lookup as
/// every route (`PersonalLists.resolve`): another team's or org's target is not found.
public struct CommentStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public static let maximumPerTarget = 2000

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// The comments on `reference`, threads in the order they began, replies after their first.
    public func list(_ target: CommentTarget, _ reference: String, in scope: Scope) async throws -> [CommentRecord] {
        try await database.read { db in
            let found = try Self.target(target, reference, scope, db)
            let rows = try Row.fetchAll(db, sql: Self.select + " WHERE c.target_id = ? ORDER BY coalesce(c.thread_id, c.id), c.created_at, c.id",
                                        arguments: [found.id])
            return try Self.records(rows, name: found.name, db)
        }
    }

    public func get(_ id: String, in scope: Scope) async throws -> CommentRecord {
        try await database.read { db in try Self.visible(id, scope, db).record }
    }

    /// Adds a comment (or, with `replyTo`, a reply in that comment's thread).
    public func add(_ target: CommentTarget, _ reference: String, body: String, node: String?, replyTo: String?, author: String,
                    context: ChangeContext) async throws -> CommentRecord {
        let scope = context.scope
        let id = CommentID.generate(at: context.now)
        return try await database.writer.submit { db in
            let found = try Self.target(target, reference, scope, db)
            var thread: CommentID?
            if let replyTo {
                let parent = try Self.visible(replyTo, scope, db).record
                guard parent.targetID == found.id else { throw StorageError.notFound(.comment, id: replyTo) }
                thread = parent.threadID ?? parent.id
            }
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM comment WHERE target_id = ?", arguments: [found.id]) ?? 0
            guard count < Self.maximumPerTarget else {
                throw StorageError.quotaExceeded(resource: "comments on \(target.rawValue) \(reference)", limit: Self.maximumPerTarget, used: count)
            }
            let mentioned = try Self.mentions(in: body, target: target, found, scope.orgID, db)
            try db.execute(sql: """
                INSERT INTO comment (id, org_id, target_kind, target_id, node, thread_id, body, author, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id.rawValue, scope.orgID.rawValue, target.rawValue, found.id, node, thread?.rawValue, body, author,
                                 context.now.millisecondsSinceEpoch])
            try Self.remember(mentioned, comment: id, db)
            try audit.append(Self.event(.commentAdded, id, context, ["on": "\(target.rawValue)/\(found.id)",
                                                                    "mentions": mentioned.map(\.login).joined(separator: " ")]), in: db)
            return try Self.visible(id.rawValue, scope, db).record
        }
    }

    /// Changes the text of one's own comment.
    public func edit(_ id: String, body: String, author: String, context: ChangeContext) async throws -> CommentRecord {
        let scope = context.scope
        return try await database.writer.submit { db in
            let (record, _) = try Self.visible(id, scope, db)
            guard record.author == author else { throw CommentRefusal.notAuthor(record.id) }
            let found = try Self.target(record.target, record.targetID, scope, db)
            let mentioned = try Self.mentions(in: body, target: record.target, found, scope.orgID, db)
            try db.execute(sql: "UPDATE comment SET body = ?, edited_at = ? WHERE id = ?", arguments: [body, context.now.millisecondsSinceEpoch, record.id.rawValue])
            try db.execute(sql: "DELETE FROM comment_mention WHERE comment_doc = (SELECT doc FROM comment WHERE id = ?)", arguments: [record.id.rawValue])
            try Self.remember(mentioned, comment: record.id, db)
            try audit.append(Self.event(.commentEdited, record.id, context, [:]), in: db)
            return try Self.visible(id, scope, db).record
        }
    }

    /// Removes one's own comment (an org admin may remove anyone's); a thread's first comment
    /// takes its replies with it.
    public func delete(_ id: String, author: String, context: ChangeContext) async throws {
        let scope = context.scope
        try await database.writer.submit { db in
            let (record, _) = try Self.visible(id, scope, db)
            let moderator = scope.reach == .installation || scope.roles.contains(.admin)
            guard record.author == author || moderator else { throw CommentRefusal.notAuthor(record.id) }
            try db.execute(sql: "DELETE FROM comment WHERE id = ? OR thread_id = ?", arguments: [record.id.rawValue, record.id.rawValue])
            try audit.append(Self.event(.commentDeleted, record.id, context, ["replies": "\(max(0, db.changesCount - 1))"]), in: db)
        }
    }

    /// Resolves (or reopens) the thread `id` is in.
    public func resolve(_ id: String, resolved: Bool, by actor: String, context: ChangeContext) async throws -> CommentRecord {
        let scope = context.scope
        return try await database.writer.submit { db in
            let (record, _) = try Self.visible(id, scope, db)
            let first = record.threadID ?? record.id
            try db.execute(sql: "UPDATE comment SET resolved_at = ?, resolved_by = ? WHERE id = ?",
                           arguments: [resolved ? context.now.millisecondsSinceEpoch : nil, resolved ? actor : nil, first.rawValue])
            try audit.append(Self.event(resolved ? .commentResolved : .commentReopened, first, context, [:]), in: db)
            return try Self.visible(first.rawValue, scope, db).record
        }
    }

    // MARK: Reading

    static let select = """
        SELECT c.*, u.login AS author_login,
               (SELECT group_concat(m.login, ' ') FROM comment_mention cm JOIN user_account m ON m.id = cm.user_id WHERE cm.comment_doc = c.doc) AS mentioned
        FROM comment c LEFT JOIN user_account u ON u.id = c.author
        """

    static func records(_ rows: [Row], name: String, _ db: Database) throws -> [CommentRecord] {
        try rows.map { row in
            guard let id = CommentID(row["id"]), let target = CommentTarget(rawValue: row["target_kind"]) else {
                throw StorageError.notFound(.comment, id: row["id"])
            }
            return CommentRecord(id: id, target: target, targetID: row["target_id"], targetName: name, node: row["node"],
                                 threadID: (row["thread_id"] as String?).flatMap(CommentID.init), body: row["body"], author: row["author"],
                                 authorLogin: row["author_login"], createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                                 editedAt: (row["edited_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
                                 resolvedAt: (row["resolved_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
                                 resolvedBy: row["resolved_by"], mentions: ((row["mentioned"] as String?) ?? "").split(separator: " ").map(String.init).sorted())
        }
    }

    /// A comment the caller may read (its target visible), with the target.
    static func visible(_ id: String, _ scope: Scope, _ db: Database) throws -> (record: CommentRecord, targetID: String) {
        guard let row = try Row.fetchOne(db, sql: select + " WHERE c.id = ? AND c.org_id = ?", arguments: [id, scope.orgID.rawValue]),
              let target = CommentTarget(rawValue: row["target_kind"]),
              let found = try? Self.target(target, row["target_id"], scope, db) else {
            throw StorageError.notFound(.comment, id: id)
        }
        return (try records([row], name: found.name, db)[0], found.id)
    }

    /// The target as the caller may see it: not found otherwise, as every route answers.
    static func target(_ target: CommentTarget, _ reference: String, _ scope: Scope, _ db: Database) throws -> (id: String, name: String, teamID: TeamID?) {
        let kind: SearchQuery.Kind = target == .workflow ? .workflow : .execution
        guard let found = try PersonalLists.resolve(kind, reference, scope: scope, db) else {
            throw StorageError.notFound(kind.resourceType, id: reference)
        }
        return (found.id, found.name, found.teamID)
    }

    // MARK: Mentions

    /// The people `body` mentions, each one who may open the target; the first who may not
    /// (or who is no member of the org: the same answer, so no one learns who exists) refuses
    /// the comment.
    static func mentions(in body: String, target: CommentTarget, _ found: (id: String, name: String, teamID: TeamID?), _ org: OrgID,
                         _ db: Database) throws -> [(id: String, login: String)] {
        let logins = CommentMentions.logins(in: body).prefix(CommentMentions.maximum)
        return try logins.map { login in
            let named = "\(target.rawValue) \(found.name)"
            guard let row = try Row.fetchOne(db, sql: """
                SELECT u.id, m.role FROM user_account u JOIN membership m ON m.user_id = u.id AND m.org_id = ?
                WHERE u.login = ? AND u.disabled_at IS NULL
                """, arguments: [org.rawValue, login]),
                let user = UserID(row["id"]),
                let role = try RoleStore.resolve(row["role"], org: org, db) else {
                throw CommentRefusal.mentionWithoutAccess(login: login, target: named)
            }
            let scope = role.scope(in: org, teams: try TeamStore.teams(of: user, in: org, db))
            guard scope.allows(target.viewPermission), scope.canSee(org: org, team: found.teamID) else {
                throw CommentRefusal.mentionWithoutAccess(login: login, target: named)
            }
            return (user.rawValue, login)
        }
    }

    static func remember(_ mentioned: [(id: String, login: String)], comment: CommentID, _ db: Database) throws {
        for person in mentioned {
            try db.execute(sql: "INSERT OR IGNORE INTO comment_mention (comment_doc, user_id) SELECT doc, ? FROM comment WHERE id = ?",
                           arguments: [person.id, comment.rawValue])
        }
    }

    static func event(_ action: AuditAction, _ id: CommentID, _ context: ChangeContext, _ details: [String: String]) -> AuditEntry {
        AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor, action: action,
                   targetType: ResourceType.comment.rawValue, targetID: id.rawValue, requestID: context.requestID, details: details)
    }
}
