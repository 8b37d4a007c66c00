/// Why an API key may not get the scopes asked for. Each is a stable error of the key routes:
/// the `grant…` cases are 403 `grant_refused` (the caller cannot give it), the others 422 on the
/// `scopes` field (the owner cannot hold it). `Storage`'s `APIKeyStore` throws them as such.
public enum KeyScopeRefusal: Error, Hashable, Sendable {
    /// A scope the caller does not hold itself: no one grants more than they have.
    case grantBeyondCaller(Permission)
    /// A caller whose own key is limited asked for a key without scopes (all of the owner's role).
    case grantUnscopedFromLimitedKey
    /// A key without scopes carries every permission of the owner's role `role`, which the
    /// caller could not grant.
    case grantEveryPermission(role: String)
    /// Rotation of a key without scopes whose owner's role the caller could not grant (or that
    /// no longer resolves), or by a caller whose own key is limited.
    case grantEveryPermissionOfOwner
    /// A preset of which nothing is both in `login`'s role `role` and held by the caller.
    case presetGrantsNothing(login: String, role: String)
    /// A scope `login`'s role `role` in the key's org does not grant (or an installation-wide one).
    case beyondOwnerRole(Permission, login: String, role: String)
}

/// Which scopes an API key may carry. Pure: the store hands in the owner's role as it read it
/// inside the transaction that then writes the key.
///
/// A key acts as its owner, limited by its scopes. So its scopes must be permissions the
/// owner's role grants in the key's org (never installation-wide ones), and the caller minting
/// it must hold each one; a key without scopes carries the owner's whole role, which the caller
/// must be able to grant (`MemberRole.canBeGranted`). A preset (`KeyScopePreset`) is narrowed to
/// what both allow. Who may mint a key for whom is `UserAuthority.keyOwnerRefusal`.
public enum KeyScopeAuthority {
    /// The checks that need nothing stored, made before the transaction: nil when `caller` may
    /// ask for `requested` (nil: no explicit scopes) with `preset`'s permissions.
    public static func requestRefusal(caller: Scope, requested: Set<Permission>?, preset: Set<Permission>) -> KeyScopeRefusal? {
        if let requested, let beyond = requested.sorted(by: { $0.rawValue < $1.rawValue }).first(where: { !caller.allows($0) }) {
            return .grantBeyondCaller(beyond)
        }
        // why: a key limited to some permissions must not mint a key with all of them.
        if requested == nil, preset.isEmpty, caller.permissionLimit != nil { return .grantUnscopedFromLimitedKey }
        return nil
    }

    /// The scopes of a new key for `login`, whose role in the key's org is `ownerRole`: the
    /// explicit ones plus the part of `preset` both the role and the caller hold. Nil scopes: the
    /// whole role.
    ///
    /// ```swift
    /// KeyScopeAuthority.scopes(caller: admin, requested: nil, preset: KeyScopePreset.readOnly.permissions,
    ///                          ownerRole: .builtIn(.viewer), ownerLogin: "ada")
    /// // .success([.orgsView, .usersView, .workflowsView, .agentsView, .executionsView])
    /// ```
    public static func scopes(caller: Scope, requested: Set<Permission>?, preset: Set<Permission>, ownerRole: MemberRole,
                              ownerLogin: String) -> Result<Set<Permission>?, KeyScopeRefusal> {
        var scopes = requested
        if !preset.isEmpty {
            let granted = preset.intersection(ownerRole.permissions).filter { caller.allows($0) }
            guard !granted.isEmpty else { return .failure(.presetGrantsNothing(login: ownerLogin, role: ownerRole.name)) }
            scopes = (scopes ?? []).union(granted)
        }
        if let scopes, let beyond = scopes.sorted(by: { $0.rawValue < $1.rawValue })
            .first(where: { !ownerRole.permissions.contains($0) || $0.isInstallationWide }) {
            return .failure(.beyondOwnerRole(beyond, login: ownerLogin, role: ownerRole.name))
        }
        if scopes == nil, !ownerRole.canBeGranted(by: caller) { return .failure(.grantEveryPermission(role: ownerRole.name)) }
        return .success(scopes)
    }

    /// Nil when `caller` may rotate a key with `scopes` (nil: the whole role) whose owner holds
    /// `ownerRole` (nil: no longer a member, or a role that no longer exists). The successor
    /// carries the same scopes, so the caller must be able to grant them again.
    public static func rotationRefusal(caller: Scope, scopes: Set<Permission>?, ownerRole: MemberRole?) -> KeyScopeRefusal? {
        if let scopes {
            return scopes.sorted(by: { $0.rawValue < $1.rawValue }).first(where: { !caller.allows($0) }).map { .grantBeyondCaller($0) }
        }
        guard caller.permissionLimit == nil, let ownerRole, ownerRole.canBeGranted(by: caller) else { return .grantEveryPermissionOfOwner }
        return nil
    }
}
