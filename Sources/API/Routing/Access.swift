import Core

/// What a route requires of its caller. Every route declares one; there is no default.
public enum Access: Sendable, Hashable {
    /// Anyone, on any listener, identified or not (health, readiness, metrics).
    case `public`
    /// Any identified caller.
    case authenticated
    /// An identified caller whose scope grants this permission.
    case permission(Permission)
}
