/// The rules of an approval request, pure (docs/governance.md): who may decide, whose right a
/// decision uses (a person's own, or a colleague's delegated while away), and what the
/// decisions so far add up to. Storage loads the facts and applies the answer in one unit.
public enum ApprovalRules {
    /// Whether the person is one the policy names: by login, by role, or by team.
    public static func names(_ person: ApproverFacts, in policy: ApprovalPolicy) -> Bool {
        policy.approvers.contains { approver in
            switch approver {
            case .user(let login): person.login == login
            case .role(let role): person.roles.contains(role)
            case .team(let team): person.teams.contains(team)
            }
        }
    }

    /// Whose right a decision by `decider` uses: nil for the decider's own, else the first
    /// delegator (by login) the policy names whose right is not used yet. Refused for the
    /// person who started the execution (also when acting for someone else: the conflict is
    /// the person's), for someone who decided already, and for someone no right reaches.
    public static func standing(of decider: ApproverFacts, delegators: [ApproverFacts], policy: ApprovalPolicy, requester: String?,
                                votes: [ApprovalVote]) -> Result<ApproverFacts?, ApprovalRefusal> {
        if let requester, decider.userID == requester { return .failure(.selfApproval) }
        let used = Set(votes.map(\.counted))
        if votes.contains(where: { $0.by == decider.userID }) { return .failure(.alreadyDecided) }
        if names(decider, in: policy) {
            return used.contains(decider.userID) ? .failure(.alreadyDecided) : .success(nil)
        }
        let candidates = delegators.filter { $0.userID != requester && names($0, in: policy) && !used.contains($0.userID) }
        guard let delegator = candidates.min(by: { $0.login < $1.login }) else {
            // A right that is there but used up is a clearer refusal than "not an approver".
            return delegators.contains(where: { names($0, in: policy) && used.contains($0.userID) }) ? .failure(.alreadyDecided) : .failure(.notAnApprover)
        }
        return .success(delegator)
    }

    /// What the decisions add up to: rejected at the first rejection, approved once `quorum`
    /// distinct rights approved, pending until then.
    public static func tally(_ policy: ApprovalPolicy, _ votes: [ApprovalVote]) -> ApprovalStatus {
        if votes.contains(where: { $0.choice == .reject }) { return .rejected }
        let approvals = Set(votes.filter { $0.choice == .approve }.map(\.counted))
        return approvals.count >= policy.quorum ? .approved : .pending
    }

    /// The instant a request made at `start` expires, if its policy says.
    public static func expiry(of policy: ApprovalPolicy, from start: Instant) -> Instant? {
        policy.expiresAfterMs.map { start.adding(milliseconds: $0) }
    }

    /// The step's output once the request is decided (`approved` or `rejected`), or expired
    /// with `on_expiry` approve or reject: `nodes.NODE.output.decision` downstream.
    public static func output(id: String, status: ApprovalStatus, expired: Bool, message: String?, votes: [ApprovalVote]) -> JSONValue {
        let approved = status == .approved
        let decisions: [JSONValue] = votes.map { vote in
            ["by": .string(vote.login), "on_behalf_of": vote.onBehalfOfLogin.map(JSONValue.string) ?? .null,
             "decision": .string(vote.choice == .approve ? "approved" : "rejected"),
             "comment": vote.comment.map(JSONValue.string) ?? .null, "at": .string(vote.at.rfc3339)]
        }
        return ["approval_id": .string(id), "decision": .string(approved ? "approved" : "rejected"), "approved": .bool(approved),
                "expired": .bool(expired), "comment": votes.last?.comment.map(JSONValue.string) ?? .null,
                "message": message.map(JSONValue.string) ?? .null, "decisions": .array(decisions)]
    }
}

/// What an approval rule needs to know about a person, loaded from their membership.
public struct ApproverFacts: Sendable, Hashable {
    public let userID: String
    public let login: String
    /// The org role and the custom role the membership holds, by name.
    public let roles: Set<String>
    /// The names of the org's teams the person belongs to.
    public let teams: Set<String>

    public init(userID: String, login: String, roles: Set<String>, teams: Set<String>) {
        self.userID = userID
        self.login = login
        self.roles = roles
        self.teams = teams
    }
}

/// One person's decision on a request.
public struct ApprovalVote: Sendable, Hashable {
    public enum Choice: String, Sendable, Hashable, CaseIterable {
        case approve, reject
    }

    /// The person who decided (user ID) and their login.
    public let by: String
    public let login: String
    /// The delegator whose right the decision used, if not the decider's own.
    public let onBehalfOf: String?
    public let onBehalfOfLogin: String?
    public let choice: Choice
    public let comment: String?
    public let at: Instant

    public init(by: String, login: String, onBehalfOf: String? = nil, onBehalfOfLogin: String? = nil, choice: Choice, comment: String?, at: Instant) {
        self.by = by
        self.login = login
        self.onBehalfOf = onBehalfOf
        self.onBehalfOfLogin = onBehalfOfLogin
        self.choice = choice
        self.comment = comment
        self.at = at
    }

    /// The right the decision counts as: one per person, however it was exercised.
    public var counted: String { onBehalfOf ?? by }
}

/// Where a request stands: `pending → approved | rejected | expired | cancelled` (cancelled
/// when its execution ends first); every end is terminal.
public enum ApprovalStatus: String, StatusMachine, Codable {
    case pending, approved, rejected, expired, cancelled

    public var isTerminal: Bool { self != .pending }

    public func canMove(to next: ApprovalStatus) -> Bool { self == .pending && next != .pending }
}

/// Why a decision is refused.
public enum ApprovalRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request was decided, expired or cancelled already.
    case notPending(ApprovalStatus)
    /// The person who started the execution may not decide on it.
    case selfApproval
    /// The policy names neither the person nor anyone who delegated to them.
    case notAnApprover
    /// The person (or the right they would use) decided already.
    case alreadyDecided

    public var description: String {
        switch self {
        case .notPending(let status): "the request is \(status.rawValue) already"
        case .selfApproval: "you started this execution: someone else must decide"
        case .notAnApprover: "the step's approvers do not name you, by login, role or team, nor anyone who delegated to you"
        case .alreadyDecided: "you decided on this request already (or the right delegated to you was used)"
        }
    }
}

/// A person's approval rights lent to a colleague while away (`agentctl approvals delegate`).
public struct ApprovalDelegation: Sendable, Hashable {
    public let from: String
    public let to: String
    public let until: Instant

    public init(from: String, to: String, until: Instant) {
        self.from = from
        self.to = to
        self.until = until
    }

    public func isActive(at now: Instant) -> Bool { now < until }
}
