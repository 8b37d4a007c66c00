import Platform
import Storage

/// Reading what happened: the audit chain (list, verify, export) and the activity feed. What
/// `AuditRoutes` and `ActivityRoutes` are given; built by `agentd` (Daemon/APIWiring.swift).
public struct AuditService: Sendable {
    public let audit: AuditLog
    public let activity: ActivityFeed
    public let clock: WallClock

    public init(audit: AuditLog, activity: ActivityFeed, clock: WallClock) {
        self.audit = audit
        self.activity = activity
        self.clock = clock
    }
}
