import Core

/// Everything Storage can fail with that a caller can act on. Matched by case, never by text;
/// `API/Problems.swift` maps each case to an HTTP problem.
public enum StorageError: Error, Hashable, Sendable {
    /// No row with that ID is visible in the caller's scope (it may exist in another tenant).
    case notFound(ResourceType, id: String)
    /// A unique field already holds that value.
    case alreadyExists(ResourceType, field: String, value: String)
    /// The row exists but the rule named in `reason` forbids the change.
    case protected(ResourceType, id: String, reason: String)
    /// The caller tried to give a role (or key scopes) with permissions it does not hold itself.
    case grantRefused(String)
    /// The org's plan allows no more of `resource`: `limit` reached (`used` now).
    case quotaExceeded(resource: String, limit: Int, used: Int)
    /// A pagination cursor that this server did not issue, or for another listing.
    case invalidCursor
    /// The database was written by a newer agentd; this binary cannot use it safely.
    case schemaTooNew(database: Int, binary: Int)
    /// The file is an SQLite database that some other program owns.
    case notAgentdDatabase(path: String, applicationID: Int32)
    /// The writer has stopped (the daemon is shutting down); nothing was written.
    case writerStopped
    /// What the request would do needs a permission the caller lacks (found only once the
    /// stored state is known, e.g. an apply that changes an existing workflow).
    case permissionRequired(Permission, reason: String)
}
