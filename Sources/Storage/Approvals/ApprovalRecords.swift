import Core
import Foundation
import GRDB

/// An approval step's request (docs/governance.md): what waits, for whom, and what was decided.
public struct ApprovalRecord: Sendable, Hashable {
    public let id: ApprovalID
    public let orgID: OrgID
    public let teamID: TeamID?
    public let executionID: String
    public let node: String
    public let attempt: Int
    public let workflow: String
    public let environment: DeployEnvironment
    public let policy: ApprovalPolicy
    public let message: String?
    /// The user who started the execution (who may not decide), if a person did.
    public let requestedBy: String?
    public let status: ApprovalStatus
    public let createdAt: Instant
    public let expiresAt: Instant?
    public let decidedAt: Instant?
    /// Oldest first.
    public let votes: [ApprovalVote]
}

/// A person's approval rights lent to a colleague (`agentctl approvals delegate`).
public struct ApprovalDelegationRecord: Sendable, Hashable {
    public let fromUser: String
    public let fromLogin: String
    public let toUser: String
    public let toLogin: String
    public let until: Instant
    public let createdAt: Instant
}

enum ApprovalRows {
    static func record(from row: Row, _ db: Database) throws -> ApprovalRecord {
        let id: String = row["id"]
        let policyText: String = row["policy"]
        let policy = try JSONDecoder().decode(ApprovalPolicy.self, from: Data(policyText.utf8))
        let org: String = row["org_id"], team: String? = row["team_id"], environment: String = row["environment"], status: String = row["status"]
        let created: Int64 = row["created_at"], expires: Int64? = row["expires_at"], decided: Int64? = row["decided_at"]
        return ApprovalRecord(
            id: ApprovalID(id)!, orgID: OrgID(org)!, teamID: team.flatMap(TeamID.init),
            executionID: row["execution_id"], node: row["node_id"], attempt: row["attempt"], workflow: row["workflow_name"],
            environment: DeployEnvironment(rawValue: environment) ?? .dev, policy: policy, message: row["message"],
            requestedBy: row["requested_by"], status: ApprovalStatus(rawValue: status) ?? .cancelled,
            createdAt: Instant(millisecondsSinceEpoch: created), expiresAt: expires.map { Instant(millisecondsSinceEpoch: $0) },
            decidedAt: decided.map { Instant(millisecondsSinceEpoch: $0) }, votes: try votes(id, db))
    }

    static func votes(_ approval: String, _ db: Database) throws -> [ApprovalVote] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM approval_vote WHERE approval_id = ? ORDER BY at, user_id"), arguments: [approval]).map { row in
            let choice: String = row["choice"], at: Int64 = row["at"]
            return ApprovalVote(by: row["user_id"], login: row["login"], onBehalfOf: row["on_behalf_of"], onBehalfOfLogin: row["on_behalf_of_login"],
                                choice: ApprovalVote.Choice(rawValue: choice) ?? .reject, comment: row["comment"],
                                at: Instant(millisecondsSinceEpoch: at))
        }
    }

    /// The request with that ID in the caller's org, among the teams it sees; else not found
    /// (the same answer for another org's request as for none).
    static func visible(_ reference: String, _ scope: Scope, _ db: Database) throws -> ApprovalRecord {
        guard let id = ApprovalID(reference),
              let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM approval WHERE id = ?"), arguments: [id.rawValue]),
              let org = OrgID(row["org_id"] as String),
              scope.canSee(org: org, team: (row["team_id"] as String?).flatMap(TeamID.init)) else {
            throw StorageError.notFound(.approval, id: reference)
        }
        return try record(from: row, db)
    }

    /// What the approval rules know of a member of `org`: login, role, teams. Nil for someone
    /// who is not a member (or is disabled): such a person decides nothing.
    static func facts(user: String, org: String, _ db: Database) throws -> ApproverFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT u.login, m.role FROM membership m JOIN user_account u ON u.id = m.user_id
            WHERE m.org_id = ? AND m.user_id = ? AND u.disabled_at IS NULL
            """), arguments: [org, user]) else { return nil }
        let teams = try String.fetchAll(db.cachedStatement(sql: """
            SELECT t.name FROM team_member tm JOIN team t ON t.id = tm.team_id WHERE tm.org_id = ? AND tm.user_id = ?
            """), arguments: [org, user])
        return ApproverFacts(userID: user, login: row["login"], roles: [row["role"]], teams: Set(teams))
    }

    /// The people who lent their rights to `user` and still do at `now`.
    static func delegators(to user: String, org: String, now: Instant, _ db: Database) throws -> [ApproverFacts] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT user_id FROM approval_delegation WHERE org_id = ? AND delegate_id = ? AND until > ?"),
                            arguments: [org, user, now.millisecondsSinceEpoch])
            .compactMap { try facts(user: $0, org: org, db) }
    }

    /// The person behind an execution's `created_by` (`user:…`, or the owner of `key:…`); nil
    /// for schedules, webhooks and socket administrators.
    static func person(behind actor: String, _ db: Database) throws -> String? {
        if actor.hasPrefix("user:") { return String(actor.dropFirst(5)) }
        if actor.hasPrefix("key:") {
            return try String.fetchOne(db.cachedStatement(sql: "SELECT user_id FROM api_key WHERE id = ?"), arguments: [String(actor.dropFirst(4))])
        }
        return nil
    }
}
