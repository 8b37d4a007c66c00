import Core
import Storage

/// One attempt of one step, with its config and input already rendered.
public struct StepInvocation: Sendable {
    /// The job this attempt runs: what a budget reservation is held under, and (with its token)
    /// what fences an llm step's checkpoints.
    public let jobID: Int64
    public let jobToken: Int
    public let execution: ExecutionRecord
    public let node: String
    public let attempt: Int
    public let kind: StepKind
    public let config: JSONValue
    public let input: JSONValue
    /// `execution_id/node_id/attempt`: sent as `Idempotency-Key` by http (and llm) steps.
    public var idempotencyKey: String { "\(execution.id.rawValue)/\(node)/\(attempt)" + keySuffix }
    /// Set for a tool an llm step calls: `/ITERATION/CALL_ID`, so each call has a key of its own.
    public var keySuffix = ""
    public let now: Instant
    /// The step's timeout: a runner that waits on something (a request) gives up by then itself,
    /// so the failure is classified (and counted by the breaker) as a timeout.
    public let timeoutMs: Int
    /// The agent the node uses (nil: an inline config), for cost records.
    public let agent: String?
    /// What the attempt spent on models and which secrets its runner read.
    let meter = CallMeter()
    /// Findings its runner masked in what it sent (an llm step's prompts).
    let pii = PIITally()
    /// The vault values its config used: what anything stored before its outcome (streamed
    /// text, checkpoints) is scrubbed of.
    var secrets = StepSecrets.none
}

/// What runs a step kind. A runner never throws: every failure is a classified `StepError`,
/// so the engine can decide about retries. Kinds added later (llm, exec, approval) implement
/// this and are registered; nothing else changes.
public protocol StepRunner: Sendable {
    func run(_ step: StepInvocation) async -> StepOutcome
}

/// Kinds whose runners arrive with their own issues.
struct UnavailableRunner: StepRunner {
    let kind: StepKind

    func run(_ step: StepInvocation) async -> StepOutcome {
        .failed(StepError(.validation, "\(kind.rawValue) steps cannot run in this agentd yet"))
    }
}
