/// What a caller may see: the org it acts in, how far it reaches, and its roles.
///
/// Every repository method that reads or writes tenant data takes a `Scope`; there is no
/// unscoped path a route handler can reach. A row outside the scope is "not found", never
/// "forbidden", so that callers cannot learn what exists in other tenants.
public struct Scope: Hashable, Sendable {
    /// How far a caller reaches beyond its own org.
    public enum Reach: Hashable, Sendable {
        /// Only rows of `orgID`.
        case org
        /// Every org on this installation: the box's administrators (root and the admin group
        /// on the Unix socket), who create and remove tenants.
        case installation
    }

    public let orgID: OrgID
    public let reach: Reach
    public let roles: Set<Role>
    /// An API key's scopes: when set, only these permissions (and only those the roles grant).
    public let permissionLimit: Set<Permission>?
    /// What the caller's custom roles (defined by its org) grant, besides `roles`.
    public let customPermissions: Set<Permission>
    /// The names of those custom roles, for display.
    public let customRoleNames: Set<String>
    /// The teams of `orgID` the caller belongs to: team-owned rows are visible through these.
    public let teams: Set<TeamID>

    public init(orgID: OrgID, reach: Reach, roles: Set<Role>, permissionLimit: Set<Permission>? = nil,
                customPermissions: Set<Permission> = [], customRoleNames: Set<String> = [], teams: Set<TeamID> = []) {
        self.orgID = orgID
        self.reach = reach
        self.roles = roles
        self.permissionLimit = permissionLimit
        // why: an org cannot hand out installation-wide permissions through a role it defines.
        self.customPermissions = customPermissions.filter { !$0.isInstallationWide }
        self.customRoleNames = customRoleNames
        self.teams = teams
    }

    /// True when this scope may see a row of `org` owned by `team` (nil: the whole org's).
    /// Installation reach and org admins see every team's rows.
    public func canSee(org: OrgID, team: TeamID?) -> Bool {
        guard canSee(org: org) else { return false }
        guard let team, reach == .org, !roles.contains(.admin) else { return true }
        return teams.contains(team)
    }

    /// True when this scope may see rows owned by `org`.
    public func canSee(org: OrgID) -> Bool {
        reach == .installation || org == orgID
    }

    /// True when one of the caller's roles grants `permission` and, for installation-wide
    /// permissions, the scope reaches the whole installation.
    public func allows(_ permission: Permission) -> Bool {
        if permission.isInstallationWide && reach != .installation { return false }
        if let permissionLimit, !permissionLimit.contains(permission) { return false }
        return customPermissions.contains(permission) || roles.contains { $0.permissions.contains(permission) }
    }
}
