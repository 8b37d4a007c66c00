import Core
import GRDB

/// One person's vote on a request that people decide: an approval step's (`approval_vote`) or
/// a change request's (`change_vote`). The approval rules say whose right it uses; the vote is
/// stored in the caller's transaction; the caller audits it and tallies.
enum Votes {
    /// Where a kind of request keeps its votes.
    enum Table: String {
        case approval = "approval_vote"
        case change = "change_vote"

        var key: String { self == .approval ? "approval_id" : "change_id" }
    }

    /// Casts `user`'s vote on the pending request `id` of `org`. Throws `ApprovalRefusal` when
    /// the rules refuse it (not named, the requester, decided already).
    static func cast(_ choice: ApprovalVote.Choice, comment: String?, by user: UserID, on id: String, in table: Table, org: OrgID,
                     policy: ApprovalPolicy, requestedBy: String?, votes: [ApprovalVote], at now: Instant, _ db: Database) throws -> ApprovalVote {
        guard let decider = try ApprovalRows.facts(user: user.rawValue, org: org.rawValue, db) else { throw ApprovalRefusal.notAnApprover }
        let delegators = try ApprovalRows.delegators(to: user.rawValue, org: org.rawValue, now: now, db)
        let onBehalf: ApproverFacts?
        switch ApprovalRules.standing(of: decider, delegators: delegators, policy: policy, requester: requestedBy, votes: votes) {
        case .success(let standing): onBehalf = standing
        case .failure(let refusal): throw refusal
        }
        let vote = ApprovalVote(by: decider.userID, login: decider.login, onBehalfOf: onBehalf?.userID, onBehalfOfLogin: onBehalf?.login,
                                choice: choice, comment: comment, at: now)
        try db.cachedStatement(sql: """
            INSERT INTO \(table.rawValue) (\(table.key), user_id, login, on_behalf_of, on_behalf_of_login, choice, comment, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, vote.by, vote.login, vote.onBehalfOf, vote.onBehalfOfLogin, choice.rawValue, comment, now.millisecondsSinceEpoch])
        return vote
    }

    /// The audit details of a vote.
    static func details(_ vote: ApprovalVote) -> [String: String] {
        var details = ["decision": vote.choice == .approve ? "approved" : "rejected"]
        if let onBehalf = vote.onBehalfOfLogin { details["on_behalf_of"] = onBehalf }
        return details
    }
}
