/// Which kinds of activity a caller may read, beyond the feed route's own permission
/// (`executions.view`). Pure: one table, `permission(for:)`.
///
/// A kind the caller may not read is left out of its feed, not refused: the feed shows what
/// the caller may see, as every listing does.
public enum ActivityAuthority {
    /// The permission a kind needs besides the route's, or nil when the route's is enough.
    /// Budget alerts show spend, which is `costs.view`'s to see.
    public static func permission(for kind: ActivityKind) -> Permission? {
        switch kind {
        case .budgetAlert: .costsView
        case .executionFailed, .approvalPending: nil
        }
    }

    /// The kinds of `requested` that `caller` may read.
    ///
    /// ```swift
    /// ActivityAuthority.readable([.budgetAlert, .executionFailed], caller: viewer)  // [.executionFailed]
    /// ```
    public static func readable(_ requested: Set<ActivityKind>, caller: Scope) -> Set<ActivityKind> {
        requested.filter { kind in permission(for: kind).map(caller.allows) ?? true }
    }
}
