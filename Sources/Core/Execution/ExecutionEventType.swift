/// What an execution event records. The raw values are stable names: the events API and its
/// server-sent stream carry them, and `agentctl run --follow` draws progress from them.
/// Every transition of an execution or a step appends one (in the same transaction); the
/// `llm.*` and `budget.*` events record progress that changes no status.
public enum ExecutionEventType: String, CaseIterable, Hashable, Sendable, Codable {
    case executionQueued = "execution.queued"
    case executionStarted = "execution.started"
    case executionSucceeded = "execution.succeeded"
    case executionFailed = "execution.failed"
    case executionCancelled = "execution.cancelled"
    case stepStarted = "step.started"
    case stepSucceeded = "step.succeeded"
    case stepFailed = "step.failed"
    case stepSkipped = "step.skipped"
    case stepRetrying = "step.retrying"
    case stepWaiting = "step.waiting"
    case stepRecovered = "step.recovered"
    case stepPoisoned = "step.poisoned"
    /// Streamed text of a model's answer (not stored past the stream's replay window).
    case llmDelta = "llm.delta"
    /// A tool-calling step asked for tools; its conversation is saved.
    case llmTools = "llm.tools"
    /// A tool-calling step's next model turn, saved.
    case llmIteration = "llm.iteration"
    /// Spend crossed a budget's alert threshold.
    case budgetAlert = "budget.alert"

    /// The event that records an execution ending as `status` (nil for a status that is not an end).
    public static func ended(_ status: ExecutionStatus) -> ExecutionEventType? {
        switch status {
        case .succeeded: .executionSucceeded
        case .failed: .executionFailed
        case .cancelled: .executionCancelled
        case .queued, .running, .waiting: nil
        }
    }

    /// Whether this event ends its execution.
    public var isEnd: Bool { self == .executionSucceeded || self == .executionFailed || self == .executionCancelled }
}
