import Core
import GRDB

/// Reading approval requests and managing delegations (`agentctl approvals`). Deciding is
/// `ExecutionStore.decide` (it completes steps); this store only reads requests.
public struct ApprovalStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// What a listing keeps.
    public struct Filter: Sendable {
        public var status: ApprovalStatus?
        /// Only the pending requests this person may decide now (own right or a delegated one).
        public var decidableBy: UserID?

        public init(status: ApprovalStatus? = nil, decidableBy: UserID? = nil) {
            self.status = status
            self.decidableBy = decidableBy
        }
    }

    /// Requests of the caller's org among the teams it sees, newest first.
    public func list(in scope: Scope, filter: Filter, now: Instant, page: PageRequest) async throws -> Page<ApprovalRecord> {
        try await database.read { db in
            let visibility = TeamVisibility(scope)
            var query = KeysetQuery("SELECT * FROM approval", key: .text("id"), order: .descending)
            if scope.reach == .org { query.filter(" AND org_id = ?", [scope.orgID.rawValue]) }
            query.filter(visibility.clause("team_id"), visibility.arguments)
            guard let person = filter.decidableBy else {
                if let status = filter.status { query.filter(" AND status = ?", [status.rawValue]) }
                return try query.page(page, db, cursor: \.id.rawValue) { try ApprovalRows.record(from: $0, db) }
            }
            // What a person may decide is the rules' answer per request: read pending requests
            // a batch at a time until the page is full or none is left.
            query.filter(" AND status = 'pending'")
            var kept: [ApprovalRecord] = [], after = page.after
            let facts = try ApprovalRows.facts(user: person.rawValue, org: scope.orgID.rawValue, db)
            let delegators = try ApprovalRows.delegators(to: person.rawValue, org: scope.orgID.rawValue, now: now, db)
            while let facts, kept.count < page.fetchLimit {
                let batch = try query.page(PageRequest(limit: PageRequest.maximumLimit, after: after), db, cursor: \.id.rawValue) {
                    try ApprovalRows.record(from: $0, db)
                }
                kept += batch.items.filter { request in
                    if case .success = ApprovalRules.standing(of: facts, delegators: delegators, policy: request.policy,
                                                              requester: request.requestedBy, votes: request.votes) { return true }
                    return false
                }
                guard let next = batch.nextAfter else { break }
                after = next
            }
            return page.page(of: kept, cursor: \.id.rawValue)
        }
    }

    public func get(_ reference: String, in scope: Scope) async throws -> ApprovalRecord {
        try await database.read { db in try ApprovalRows.visible(reference, scope, db) }
    }

    // MARK: - Delegation

    /// Lends `user`'s approval rights in the caller's org to the member `delegate` (login or
    /// ID) until `until`, replacing an earlier delegation. Audited.
    public func delegate(from user: UserID, to delegate: String, until: Instant, context: ChangeContext) async throws -> ApprovalDelegationRecord {
        guard until > context.now else { throw ValidationError(field: "until", "must be in the future") }
        guard until.millisecondsSinceEpoch - context.now.millisecondsSinceEpoch <= Self.longestDelegationMs else {
            throw ValidationError(field: "until", "is more than a year away; delegate for a shorter time and renew it")
        }
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = context.scope.orgID.rawValue
            guard let to = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT u.id, u.login FROM user_account u JOIN membership m ON m.user_id = u.id
                WHERE m.org_id = ? AND (u.id = ? OR u.login = ?) AND u.disabled_at IS NULL
                """), arguments: [org, delegate, delegate]) else {
                throw StorageError.notFound(.user, id: delegate)
            }
            let toID: String = to["id"], toLogin: String = to["login"]
            guard toID != user.rawValue else { throw ValidationError(field: "to", "must be someone else") }
            guard let from = try ApprovalRows.facts(user: user.rawValue, org: org, db) else { throw StorageError.notFound(.user, id: user.rawValue) }
            try db.cachedStatement(sql: """
                INSERT INTO approval_delegation (org_id, user_id, delegate_id, until, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (org_id, user_id) DO UPDATE SET delegate_id = excluded.delegate_id, until = excluded.until, created_at = excluded.created_at
                """).execute(arguments: [org, user.rawValue, toID, until.millisecondsSinceEpoch, context.now.millisecondsSinceEpoch])
            try audit.append(AuditEntry(at: context.now, orgID: org, actor: context.actor, action: .approvalDelegated,
                                        targetType: ResourceType.user.rawValue, targetID: toID, requestID: context.requestID,
                                        details: ["from": from.login, "to": toLogin, "until": until.rfc3339]), in: db)
            return ApprovalDelegationRecord(fromUser: user.rawValue, fromLogin: from.login, toUser: toID, toLogin: toLogin, until: until,
                                            createdAt: context.now)
        }
    }

    /// Takes `user`'s delegation back; false when there was none. Audited when there was.
    public func endDelegation(of user: UserID, context: ChangeContext) async throws -> Bool {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = context.scope.orgID.rawValue
            guard let to = try String.fetchOne(db.cachedStatement(sql: "SELECT delegate_id FROM approval_delegation WHERE org_id = ? AND user_id = ?"),
                                               arguments: [org, user.rawValue]) else { return false }
            try db.cachedStatement(sql: "DELETE FROM approval_delegation WHERE org_id = ? AND user_id = ?").execute(arguments: [org, user.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: org, actor: context.actor, action: .approvalDelegationEnded,
                                        targetType: ResourceType.user.rawValue, targetID: to, requestID: context.requestID, details: [:]), in: db)
            return true
        }
    }

    /// The delegations `user` gave or holds in the scope's org that last past `now`.
    public func delegations(of user: UserID, in scope: Scope, now: Instant) async throws -> [ApprovalDelegationRecord] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT d.*, f.login AS from_login, t.login AS to_login FROM approval_delegation d
                JOIN user_account f ON f.id = d.user_id JOIN user_account t ON t.id = d.delegate_id
                WHERE d.org_id = ? AND (d.user_id = ? OR d.delegate_id = ?) AND d.until > ? ORDER BY d.until
                """), arguments: [scope.orgID.rawValue, user.rawValue, user.rawValue, now.millisecondsSinceEpoch]).map { row in
                let until: Int64 = row["until"], created: Int64 = row["created_at"]
                return ApprovalDelegationRecord(fromUser: row["user_id"], fromLogin: row["from_login"], toUser: row["delegate_id"],
                                                toLogin: row["to_login"], until: Instant(millisecondsSinceEpoch: until),
                                                createdAt: Instant(millisecondsSinceEpoch: created))
            }
        }
    }

    /// A delegation covers an absence, not a standing transfer of rights.
    static let longestDelegationMs: Int64 = 366 * 86_400_000
}
