import Core
import Engine
import Platform
import Storage

/// Starting, reading, following, cancelling and retrying executions: what `ExecutionRoutes`
/// is given; built by `agentd` (Daemon/APIWiring.swift), with the one `Engine` the daemon runs.
public struct ExecutionService: Sendable {
    public let executions: ExecutionStore
    public let engine: Engine
    public let limits: RequestLimits
    public let clock: WallClock
    /// Where a person's opening of an execution is noted (their recent items).
    public let recent: PersonalLists?

    public init(executions: ExecutionStore, engine: Engine, limits: RequestLimits, clock: WallClock, recent: PersonalLists? = nil) {
        self.executions = executions
        self.engine = engine
        self.limits = limits
        self.clock = clock
        self.recent = recent
    }
}

extension ExecutionService {
    /// The org's outbound endpoints whose circuit breaker is open or probing, by name.
    public func openBreakers(of org: OrgID) -> [String] {
        engine.breakers.snapshot().filter { $0.key.org == org && $0.breaker.state != .closed }.map(\.key.endpoint).sorted()
    }
}
