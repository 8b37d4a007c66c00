/// Why a caller may not act on another user's account. Each is a 403 with its own stable code
/// (`API/Errors/Problems.swift`).
public enum UserAuthorityRefusal: Error, Hashable, Sendable {
    /// The target holds a role the caller could not grant: resetting its password, removing its
    /// MFA, disabling it, changing its role, ending its sessions or minting its keys would let
    /// the caller act as someone with more rights than its own.
    case outranked(login: String, role: String)
    /// Mapping a host uid makes that Unix account the user on the socket: a decision about the
    /// box, for installation administrators only.
    case hostUIDNeedsInstallation
    /// A key for another member who also belongs to other orgs: the key would act as that person,
    /// whose own routes reach beyond the org of the admin minting it.
    case keyOwnerInOtherOrgs(login: String)
}

/// Who may act on another user's account. Pure: the storage layer hands in what it read.
///
/// The one rule: acting on someone else needs the caller to be able to grant each of that
/// user's roles (`MemberRole.canBeGranted`, the rule that already guards role grants). A caller
/// acting on itself is judged by the route's own checks (the current password, a code from the
/// app); installation administrators (the socket's root and admin group) may act on anyone.
public enum UserAuthority {
    /// Nil when `caller` (the user `actingUser`, if any) may act on `target`, who holds `roles`
    /// (its roles in the orgs the caller's scope reaches).
    ///
    /// ```swift
    /// UserAuthority.refusal(caller: userManager, actingUser: me, target: admin, login: "ada", roles: [.builtIn(.admin)])
    /// // .outranked(login: "ada", role: "admin")
    /// ```
    public static func refusal(caller: Scope, actingUser: UserID?, target: UserID, login: String,
                               roles: [MemberRole]) -> UserAuthorityRefusal? {
        if target == actingUser || caller.reach == .installation { return nil }
        if let role = roles.first(where: { !$0.canBeGranted(by: caller) }) { return .outranked(login: login, role: role.name) }
        return nil
    }

    /// Nil when `caller` may set or clear a user's `unix_uid`: only installation reach, never an
    /// org admin (over TCP or as a mapped socket user).
    public static func hostUIDRefusal(caller: Scope) -> UserAuthorityRefusal? {
        caller.reach == .installation ? nil : .hostUIDNeedsInstallation
    }

    /// Nil when `caller` may mint a key owned by `owner` (role `ownerRole` in the key's org):
    /// the owner itself may; someone else only when it could grant the owner's role and the
    /// owner belongs to that org alone; installation administrators always.
    public static func keyOwnerRefusal(caller: Scope, actingUser: UserID?, owner: UserID, login: String,
                                       ownerRole: MemberRole, ownerInOtherOrgs: Bool) -> UserAuthorityRefusal? {
        if owner == actingUser || caller.reach == .installation { return nil }
        if ownerInOtherOrgs { return .keyOwnerInOtherOrgs(login: login) }
        return refusal(caller: caller, actingUser: actingUser, target: owner, login: login, roles: [ownerRole])
    }
}
