import Platform
import Storage

/// Agents and workflows, their versions and deployments: what `AgentRoutes`, `WorkflowRoutes`
/// and `DefinitionRoutes` are given; built by `agentd` (Daemon/APIWiring.swift).
public struct DefinitionService: Sendable {
    public let definitions: DefinitionStore
    /// For permissions that depend on the body (`apply`: agents or workflows).
    public let refusals: RefusalAudit
    public let limits: RequestLimits
    public let clock: WallClock
    /// Where a person's opening of a workflow or agent is noted (their recent items).
    public let recent: PersonalLists?

    public init(definitions: DefinitionStore, refusals: RefusalAudit, limits: RequestLimits, clock: WallClock, recent: PersonalLists? = nil) {
        self.definitions = definitions
        self.refusals = refusals
        self.limits = limits
        self.clock = clock
        self.recent = recent
    }
}
