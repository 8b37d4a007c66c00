import Core
import Engine
import Platform
import AgentSecurity
import Storage

/// Data lifecycle and privacy: retention periods per org, what retention has done, the archive,
/// orgs' privacy policies, and a person's export and erasure. What `RetentionRoutes`,
/// `ArchiveRoutes`, `PrivacyRoutes` and `PersonalDataRoutes` are given; built by `agentd`
/// (Daemon/APIWiring.swift).
public struct ComplianceService: Sendable {
    public let retention: Retention
    public let store: RetentionStore
    /// Orgs' privacy policies (`PrivacyRoutes`).
    public let privacy: PrivacyStore
    /// Nil when `[retention] archive` is off.
    public var archive: ExecutionArchive? { retention.settings.archive }
    public let limits: RequestLimits
    public let clock: WallClock
    /// GDPR export and erasure.
    public let personalData: PersonalDataStore
    public let audit: AuditLog
    /// Told to drop its cached keys after an erasure removed some.
    public let authenticator: APIKeyAuthenticator?

    public init(retention: Retention, store: RetentionStore, privacy: PrivacyStore, limits: RequestLimits, clock: WallClock,
                personalData: PersonalDataStore, audit: AuditLog, authenticator: APIKeyAuthenticator?) {
        self.retention = retention
        self.store = store
        self.privacy = privacy
        self.limits = limits
        self.clock = clock
        self.personalData = personalData
        self.audit = audit
        self.authenticator = authenticator
    }
}
