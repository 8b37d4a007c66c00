/// One line of a provider's group mapping (docs/sso.md): people in the IdP group `group` get
/// `role` in the provider's org, or, with `team`, in that team (`payments-devs=developer@payments`).
public struct SSOMapping: Hashable, Sendable, Codable {
    public let group: String
    public let role: String
    public let team: String?

    public init(group: String, role: String, team: String? = nil) {
        self.group = group
        self.role = role
        self.team = team
    }

    /// `group=role` or `group=role@team`. The group is taken as the IdP sends it (case and all);
    /// it may hold `=` only as its last separator's left side, so `cn=admins,ou=groups=admin` reads
    /// as group `cn=admins,ou=groups`.
    public static func parse(_ text: String) -> Result<SSOMapping, ValidationError> {
        guard let separator = text.lastIndex(of: "=") else {
            return .failure(ValidationError([FieldViolation(field: "map", message: "`\(text)` is not GROUP=ROLE or GROUP=ROLE@TEAM")]))
        }
        let group = String(text[..<separator])
        let target = String(text[text.index(after: separator)...])
        let parts = target.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard !group.isEmpty, group.utf8.count <= 256 else {
            return .failure(ValidationError([FieldViolation(field: "map", message: "`\(text)`: the group must be 1 to 256 bytes")]))
        }
        guard let role = parts.first, !role.isEmpty else {
            return .failure(ValidationError([FieldViolation(field: "map", message: "`\(text)`: name a role after `=`, e.g. \(group)=developer")]))
        }
        if parts.count == 2, parts[1].isEmpty {
            return .failure(ValidationError([FieldViolation(field: "map", message: "`\(text)`: name a team after `@`, or leave `@` out for the org")]))
        }
        return .success(SSOMapping(group: group, role: role, team: parts.count == 2 ? parts[1] : nil))
    }

    public var text: String { "\(group)=\(role)" + (team.map { "@\($0)" } ?? "") }
}

/// What a person's groups give them at login: one role in the provider's org, and a role in
/// each mapped team. Nil `orgRole`: no group maps, and the login is refused (and, for someone
/// who had access, their membership goes: deprovisioning at the next login).
public struct SSOGrant: Equatable, Sendable {
    public let orgRole: String?
    public let teams: [String: String]

    public init(orgRole: String?, teams: [String: String]) {
        self.orgRole = orgRole
        self.teams = teams
    }
}

public enum SSOGrants {
    /// The grant for someone in `groups`. `permissions` gives a role's permissions (nil for a role
    /// the org does not have, whose mapping is skipped).
    ///
    /// The org role is the broadest role mapped to any of their groups, team mappings included
    /// (a team role can only narrow the org role, so the org role must cover it): the one whose
    /// permissions include every other's; when none does (developer and operator each lack one
    /// the other has), the earliest such mapping wins, so the order of the mappings decides.
    /// A team gets its broadest mapped role, narrowed to the org role when it is not within it.
    public static func grant(groups: [String], mappings: [SSOMapping],
                             permissions: (String) -> Set<Permission>?) -> SSOGrant {
        let member = Set(groups)
        let matched = mappings.filter { member.contains($0.group) && permissions($0.role) != nil }
        func broadest(_ roles: [String]) -> String? {
            var unique: [String] = []
            for role in roles where !unique.contains(role) { unique.append(role) }
            let sets = unique.map { ($0, permissions($0) ?? []) }
            return sets.first { candidate in sets.allSatisfy { candidate.1.isSuperset(of: $0.1) } }?.0 ?? unique.first
        }
        guard let orgRole = broadest(matched.map(\.role)) else { return SSOGrant(orgRole: nil, teams: [:]) }
        let orgPermissions = permissions(orgRole) ?? []
        var teams: [String: String] = [:]
        for team in Set(matched.compactMap(\.team)) {
            guard let role = broadest(matched.filter { $0.team == team }.map(\.role)) else { continue }
            teams[team] = (permissions(role) ?? []).isSubset(of: orgPermissions) ? role : orgRole
        }
        return SSOGrant(orgRole: orgRole, teams: teams)
    }
}
