/// How a member's role in one team relates to its role in the org. Pure.
///
/// A team role can only narrow the org role: every permission it grants, the org role grants
/// too. Otherwise a team admin could hand out, inside the team, more than the org gave. When an
/// org role changes, team roles that no longer narrow it are reset to the org role
/// (`UserStore.resetBroadTeamRoles`), by this same rule.
public enum TeamRoleAuthority {
    /// True when `teamRole` grants nothing that `orgRole` does not.
    public static func narrows(_ teamRole: MemberRole, orgRole: MemberRole) -> Bool {
        teamRole.permissions.isSubset(of: orgRole.permissions)
    }

    /// Nil when `login` (whose org role is `orgRole`) may hold `teamRole` in a team; otherwise
    /// the `role` field's violation (a 422).
    public static func violation(teamRole: MemberRole, orgRole: MemberRole, login: String) -> FieldViolation? {
        if narrows(teamRole, orgRole: orgRole) { return nil }
        return FieldViolation(field: "role", message: "\(teamRole.name) grants more than \(login)'s org role \(orgRole.name); "
                              + "a team role can only narrow it")
    }
}
