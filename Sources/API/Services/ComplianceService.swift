import Core
import Engine
import Platform
import Security
import Storage

/// Data lifecycle: retention periods per org, what retention has done, and the archive. What
/// `RetentionRoutes` is given; built by `agentd` (Daemon/APIWiring.swift).
public struct ComplianceService: Sendable {
    public let retention: Retention
    public let store: RetentionStore
    /// Nil when `[retention] archive` is off.
    public var archive: ExecutionArchive? { retention.settings.archive }
    public let limits: RequestLimits
    public let clock: WallClock
    /// GDPR export and erasure.
    public let personalData: PersonalDataStore
    public let audit: AuditLog
    /// Told to drop its cached keys after an erasure removed some.
    public let authenticator: APIKeyAuthenticator?

    public init(retention: Retention, store: RetentionStore, limits: RequestLimits, clock: WallClock,
                personalData: PersonalDataStore, audit: AuditLog, authenticator: APIKeyAuthenticator?) {
        self.retention = retention
        self.store = store
        self.limits = limits
        self.clock = clock
        self.personalData = personalData
        self.audit = audit
        self.authenticator = authenticator
    }
}
