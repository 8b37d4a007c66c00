import Core

/// An execution as stored.
public struct ExecutionRecord: Sendable, Hashable {
    public let id: ExecutionID
    public let orgID: OrgID
    public let teamID: TeamID?
    public let workflowID: WorkflowID
    public let workflowName: String
    public let workflowVersion: Int
    public let environment: DeployEnvironment
    public let status: ExecutionStatus
    public let input: JSONValue
    public let output: JSONValue?
    public let error: JSONValue?
    public let trigger: String
    public let parentExecutionID: String?
    public let parentNode: String?
    public let depth: Int
    public let stepsTotal: Int
    public let stepsDone: Int
    public let createdBy: String
    public let createdAt: Instant
    public let finishedAt: Instant?
    public let deadlineAt: Instant?
    /// What its llm steps spent so far.
    public var costMicros: Int64 = 0
    public var usage: TokenUsage = .zero
    /// The W3C traceparent its steps' spans hang under (nil: derived from its id).
    public var traceparent: String?
    /// The privacy rules it runs under, resolved when it started (nil: none).
    public var privacy: PrivacyRules?
    /// How many findings were masked in it so far, by kind name: counts, never values.
    public var piiMasked: [String: Int] = [:]
}

public struct StepRunRecord: Sendable, Hashable {
    public let node: String
    public let status: StepStatus
    public let attempt: Int
    public let output: JSONValue?
    public let error: JSONValue?
    public let startedAt: Instant?
    public let finishedAt: Instant?

    public init(node: String, status: StepStatus, attempt: Int, output: JSONValue?, error: JSONValue?, startedAt: Instant?, finishedAt: Instant?) {
        self.node = node
        self.status = status
        self.attempt = attempt
        self.output = output
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

public struct ExecutionEvent: Sendable, Hashable {
    public let seq: Int
    public let at: Instant
    public let type: String
    public let node: String?
    public let attempt: Int?
    public let data: JSONValue?
}

/// A job the engine may run: one attempt of one step (or the resumption of a waiting one).
/// `token` fences the completion.
public struct JobTicket: Sendable, Hashable {
    public let id: Int64
    public let executionID: String
    public let node: String
    public let attempt: Int
    public let purpose: Purpose
    public let orgID: String
    public let token: Int
    public let readyAt: Int64

    /// `run` an attempt; `resume` a waiting step whose time came (a delay); `expire` an
    /// approval request nobody decided in time.
    public enum Purpose: String, Sendable, Hashable { case run, resume, expire }
}

/// What to start an execution with.
public struct NewExecution: Sendable {
    public var workflow: String
    public var environment: DeployEnvironment
    public var version: Int?
    public var input: JSONValue
    public var idempotencyKey: String?
    public var requestHash: String?
    public var trigger: String
    public var parent: (execution: String, node: String, depth: Int)?
    public var timeoutMs: Int?
    /// How deep it nests when it has no parent step (a workflow an llm step called as a tool).
    public var depth = 0
    /// The W3C traceparent of the span that stands for it (`ExecutionTrace`), when tracing is on.
    public var traceparent: String?

    public init(workflow: String, environment: DeployEnvironment = .dev, version: Int? = nil, input: JSONValue,
                idempotencyKey: String? = nil, requestHash: String? = nil, trigger: String = "api",
                parent: (execution: String, node: String, depth: Int)? = nil, timeoutMs: Int? = nil) {
        self.workflow = workflow
        self.environment = environment
        self.version = version
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
        self.trigger = trigger
        self.parent = parent
        self.timeoutMs = timeoutMs
    }

    /// How deep child executions may nest.
    public static let maximumDepth = 8
}

/// What a committed transition asks of the engine, after the commit: run these jobs now,
/// wake at these times, stop these running steps, tell waiters these executions finished.
public struct ExecutionEffects: Sendable {
    public var ready: [JobTicket] = []
    public var timers: [JobTicket] = []
    public var cancelRunning: [String] = []   // execution ids whose running steps must stop
    public var finished: [String] = []
    /// Executions that ended, for the log.
    public var ended: [(id: String, org: String, workflow: String, workflowID: String, status: ExecutionStatus, durationMs: Int64)] = []
    public var changed: [String] = []         // executions with new events
    /// False when the job's lease was lost (another owner completed or recovered it).
    public var accepted = true
    /// Executions this transaction started, as written: the workers that take their first
    /// steps need not read them back.
    public var started: [StartedExecution] = []
    /// The job a completion marked as begun for its own worker to run next (`complete(beginNext:)`),
    /// or a decision for the engine to run without a commit more (`decide`).
    public var begun: Int64?
    /// Executions a decision (or an expiry) let go on, as read in its transaction: the worker
    /// that takes the step it made ready starts from this record.
    public var resumed: [StartedExecution] = []
    /// Findings masked by this transaction's writes (and the step outcome it recorded), by
    /// kind name: for `agentd_pii_masked_total`.
    public var piiMasked: [String: Int] = [:]

    public init() {}

    mutating func merge(_ other: ExecutionEffects) {
        ready += other.ready
        timers += other.timers
        cancelRunning += other.cancelRunning
        finished += other.finished
        ended += other.ended
        changed += other.changed
        started += other.started
        resumed += other.resumed
        piiMasked = PIICounts.adding(piiMasked, other.piiMasked)
    }
}

/// An execution as its starting transaction wrote it, with its compiled workflow.
public struct StartedExecution: Sendable {
    public let record: ExecutionRecord
    public let compiled: CompiledWorkflow
    /// The size of its input as stored: what holding the record costs.
    public let inputBytes: Int
}

/// Filters for listing executions.
public struct ExecutionFilter: Sendable, Hashable {
    public var status: ExecutionStatus?
    public var workflow: String?
    public var since: Instant?

    public init(status: ExecutionStatus? = nil, workflow: String? = nil, since: Instant? = nil) {
        self.status = status
        self.workflow = workflow
        self.since = since
    }
}
