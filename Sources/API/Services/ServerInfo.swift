import Core

/// Facts about this running daemon, for `GET /api/v1/status`.
public struct ServerInfo: Sendable {
    public let version: String
    public let startedAt: Instant
    public let startedAtMonotonic: ContinuousClock.Instant
    public let devMode: Bool
    /// `[audit] forward`, when set: `agentctl status` says how far it got.
    public let auditForward: AuditForwardTarget?
    /// `[errors] sentry_dsn`, when set: `agentctl status` says how far forwarding got.
    public let sentry: SentryDSN?

    public init(version: String, startedAt: Instant, startedAtMonotonic: ContinuousClock.Instant, devMode: Bool,
                auditForward: AuditForwardTarget? = nil, sentry: SentryDSN? = nil) {
        self.sentry = sentry
        self.version = version
        self.startedAt = startedAt
        self.startedAtMonotonic = startedAtMonotonic
        self.devMode = devMode
        self.auditForward = auditForward
    }
}
