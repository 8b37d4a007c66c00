/// The kinds of item in the activity feed (`GET /api/v1/activity`). The raw values are the
/// stable names shown in the API and accepted by its `kind` filter.
public enum ActivityKind: String, CaseIterable, Hashable, Sendable {
    /// A budget's spend crossed 50, 75, 90 or 100 % (raised once per period).
    case budgetAlert = "budget.alert"
    /// An execution failed (a step that failed for good, a timeout, a passed deadline).
    case executionFailed = "execution.failed"
    /// An approval step's request waits for people (shown while it is pending).
    case approvalPending = "approval.pending"
}
