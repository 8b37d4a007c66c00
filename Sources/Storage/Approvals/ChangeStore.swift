import Core
import Foundation
import GRDB

/// A gated act held until approved (docs/governance.md#change-requests).
public struct ChangeRecord: Sendable, Hashable {
    public let id: ChangeID
    public let orgID: OrgID
    public let teamID: TeamID?
    public let action: ChangeAction
    public let targetID: String
    public let targetName: String
    /// One line: what it would do.
    public let summary: String
    /// What is carried out on approval.
    public let payload: JSONValue
    /// What it changes: `{field: {before, after}}`.
    public let diff: JSONValue?
    public let policy: ApprovalPolicy
    /// The user who asked (who may not approve), if a person did.
    public let requestedBy: String?
    public let requestedActor: String
    public let status: ApprovalStatus
    public let createdAt: Instant
    public let decidedAt: Instant?
    /// When it expires undecided (the policy's `expires_in`), if it does.
    public let expiresAt: Instant?
    /// What carrying it out did.
    public let result: JSONValue?
    public let votes: [ApprovalVote]
}

/// Org policies for gated acts, and the change requests they open: listed, decided with the
/// approval rules (no self-approval, quorum, delegation), and carried out in the unit of the
/// last approval.
public struct ChangeStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog
    /// The vault, for an approved prod secret write (nil where none is open to this store).
    let resealer: (any SecretResealing)?

    public init(database: AgentDatabase, audit: AuditLog, resealer: (any SecretResealing)? = nil) {
        self.database = database
        self.audit = audit
        self.resealer = resealer
    }

    /// Puts `action` behind approval with `policy` in the caller's org (nil lifts it). Audited.
    public func setPolicy(_ action: ChangeAction, _ policy: ApprovalPolicy?, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let org = context.scope.orgID.rawValue
            if let policy {
                try db.execute(sql: """
                    INSERT INTO change_policy (org_id, action, policy, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (org_id, action) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    """, arguments: [org, action.rawValue, try Self.text(policy), context.now.millisecondsSinceEpoch, context.actor])
            } else {
                try db.execute(sql: "DELETE FROM change_policy WHERE org_id = ? AND action = ?", arguments: [org, action.rawValue])
            }
            try audit.append(AuditEntry(at: context.now, orgID: org, actor: context.actor, action: .changePolicySet, targetType: nil,
                                        targetID: action.rawValue, requestID: context.requestID,
                                        details: ["approvers": policy.map { $0.approvers.map(\.description).joined(separator: ",") } ?? "none (lifted)",
                                                  "quorum": policy.map { "\($0.quorum)" } ?? "-"]), in: db)
        }
    }

    /// The caller's org's gated acts.
    public func policies(in scope: Scope) async throws -> [(ChangeAction, ApprovalPolicy)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT action, policy FROM change_policy WHERE org_id = ? ORDER BY action", arguments: [scope.orgID.rawValue])
                .compactMap { row in
                    guard let action = ChangeAction(rawValue: row["action"]) else { return nil }
                    return (action, try Self.policy(row["policy"]))
                }
        }
    }

    public func list(in scope: Scope, status: ApprovalStatus?, page: PageRequest) async throws -> Page<ChangeRecord> {
        try await database.read { db in
            var query = KeysetQuery("SELECT * FROM change_request", key: .text("id"), order: .descending)
            if scope.reach == .org { query.filter(" AND org_id = ?", [scope.orgID.rawValue]) }
            let visibility = TeamVisibility(scope)
            query.filter(visibility.clause("team_id"), visibility.arguments)
            if let status { query.filter(" AND status = ?", [status.rawValue]) }
            return try query.page(page, db, cursor: \.id.rawValue) { try Self.record(from: $0, db) }
        }
    }

    public func get(_ reference: String, in scope: Scope) async throws -> ChangeRecord {
        try await database.read { db in try Self.visible(reference, scope, db) }
    }

    /// Records a decision; the last approval the policy needs carries the act out in this unit
    /// (a rejection ends the request, nothing done). Refusals throw `ApprovalRefusal`.
    public func decide(_ reference: String, _ choice: ApprovalVote.Choice, comment: String?, by user: UserID,
                       context: ChangeContext) async throws -> ChangeRecord {
        let audit = self.audit, resealer = self.resealer
        let budgetGate = database.budgetGate
        // An approved budget raise changes what llm steps may spend.
        defer { database.llmSettings.invalidate(org: context.scope.orgID) }
        let (record, late) = try await database.writer.submit { db -> (ChangeRecord, Bool) in
            let request = try Self.visible(reference, context.scope, db)
            guard request.status == .pending else { throw ApprovalRefusal.notPending(request.status) }
            // why: the timer pass may not have run yet; a decision after the expiry ends the
            // request as expired (committed) instead of counting.
            if let expiresAt = request.expiresAt, expiresAt <= context.now {
                try Self.expire(request, context: context, audit: audit, db)
                return (try Self.visible(request.id.rawValue, context.scope, db), true)
            }
            let vote = try Votes.cast(choice, comment: comment, by: user, on: request.id.rawValue, in: .change, org: request.orgID,
                                      policy: request.policy, requestedBy: request.requestedBy, votes: request.votes, at: context.now, db)
            let details = Votes.details(vote).merging(["action": request.action.rawValue, "target": request.targetName]) { $1 }
            try audit.append(AuditEntry(at: context.now, orgID: request.orgID.rawValue, actor: context.actor, action: .changeDecided,
                                        targetType: ResourceType.change.rawValue, targetID: request.id.rawValue, requestID: context.requestID,
                                        details: details), in: db)
            let votes = request.votes + [vote]
            let settled = ApprovalRules.tally(request.policy, votes)
            if settled != .pending {
                let result: JSONValue? = settled == .approved
                    ? try ChangeActs.carryOut(request, context: context, audit: audit, budgetGate: budgetGate, resealer: resealer, db) : nil
                try HeldSecrets.drop(request.id.rawValue, db)
                try StatusTransitions.change(request.id.rawValue, to: settled,
                                             setting: [.set("decided_at", context.now.millisecondsSinceEpoch), .set("result", result?.canonicalText)], db)
            }
            return (try Self.visible(request.id.rawValue, context.scope, db), false)
        }
        if late { throw ApprovalRefusal.notPending(.expired) }
        return record
    }

    /// Ends the pending requests whose `expires_at` passed (the engine's timer pass), each
    /// audited; nothing of theirs is done. Returns how many.
    public func expireDue(now: Instant) async throws -> Int {
        // why: the timer runs this every pass; a read first keeps the writer free when none is due.
        guard let next = try await nextExpiry(), next <= now.millisecondsSinceEpoch else { return 0 }
        let audit = self.audit
        return try await database.writer.submit { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM change_request WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT 500
                """, arguments: [now.millisecondsSinceEpoch])
            for row in rows {
                let request = try Self.record(from: row, db)
                try Self.expire(request, context: ChangeContext(scope: Scope(orgID: request.orgID, reach: .org, roles: []), actor: "system",
                                                                requestID: nil, now: now), audit: audit, db)
            }
            return rows.count
        }
    }

    /// The earliest instant a pending request expires, for the timer's sleep.
    public func nextExpiry() async throws -> Int64? {
        try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(expires_at) FROM change_request WHERE status = 'pending' AND expires_at IS NOT NULL")
        }
    }

    static func expire(_ request: ChangeRecord, context: ChangeContext, audit: AuditLog, _ db: Database) throws {
        try StatusTransitions.change(request.id.rawValue, to: .expired, setting: [.set("decided_at", context.now.millisecondsSinceEpoch)], db)
        try HeldSecrets.drop(request.id.rawValue, db)
        try audit.append(AuditEntry(at: context.now, orgID: request.orgID.rawValue, actor: context.actor, action: .changeExpired,
                                    targetType: ResourceType.change.rawValue, targetID: request.id.rawValue, requestID: context.requestID,
                                    details: ["action": request.action.rawValue, "target": request.targetName,
                                              "approvals": "\(Set(request.votes.filter { $0.choice == .approve }.map(\.counted)).count) of \(request.policy.quorum)"]), in: db)
    }

    // MARK: - Inside other units

    /// The policy that holds `action` in `org`, if any.
    static func gate(_ action: ChangeAction, org: OrgID, _ db: Database) throws -> ApprovalPolicy? {
        try String.fetchOne(db, sql: "SELECT policy FROM change_policy WHERE org_id = ? AND action = ?", arguments: [org.rawValue, action.rawValue])
            .map(policy)
    }

    /// Opens a request for `action` instead of doing it. Audited.
    static func open(_ action: ChangeAction, policy: ApprovalPolicy, org: OrgID, team: TeamID?, target: (id: String, name: String), summary: String,
                     payload: JSONValue, diff: JSONValue?, context: ChangeContext, audit: AuditLog, _ db: Database) throws -> ChangeRecord {
        let id = ChangeID.generate(at: context.now).rawValue
        try db.execute(sql: """
            INSERT INTO change_request (id, org_id, team_id, action, target_id, target_name, summary, payload, diff, policy, requested_by,
                requested_actor, status, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, org.rawValue, team?.rawValue, action.rawValue, target.id, target.name, summary, payload.canonicalText,
                             diff?.canonicalText, try text(policy), try ApprovalRows.person(behind: context.actor, db), context.actor,
                             ApprovalStatus.pending.rawValue, context.now.millisecondsSinceEpoch,
                             policy.expiresAfterMs.map { context.now.millisecondsSinceEpoch + $0 }])
        try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .changeRequested,
                                    targetType: ResourceType.change.rawValue, targetID: id, requestID: context.requestID,
                                    details: ["action": action.rawValue, "target": target.name, "summary": summary]), in: db)
        return try record(from: try Row.fetchOne(db, sql: "SELECT * FROM change_request WHERE id = ?", arguments: [id])!, db)
    }

    // MARK: - Rows

    static func visible(_ reference: String, _ scope: Scope, _ db: Database) throws -> ChangeRecord {
        guard let id = ChangeID(reference), let row = try Row.fetchOne(db, sql: "SELECT * FROM change_request WHERE id = ?", arguments: [id.rawValue]),
              let org = OrgID(row["org_id"] as String), scope.canSee(org: org, team: (row["team_id"] as String?).flatMap(TeamID.init)) else {
            throw StorageError.notFound(.change, id: reference)
        }
        return try record(from: row, db)
    }

    static func record(from row: Row, _ db: Database) throws -> ChangeRecord {
        let id: String = row["id"], org: String = row["org_id"], team: String? = row["team_id"], action: String = row["action"]
        let payload: String = row["payload"], diff: String? = row["diff"], policy: String = row["policy"], status: String = row["status"]
        let created: Int64 = row["created_at"], decided: Int64? = row["decided_at"], expires: Int64? = row["expires_at"], result: String? = row["result"]
        let votes = try Row.fetchAll(db, sql: "SELECT * FROM change_vote WHERE change_id = ? ORDER BY at, user_id", arguments: [id]).map { vote in
            let choice: String = vote["choice"], at: Int64 = vote["at"]
            return ApprovalVote(by: vote["user_id"], login: vote["login"], onBehalfOf: vote["on_behalf_of"], onBehalfOfLogin: vote["on_behalf_of_login"],
                                choice: ApprovalVote.Choice(rawValue: choice) ?? .reject, comment: vote["comment"], at: Instant(millisecondsSinceEpoch: at))
        }
        return ChangeRecord(id: ChangeID(id)!, orgID: OrgID(org)!, teamID: team.flatMap(TeamID.init), action: ChangeAction(rawValue: action) ?? .deployProd,
                            targetID: row["target_id"], targetName: row["target_name"], summary: row["summary"], payload: try JSONParser.parse(payload),
                            diff: try diff.map(JSONParser.parse), policy: try Self.policy(policy), requestedBy: row["requested_by"],
                            requestedActor: row["requested_actor"], status: ApprovalStatus(rawValue: status) ?? .cancelled,
                            createdAt: Instant(millisecondsSinceEpoch: created), decidedAt: decided.map { Instant(millisecondsSinceEpoch: $0) },
                            expiresAt: expires.map { Instant(millisecondsSinceEpoch: $0) }, result: try result.map(JSONParser.parse), votes: votes)
    }

    static func text(_ policy: ApprovalPolicy) throws -> String { String(decoding: try JSONEncoder().encode(policy), as: UTF8.self) }

    static func policy(_ text: String) throws -> ApprovalPolicy { try JSONDecoder().decode(ApprovalPolicy.self, from: Data(text.utf8)) }
}
