import Core
import Testing

/// A team role only narrows the org role: `TeamRoleAuthority`.
@Suite struct TeamRoleAuthorityTests {
    static let reviewer = CustomRole(name: "reviewer", permissions: [.workflowsView, .approvalsDecide])

    @Test(arguments: [
        // team role, org role, narrows
        (MemberRole.builtIn(.viewer), MemberRole.builtIn(.developer), true),
        (.builtIn(.developer), .builtIn(.developer), true),
        (.builtIn(.guest), .builtIn(.viewer), true),
        (.builtIn(.developer), .builtIn(.viewer), false),
        (.builtIn(.admin), .builtIn(.developer), false),
        (.custom(TeamRoleAuthorityTests.reviewer), .builtIn(.operator), true),
        (.custom(TeamRoleAuthorityTests.reviewer), .builtIn(.developer), false),
        (.builtIn(.operator), .custom(TeamRoleAuthorityTests.reviewer), false),
    ])
    func aTeamRoleGrantsNothingTheOrgRoleDoesNot(_ team: MemberRole, _ org: MemberRole, _ narrows: Bool) {
        #expect(TeamRoleAuthority.narrows(team, orgRole: org) == narrows)
        let violation = TeamRoleAuthority.violation(teamRole: team, orgRole: org, login: "ada")
        #expect((violation == nil) == narrows)
        if !narrows {
            #expect(violation == FieldViolation(field: "role", message: "\(team.name) grants more than ada's org role \(org.name); "
                                                + "a team role can only narrow it"))
        }
    }
}
