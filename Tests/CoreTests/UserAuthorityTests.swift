import Core
import Testing

/// The one rule for acting on another user's account, and the login throttle's keys.
@Suite struct UserAuthorityTests {
    static let now = Instant(millisecondsSinceEpoch: 1_000_000)
    let org = OrgID.generate(at: now)
    let me = UserID.generate(at: now)
    let them = UserID.generate(at: now)
    static let helpdesk = CustomRole(name: "helpdesk", permissions: Role.viewer.permissions.union([.usersManage]))

    func scope(_ role: MemberRole, limit: Set<Permission>? = nil) -> Scope { role.scope(in: org, limit: limit) }

    @Test(arguments: [
        // caller's role, target's role, refused?
        (MemberRole.builtIn(.admin), MemberRole.builtIn(.admin), false),
        (.custom(UserAuthorityTests.helpdesk), .builtIn(.admin), true),
        (.custom(UserAuthorityTests.helpdesk), .builtIn(.developer), true),
        (.custom(UserAuthorityTests.helpdesk), .builtIn(.viewer), false),
        (.custom(UserAuthorityTests.helpdesk), .builtIn(.guest), false),
        (.builtIn(.developer), .builtIn(.operator), true),
    ])
    func actingOnAnotherUserNeedsThePowerToGrantItsRoles(_ caller: MemberRole, _ target: MemberRole, _ refused: Bool) {
        let refusal = UserAuthority.refusal(caller: scope(caller), actingUser: me, target: them, login: "t", roles: [target])
        #expect((refusal != nil) == refused)
        if refused { #expect(refusal == .outranked(login: "t", role: target.name)) }
    }

    @Test func everyRoleCountsAndOneselfAndTheInstallationAreExempt() {
        let desk = scope(.custom(Self.helpdesk))
        #expect(UserAuthority.refusal(caller: desk, actingUser: me, target: them, login: "t",
                                      roles: [.builtIn(.viewer), .builtIn(.admin)]) == .outranked(login: "t", role: "admin"))
        #expect(UserAuthority.refusal(caller: desk, actingUser: me, target: me, login: "me", roles: [.builtIn(.admin)]) == nil)
        let root = Scope(orgID: org, reach: .installation, roles: [.admin])
        #expect(UserAuthority.refusal(caller: root, actingUser: nil, target: them, login: "t", roles: [.builtIn(.admin)]) == nil)
        // An admin's key limited to users.manage is not an admin.
        let limited = scope(.builtIn(.admin), limit: [.usersManage])
        #expect(UserAuthority.refusal(caller: limited, actingUser: me, target: them, login: "t", roles: [.builtIn(.viewer)]) != nil)
    }

    @Test func onlyTheInstallationMapsHostUids() {
        #expect(UserAuthority.hostUIDRefusal(caller: scope(.builtIn(.admin))) == .hostUIDNeedsInstallation)
        #expect(UserAuthority.hostUIDRefusal(caller: Scope(orgID: org, reach: .installation, roles: [.admin])) == nil)
    }

    @Test func keysForOthersNeedAnOwnerOfThisOrgAlone() {
        let admin = scope(.builtIn(.admin))
        let viewer = MemberRole.builtIn(.viewer)
        #expect(UserAuthority.keyOwnerRefusal(caller: admin, actingUser: me, owner: them, login: "t", ownerRole: viewer,
                                              ownerInOtherOrgs: true) == .keyOwnerInOtherOrgs(login: "t"))
        #expect(UserAuthority.keyOwnerRefusal(caller: admin, actingUser: me, owner: them, login: "t", ownerRole: viewer,
                                              ownerInOtherOrgs: false) == nil)
        #expect(UserAuthority.keyOwnerRefusal(caller: admin, actingUser: me, owner: me, login: "me", ownerRole: viewer,
                                              ownerInOtherOrgs: true) == nil, "one's own key")
        let root = Scope(orgID: org, reach: .installation, roles: [.admin])
        #expect(UserAuthority.keyOwnerRefusal(caller: root, actingUser: nil, owner: them, login: "t", ownerRole: viewer,
                                              ownerInOtherOrgs: true) == nil)
        #expect(UserAuthority.keyOwnerRefusal(caller: scope(.custom(Self.helpdesk)), actingUser: me, owner: them, login: "t",
                                              ownerRole: .builtIn(.admin), ownerInOtherOrgs: false) == .outranked(login: "t", role: "admin"))
    }
}

@Suite struct LoginThrottlePolicyTests {
    @Test func bucketsArePerAddressAndPerNormalisedLogin() {
        let policy = LoginThrottlePolicy()
        let keys = policy.buckets(address: "10.0.0.7", login: " Alice\n")
        #expect(keys.map(\.key) == ["login-address:10.0.0.7", "login-name:alice"])
        #expect(keys.map(\.capacity) == [30, 10])
        #expect(!keys.contains { $0.key.contains("all") }, "no bucket shared by every login")
        #expect(LoginThrottlePolicy.normalise(String(repeating: "x", count: 10_000)).count == LoginThrottlePolicy.maximumLoginLength)
    }

    @Test func aBucketIsFullOnceItHasRefilled() {
        let start = Instant(millisecondsSinceEpoch: 1_000)
        var bucket = TokenBucket(capacity: 2, periodMilliseconds: 1_000, now: start)
        #expect(bucket.isFull(now: start))
        _ = bucket.take(now: start)
        #expect(!bucket.isFull(now: start.adding(milliseconds: 499)))
        #expect(bucket.isFull(now: start.adding(milliseconds: 500)))
    }
}
