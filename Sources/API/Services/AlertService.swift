import Core
import Engine
import Platform
import Storage

/// Alerting (`agentctl alerts`): what `AlertRoutes` is given; built by `agentd`
/// (Daemon/APIWiring.swift). `alerting` sends channel tests; it is nil only where no engine runs.
public struct AlertService: Sendable {
    public let alerts: AlertStore
    public let alerting: Alerting?
    public let executions: ExecutionStore
    public let limits: RequestLimits
    public let clock: WallClock

    public init(alerts: AlertStore, alerting: Alerting?, executions: ExecutionStore, limits: RequestLimits, clock: WallClock) {
        self.alerts = alerts
        self.alerting = alerting
        self.executions = executions
        self.limits = limits
        self.clock = clock
    }
}
