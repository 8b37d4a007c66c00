/// A role an org defines itself: a name and the permissions it grants (never installation-wide
/// ones).
public struct CustomRole: Hashable, Sendable {
    public let name: String
    public var permissions: Set<Permission>

    public init(name: String, permissions: Set<Permission>) {
        self.name = name
        self.permissions = permissions
    }

    /// A custom role's name is shaped like an org name and is not a built-in role's name.
    public static func checkName(_ name: String) -> FieldViolation? {
        if let violation = OrgRules.checkName(name) { return violation }
        if Role(rawValue: name) != nil {
            return FieldViolation(field: "name", message: "`\(name)` is a built-in role; choose another name")
        }
        return nil
    }

    /// Permissions must be org-level and at least one.
    public static func checkPermissions(_ permissions: Set<Permission>) -> FieldViolation? {
        if permissions.isEmpty { return FieldViolation(field: "permissions", message: "give at least one permission") }
        if let wide = permissions.first(where: \.isInstallationWide) {
            return FieldViolation(field: "permissions", message: "\(wide.rawValue) is installation-wide; org roles cannot grant it")
        }
        return nil
    }
}

/// The role a membership names: a built-in role or one of the org's custom roles.
public enum MemberRole: Hashable, Sendable {
    case builtIn(Role)
    case custom(CustomRole)

    /// The name stored in the membership and shown in the API.
    public var name: String {
        switch self {
        case .builtIn(let role): role.rawValue
        case .custom(let role): role.name
        }
    }

    public var permissions: Set<Permission> {
        switch self {
        case .builtIn(let role): role.permissions
        case .custom(let role): role.permissions
        }
    }

    /// Whether a caller in `scope` may give someone this role: only if it holds every
    /// (org-level) permission the role grants.
    public func canBeGranted(by scope: Scope) -> Bool {
        permissions.allSatisfy { scope.allows($0) || $0.isInstallationWide }
    }

    /// The scope of a member of `org` with this role (optionally limited, e.g. by key scopes).
    public func scope(in org: OrgID, limit: Set<Permission>? = nil, teams: Set<TeamID> = []) -> Scope {
        switch self {
        case .builtIn(let role):
            Scope(orgID: org, reach: .org, roles: [role], permissionLimit: limit, teams: teams)
        case .custom(let role):
            Scope(orgID: org, reach: .org, roles: [], permissionLimit: limit, customPermissions: role.permissions,
                  customRoleNames: [role.name], teams: teams)
        }
    }
}
