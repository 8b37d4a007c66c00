import Core
import Testing

@Suite struct OrgRulesTests {
    @Test(arguments: ["acme", "a1", "acme-corp", "x" + String(repeating: "y", count: 62)])
    func acceptsGoodNames(_ name: String) {
        #expect(OrgRules.checkName(name) == nil)
    }

    @Test(arguments: [
        ("a", "2 to 63"), ("1acme", "start with"), ("Acme", "start with"), ("ac_me", "only"),
        ("acme-", "end with"), ("x" + String(repeating: "y", count: 63), "2 to 63"), ("", "2 to 63"),
    ])
    func refusesBadNamesSayingWhy(_ name: String, _ reason: String) {
        let violation = OrgRules.checkName(name)
        #expect(violation?.field == "name")
        #expect(violation?.message.contains(reason) == true)
    }

    @Test func displayNamesAreBoundedAndPrintable() {
        #expect(OrgRules.checkDisplayName("ACME Corp") == nil)
        #expect(OrgRules.checkDisplayName("  ") != nil)
        #expect(OrgRules.checkDisplayName("bad\u{7}bell") != nil)
        #expect(OrgRules.checkDisplayName(String(repeating: "x", count: 201)) != nil)
    }
}

@Suite struct ScopeTests {
    let orgA = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1))
    let orgB = OrgID.generate(at: Instant(millisecondsSinceEpoch: 2))

    @Test func anOrgScopeSeesOnlyItsOwnOrg() {
        let scope = Scope(orgID: orgA, reach: .org, roles: [.admin])
        #expect(scope.canSee(org: orgA))
        #expect(!scope.canSee(org: orgB))
    }

    @Test func anInstallationScopeSeesEveryOrg() {
        let scope = Scope(orgID: orgA, reach: .installation, roles: [.admin])
        #expect(scope.canSee(org: orgB))
    }

    @Test func installationWidePermissionsNeedInstallationReach() {
        let orgAdmin = Scope(orgID: orgA, reach: .org, roles: [.admin])
        #expect(!orgAdmin.allows(.orgsCreate))
        #expect(!orgAdmin.allows(.systemView))
        #expect(orgAdmin.allows(.orgsEdit))
        let boxAdmin = Scope(orgID: orgA, reach: .installation, roles: [.admin])
        #expect(boxAdmin.allows(.orgsCreate))
    }

    @Test func teamRowsAreVisibleToTheirTeamsAndToAdmins() {
        let payments = TeamID.generate(at: Instant(millisecondsSinceEpoch: 3))
        let ops = TeamID.generate(at: Instant(millisecondsSinceEpoch: 4))
        let member = Scope(orgID: orgA, reach: .org, roles: [.developer], teams: [payments])
        #expect(member.canSee(org: orgA, team: payments))
        #expect(!member.canSee(org: orgA, team: ops))
        #expect(member.canSee(org: orgA, team: nil))
        #expect(!member.canSee(org: orgB, team: nil))
        #expect(Scope(orgID: orgA, reach: .org, roles: [.admin]).canSee(org: orgA, team: ops))
    }

    @Test func rolesGrantOnlyTheirPermissions() {
        let viewer = Scope(orgID: orgA, reach: .installation, roles: [.viewer])
        #expect(viewer.allows(.orgsView))
        #expect(!viewer.allows(.orgsEdit))
        #expect(!Scope(orgID: orgA, reach: .org, roles: [.guest]).allows(.orgsView))
        #expect(Scope(orgID: orgA, reach: .org, roles: [.viewer, .operator]).allows(.executionsCancel))
    }
}

@Suite struct JSONDepthTests {
    @Test(arguments: [
        ("{}", 1, false), ("[[]]", 1, true), ("[[]]", 2, false), (#"{"a":"[[[[["}"#, 1, false),
        (#"{"a":"\"[[[["}"#, 1, false), ("[{\"a\":[1]}]", 2, true), ("1", 0, false),
    ])
    func measuresNestingOutsideStrings(_ text: String, _ limit: Int, _ tooDeep: Bool) {
        #expect(JSONDepth.exceeds(limit, in: Array(text.utf8)) == tooDeep)
    }
}
