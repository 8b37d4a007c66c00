import Core
import Testing

/// The approval rules as tables: who may decide, whose right a decision uses, what decisions
/// add up to, and how a policy reads from a step's config.
@Suite struct ApprovalRulesTests {
    static let alice = ApproverFacts(userID: "usr_a", login: "alice", roles: ["operator"], teams: [])
    static let bob = ApproverFacts(userID: "usr_b", login: "bob", roles: ["viewer"], teams: ["finance"])
    static let carol = ApproverFacts(userID: "usr_c", login: "carol", roles: ["viewer"], teams: [])
    static let dave = ApproverFacts(userID: "usr_d", login: "dave", roles: ["developer"], teams: [])

    static func vote(_ person: ApproverFacts, _ choice: ApprovalVote.Choice, for other: ApproverFacts? = nil) -> ApprovalVote {
        ApprovalVote(by: person.userID, login: person.login, onBehalfOf: other?.userID, onBehalfOfLogin: other?.login, choice: choice,
                     comment: nil, at: Instant(millisecondsSinceEpoch: 0))
    }

    @Test(arguments: [
        ("role:operator", "alice", true), ("role:operator", "bob", false), ("team:finance", "bob", true), ("team:finance", "alice", false),
        ("carol", "carol", true), ("carol", "dave", false), ("role:developer", "dave", true),
    ])
    func aPolicyNamesPeopleByLoginRoleOrTeam(_ approver: String, _ login: String, _ named: Bool) throws {
        let person = try #require([Self.alice, Self.bob, Self.carol, Self.dave].first { $0.login == login })
        #expect(ApprovalRules.names(person, in: ApprovalPolicy(approvers: [try #require(Approver(approver))])) == named)
    }

    @Test func standing_ownRight_delegatedRight_andRefusals() {
        let policy = ApprovalPolicy(approvers: [.role("operator"), .team("finance")], quorum: 2)
        // Her own right.
        #expect(ApprovalRules.standing(of: Self.alice, delegators: [], policy: policy, requester: nil, votes: []) == .success(nil))
        // carol has none of her own; bob's, lent to her, counts as bob's.
        #expect(ApprovalRules.standing(of: Self.carol, delegators: [Self.bob], policy: policy, requester: nil, votes: []) == .success(Self.bob))
        // bob's right is used once, whoever used it.
        #expect(ApprovalRules.standing(of: Self.carol, delegators: [Self.bob], policy: policy, requester: nil, votes: [Self.vote(Self.bob, .approve)])
            == .failure(.alreadyDecided))
        #expect(ApprovalRules.standing(of: Self.bob, delegators: [], policy: policy, requester: nil, votes: [Self.vote(Self.carol, .approve, for: Self.bob)])
            == .failure(.alreadyDecided))
        // Nobody named reaches dave.
        #expect(ApprovalRules.standing(of: Self.dave, delegators: [Self.carol], policy: policy, requester: nil, votes: []) == .failure(.notAnApprover))
        // The requester decides nothing, on any right; nor does a right lent by the requester.
        #expect(ApprovalRules.standing(of: Self.alice, delegators: [], policy: policy, requester: "usr_a", votes: []) == .failure(.selfApproval))
        #expect(ApprovalRules.standing(of: Self.carol, delegators: [Self.bob], policy: policy, requester: "usr_b", votes: []) == .failure(.notAnApprover))
        // A person decides once, even with another's right at hand.
        #expect(ApprovalRules.standing(of: Self.alice, delegators: [Self.bob], policy: policy, requester: nil, votes: [Self.vote(Self.alice, .approve)])
            == .failure(.alreadyDecided))
    }

    @Test(arguments: [
        (1, [("alice", true)], ApprovalStatus.approved),
        (2, [("alice", true)], .pending),
        (2, [("alice", true), ("bob", true)], .approved),
        (2, [("alice", true), ("bob", false)], .rejected),
        (3, [("bob", false)], .rejected),
        (2, [], .pending),
    ])
    func tally(_ quorum: Int, _ votes: [(String, Bool)], _ expected: ApprovalStatus) {
        let people = ["alice": Self.alice, "bob": Self.bob]
        let cast = votes.map { Self.vote(people[$0.0]!, $0.1 ? .approve : .reject) }
        #expect(ApprovalRules.tally(ApprovalPolicy(approvers: [.role("operator")], quorum: quorum), cast) == expected)
    }

    @Test func aDelegationLastsUntilItsEnd() {
        let until = Instant(millisecondsSinceEpoch: 10_000)
        let lent = ApprovalDelegation(from: "usr_b", to: "usr_c", until: until)
        #expect(lent.isActive(at: Instant(millisecondsSinceEpoch: 9_999)))
        #expect(!lent.isActive(at: until))
    }

    @Test func aPolicyReadsFromTheStepConfig() throws {
        let policy = try ApprovalPolicy.parse(["approvers": ["role:operator", "team:finance", "alice"], "quorum": 2, "expires_after_ms": 60_000,
                                               "on_expiry": "fail"])
        #expect(policy == ApprovalPolicy(approvers: [.role("operator"), .team("finance"), .user("alice")], quorum: 2, expiresAfterMs: 60_000,
                                         onExpiry: .fail))
        #expect(try ApprovalPolicy.parse(["approvers": ["alice"]]) == ApprovalPolicy(approvers: [.user("alice")]))
        // The grouped form and a duration, as people write them.
        #expect(try ApprovalPolicy.parse(["approvers": ["roles": ["operator"], "users": ["alice"], "teams": ["finance"]], "quorum": 2,
                                          "expires_in": "24h", "on_expiry": "approve"])
            == ApprovalPolicy(approvers: [.user("alice"), .role("operator"), .team("finance")], quorum: 2, expiresAfterMs: 86_400_000,
                              onExpiry: .approve))
        for bad: JSONValue in [["approvers": ["roles": []]], ["approvers": ["users": ["role:x"]]], ["approvers": ["a"], "expires_in": "tomorrow"],
                               ["approvers": ["a"], "expires_in": "24h", "expires_after_ms": 1000], ["approvers": ["a"], "expires_in": "400d"]] {
            #expect(throws: StepError.self) { _ = try ApprovalPolicy.parse(bad) }
        }
        for bad: JSONValue in [["approvers": []], ["approvers": ["role:"]], ["approvers": ["x:y"]], ["approvers": ["a"], "on_expiry": "later"],
                               ["approvers": ["a"], "quorum": 0]] {
            #expect(throws: StepError.self) { _ = try ApprovalPolicy.parse(bad) }
        }
    }

    @Test func theOutputCarriesTheDecisionAndEveryVote() {
        let votes = [Self.vote(Self.alice, .approve), Self.vote(Self.carol, .reject, for: Self.bob)]
        let output = ApprovalRules.output(id: "apr_1", status: .rejected, expired: false, message: "ok?", votes: votes)
        #expect(output["decision"] == "rejected" && output["approved"] == false && output["expired"] == false && output["message"] == "ok?")
        #expect(output["decisions"]?.arrayValue?.map { $0["by"] } == ["alice", "carol"])
        #expect(output["decisions"]?.arrayValue?.last?["on_behalf_of"] == "bob")
    }
}
