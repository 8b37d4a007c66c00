import Core

/// A stored schedule.
public struct ScheduleRecord: Sendable, Hashable {
    public let id: ScheduleID
    public let orgID: OrgID
    public let teamID: TeamID?
    public let name: String
    public let workflowID: WorkflowID
    public let workflowName: String
    public let environment: DeployEnvironment
    public let input: JSONValue
    public let spec: ScheduleSpec
    public let status: ScheduleStatus
    /// The next slot (nil once a one-time schedule has fired).
    public let nextFireAt: Instant?
    public let lastExecutionID: String?
    public let createdBy: String
    public let createdAt: Instant
    public let updatedAt: Instant
}

/// A schedule to create.
public struct NewSchedule: Sendable {
    public var name: String
    public var workflow: String
    public var environment: DeployEnvironment
    public var input: JSONValue
    public var spec: ScheduleSpec
    /// A team of the caller's that owns it (and whose executions it starts); nil: the org's.
    public var team: String?

    public init(name: String, workflow: String, environment: DeployEnvironment = .dev, input: JSONValue = .object([:]), spec: ScheduleSpec,
                team: String? = nil) {
        self.name = name
        self.workflow = workflow
        self.environment = environment
        self.input = input
        self.spec = spec
        self.team = team
    }
}

/// One slot of a schedule, as its history shows it.
public struct ScheduleFireRecord: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// An execution started for it.
        case fired
        /// Waiting for the previous execution to end (overlap `queue_one`).
        case queued
        /// Not fired: `reason` says why (a `SkipReason`).
        case skipped
        /// The execution could not start (the workflow is no longer deployed, its input is
        /// invalid, a quota): `reason` says what.
        case failed
    }

    public let plannedAt: Instant
    public let at: Instant
    public let outcome: Outcome
    public let executionID: String?
    public let reason: String?
}

/// What a pass of the scheduler did, for the metrics and the log.
public struct ScheduleFiring: Sendable {
    public var effects = ExecutionEffects()
    /// Schedules the pass found due (at most its limit: more may be due).
    public var considered = 0
    public var fired = 0
    /// The planned instants of the slots fired, committed when the pass returns.
    public var firedSlots: [Instant] = []
    public var missed = 0
    public var failed: [(schedule: String, reason: String)] = []
    public init() {}
}
