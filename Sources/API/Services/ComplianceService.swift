import Core
import Engine
import Platform
import Storage

/// Data lifecycle: retention periods per org, what retention has done, the archive, and orgs'
/// privacy policies. What
/// `RetentionRoutes` is given; built by `agentd` (Daemon/APIWiring.swift).
public struct ComplianceService: Sendable {
    public let retention: Retention
    public let store: RetentionStore
    /// Orgs' privacy policies (`PrivacyRoutes`).
    public let privacy: PrivacyStore
    /// Nil when `[retention] archive` is off.
    public var archive: ExecutionArchive? { retention.settings.archive }
    public let limits: RequestLimits
    public let clock: WallClock

    public init(retention: Retention, store: RetentionStore, privacy: PrivacyStore, limits: RequestLimits, clock: WallClock) {
        self.retention = retention
        self.store = store
        self.privacy = privacy
        self.limits = limits
        self.clock = clock
    }
}
