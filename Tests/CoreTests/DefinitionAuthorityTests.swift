import Core
import Testing

/// Who may change workflows and move team-owned rows: `DefinitionAuthority` and `TeamOwnership`.
@Suite struct DefinitionAuthorityTests {
    static let org = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1))
    static let payments = TeamID.generate(at: Instant(millisecondsSinceEpoch: 2))
    static let billing = TeamID.generate(at: Instant(millisecondsSinceEpoch: 3))
    /// May create workflows but not edit them.
    static let author = CustomRole(name: "author", permissions: [.workflowsView, .workflowsCreate])

    static func scope(_ role: MemberRole, limit: Set<Permission>? = nil) -> Scope {
        role.scope(in: org, limit: limit, teams: [payments])
    }

    @Test(arguments: [
        // caller, the workflow exists, deploy to, refusal's reason (nil: allowed)
        (MemberRole.custom(DefinitionAuthorityTests.author), false, DeployEnvironment?.none, String?.none),
        (.custom(DefinitionAuthorityTests.author), false, .dev, nil),
        (.custom(DefinitionAuthorityTests.author), false, .staging, "Deploying to staging"),
        (.custom(DefinitionAuthorityTests.author), false, .prod, "Deploying to prod"),
        (.custom(DefinitionAuthorityTests.author), true, nil, "A new version of the existing workflow billing-sync"),
        (.custom(DefinitionAuthorityTests.author), true, .prod, "A new version of the existing workflow billing-sync"),
        (.builtIn(.developer), true, .prod, nil),
        (.builtIn(.admin), true, .staging, nil),
        (.builtIn(.viewer), false, .dev, nil),
    ] as [(MemberRole, Bool, DeployEnvironment?, String?)])
    func applyingAWorkflowNeedsEditForWhatExistsOrRunsBeyondDev(_ caller: MemberRole, _ exists: Bool, _ deployTo: DeployEnvironment?,
                                                              _ reason: String?) {
        let refusal = DefinitionAuthority.applyWorkflowRefusal(caller: Self.scope(caller), name: "billing-sync", exists: exists,
                                                               deployTo: deployTo)
        #expect(refusal == reason.map { PermissionRefusal(.workflowsEdit, reason: $0) })
    }

    @Test(arguments: [
        // caller, version asked, version deployed, refused
        (MemberRole.builtIn(.operator), 3, Int?.some(3), false),
        (.builtIn(.operator), 2, 3, true),
        (.builtIn(.operator), 1, nil, true),
        (.builtIn(.developer), 2, 3, false),
        (.custom(DefinitionAuthorityTests.author), 2, 3, true),
    ] as [(MemberRole, Int, Int?, Bool)])
    func runningAVersionOtherThanTheDeployedOneNeedsEdit(_ caller: MemberRole, _ version: Int, _ deployed: Int?, _ refused: Bool) {
        let refusal = DefinitionAuthority.runVersionRefusal(caller: Self.scope(caller), version: version, deployed: deployed, environment: .prod)
        #expect((refusal != nil) == refused)
        #expect(refusal.map { $0.permission == .workflowsEdit && $0.reason.contains("version \(version)") && $0.reason.contains("prod") } ?? true)
    }

    @Test func aKeyWithoutEditIsRefusedWhateverItsOwnersRole() {
        let limited = Self.scope(.builtIn(.admin), limit: [.workflowsCreate])
        #expect(DefinitionAuthority.applyWorkflowRefusal(caller: limited, name: "w", exists: true, deployTo: nil)?.permission == .workflowsEdit)
    }

    @Test(arguments: [
        // caller, from, to, may move
        (Scope(orgID: DefinitionAuthorityTests.org, reach: .org, roles: [.developer], teams: [DefinitionAuthorityTests.payments]), DefinitionAuthorityTests.payments, DefinitionAuthorityTests.payments, true),
        (Scope(orgID: DefinitionAuthorityTests.org, reach: .org, roles: [.developer], teams: [DefinitionAuthorityTests.payments]), nil, nil, true),
        (Scope(orgID: DefinitionAuthorityTests.org, reach: .org, roles: [.developer], teams: [DefinitionAuthorityTests.payments]), DefinitionAuthorityTests.payments, DefinitionAuthorityTests.billing, false),
        (Scope(orgID: DefinitionAuthorityTests.org, reach: .org, roles: [.developer], teams: [DefinitionAuthorityTests.payments]), DefinitionAuthorityTests.payments, nil, false),
        (Scope(orgID: DefinitionAuthorityTests.org, reach: .org, roles: [.developer], teams: [DefinitionAuthorityTests.payments]), nil, DefinitionAuthorityTests.payments, false),
        (Scope(orgID: DefinitionAuthorityTests.org, reach: .org, roles: [.admin]), DefinitionAuthorityTests.payments, nil, true),
        (Scope(orgID: DefinitionAuthorityTests.org, reach: .installation, roles: []), nil, DefinitionAuthorityTests.billing, true),
    ] as [(Scope, TeamID?, TeamID?, Bool)])
    func onlyAdminsMoveARowToAnotherOwner(_ caller: Scope, _ from: TeamID?, _ to: TeamID?, _ allowed: Bool) {
        #expect(TeamOwnership.mayMove(caller: caller, from: from, to: to) == allowed)
    }
}
