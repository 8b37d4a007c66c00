import Core
import Engine
import Platform
import Storage

/// Data lifecycle: retention periods per org, and what retention has done. What
/// `RetentionRoutes` is given; built by `agentd` (Daemon/APIWiring.swift).
public struct ComplianceService: Sendable {
    public let retention: Retention
    public let store: RetentionStore
    public let limits: RequestLimits
    public let clock: WallClock

    public init(retention: Retention, store: RetentionStore, limits: RequestLimits, clock: WallClock) {
        self.retention = retention
        self.store = store
        self.limits = limits
        self.clock = clock
    }
}
