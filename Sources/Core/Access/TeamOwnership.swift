/// Who may move a team-owned row (an agent, a workflow, a secret) to another team or to the
/// whole org. Pure: the store hands in the row's owner as it read it.
///
/// Only org admins and installation administrators: otherwise one team could take over the
/// org's definitions or secrets, or expose its own history to everyone. Keeping the owner as it
/// is needs nothing beyond the route's permission.
public enum TeamOwnership {
    /// True when `caller` may give a row owned by `old` (nil: the whole org) the owner `new`.
    ///
    /// ```swift
    /// TeamOwnership.mayMove(caller: developerOfPayments, from: payments, to: nil)  // false
    /// ```
    public static func mayMove(caller: Scope, from old: TeamID?, to new: TeamID?) -> Bool {
        old == new || caller.reach == .installation || caller.roles.contains(.admin)
    }
}
