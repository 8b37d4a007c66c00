import Core
import Engine
import Platform
import AgentSecurity
import Storage

/// Approval requests and delegations (`agentctl approvals`): what `ApprovalRoutes` is given;
/// built by `agentd` (Daemon/APIWiring.swift). A decision that settles a request hands the
/// steps it made ready to the engine at once.
public struct ApprovalService: Sendable {
    public let approvals: ApprovalStore
    /// Change requests and the org's gated acts (`ChangeRoutes`).
    public let changes: ChangeStore
    public let executions: ExecutionStore
    public let engine: Engine
    /// Dropped after an approved role change, so keys act with the new role at once.
    public let authenticator: APIKeyAuthenticator?
    public let limits: RequestLimits
    public let clock: WallClock

    public init(approvals: ApprovalStore, changes: ChangeStore, executions: ExecutionStore, engine: Engine, authenticator: APIKeyAuthenticator? = nil,
                limits: RequestLimits, clock: WallClock) {
        self.authenticator = authenticator
        self.approvals = approvals
        self.changes = changes
        self.executions = executions
        self.engine = engine
        self.limits = limits
        self.clock = clock
    }

    public func decide(_ reference: String, _ choice: ApprovalVote.Choice, comment: String?, by user: UserID,
                       context: ChangeContext) async throws -> ApprovalRecord {
        let (record, effects) = try await executions.decide(reference, choice, comment: comment, by: user, context: context)
        engine.accept(effects)
        return record
    }
}
