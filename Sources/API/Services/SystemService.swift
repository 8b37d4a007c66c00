import Engine
import Prometheus
import AgentSecurity
import Storage

/// The daemon itself: readiness, metrics, status. What `SystemRoutes` is given; built by
/// `agentd` (Daemon/APIWiring.swift).
public struct SystemService: Sendable {
    public let database: AgentDatabase
    public let engine: Engine
    public let executions: ExecutionStore
    public let vault: Vault
    public let info: ServerInfo
    public let registry: PrometheusCollectorRegistry
    /// `[metrics] require_auth`: `/metrics` needs system.view and then labels counts with org ids.
    public let metricsRequireAuth: Bool
    /// Retention, for status (nil in tests that build no daemon).
    public let retention: Retention?

    public init(database: AgentDatabase, engine: Engine, executions: ExecutionStore, vault: Vault, info: ServerInfo,
                registry: PrometheusCollectorRegistry, metricsRequireAuth: Bool, retention: Retention? = nil) {
        self.database = database
        self.engine = engine
        self.executions = executions
        self.vault = vault
        self.info = info
        self.registry = registry
        self.metricsRequireAuth = metricsRequireAuth
        self.retention = retention
    }
}
