/// The state machines of executions, step runs and jobs (DESIGN §5). Storage writes a status
/// only through its transition helper (`Storage/Execution/StatusTransitions.swift`), which asks
/// these tables first and writes `… WHERE (status = from OR …)`, so a move the table refuses is
/// never applied and a lost race is seen, not silently ignored. A new kind of waiting
/// (approvals, schedule fires) adds its moves here, in the table, before any code writes them.
public protocol StatusMachine: RawRepresentable<String>, CaseIterable, Hashable, Sendable {
    /// Whether a row may move from `self` to `next`.
    func canMove(to next: Self) -> Bool
    /// Terminal states never change.
    var isTerminal: Bool { get }
}

extension StatusMachine {
    /// The states a row may move to `target` from: what a transition that only knows its
    /// target (an execution ending) writes in its `WHERE status IN (…)`.
    public static func sources(of target: Self) -> Set<Self> {
        Set(allCases.filter { $0.canMove(to: target) })
    }

    /// The states that are not terminal.
    public static var unfinished: Set<Self> { Set(allCases.filter { !$0.isTerminal }) }

    /// Checks that every `from → to` is in the table: a refused pair is a bug in the caller,
    /// reported before anything is written.
    public static func check(from: Set<Self>, to: Self) throws {
        // why sorted only on failure: this runs at every status write; the error names the same
        // state whatever the set's order.
        guard from.contains(where: { !$0.canMove(to: to) }) else { return }
        if let bad = from.sorted(by: { $0.rawValue < $1.rawValue }).first(where: { !$0.canMove(to: to) }) {
            throw IllegalTransition(from: bad.rawValue, to: to.rawValue)
        }
    }
}

/// Where an execution is:
/// `queued → running → (waiting ⇄ running) → succeeded | failed | cancelled`.
public enum ExecutionStatus: String, StatusMachine, Codable {
    /// Waiting for a place: its workflow's `concurrency` or the org's concurrent executions are
    /// used up. Started (`running`) by the end of another, in that one's transaction.
    case queued
    /// Its steps run or are ready to.
    case running
    /// Only waiting steps are left (a delay, a child execution); no worker is held.
    case waiting
    case succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }

    /// Terminal states never change: this is what keeps recovery and a late worker from
    /// overwriting an outcome. A queued execution never ran a step, so it cannot succeed.
    public func canMove(to next: ExecutionStatus) -> Bool {
        switch (self, next) {
        case (.queued, .running), (.queued, .cancelled), (.queued, .failed): true
        case (.running, .waiting), (.waiting, .running): true
        case (.running, .succeeded), (.running, .failed), (.running, .cancelled): true
        case (.waiting, .succeeded), (.waiting, .failed), (.waiting, .cancelled): true
        default: false
        }
    }
}

/// Where one node of an execution is:
/// `pending → ready → running → succeeded | failed | skipped | cancelled`, with
/// `retry_wait` between attempts and `waiting` for timers and child executions.
///
/// An attempt's outcome is written from whichever state the attempt ran in: a step that ends
/// quickly is never marked `running` (the engine marks only steps that run for a moment, so a
/// fast step costs one commit, not two), a retried attempt runs while its step still shows
/// `retry_wait` (the timer firing writes nothing), and a resumed step runs from `waiting`.
public enum StepStatus: String, StatusMachine, Codable {
    /// Some predecessor has not finished.
    case pending
    /// Its job is open and may be claimed.
    case ready
    /// A worker has run it for a moment (see above).
    case running
    /// An attempt failed and another is due at its job's `ready_at`.
    case retryWait = "retry_wait"
    /// A delay, or a child execution, holds it; a job of purpose `resume` (or the child's end)
    /// moves it on.
    case waiting
    case succeeded, failed, skipped, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .skipped || self == .cancelled }

    /// The states an attempt may be in flight from, and so end from.
    public static let attempting: Set<StepStatus> = [.ready, .running, .retryWait, .waiting]

    public func canMove(to next: StepStatus) -> Bool {
        switch (self, next) {
        case (.pending, .ready), (.pending, .skipped), (.pending, .cancelled): true
        case (.ready, .running), (.retryWait, .running), (.waiting, .running): true
        // Recovery: a step whose worker died or whose lease expired runs again.
        case (.running, .ready): true
        case (let from, let to) where StepStatus.attempting.contains(from):
            [.succeeded, .failed, .skipped, .cancelled, .retryWait, .waiting].contains(to)
        default: false
        }
    }
}

/// A job: one attempt of one step (or the resumption of a waiting one). `open` until its
/// outcome is recorded, it is cancelled with its execution, or it is failed as poisoned.
public enum JobStatus: String, StatusMachine, Codable {
    case open, done

    public var isTerminal: Bool { self == .done }

    public func canMove(to next: JobStatus) -> Bool { self == .open && next == .done }
}

/// A transition refused by the state machine: a bug or a race, never applied.
public struct IllegalTransition: Error, Hashable, Sendable, CustomStringConvertible {
    public let from: String
    public let to: String
    public var description: String { "illegal transition \(from) -> \(to)" }

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }
}

/// A schedule: `active` fires at its next slot; `paused` keeps its slots (missed ones are
/// handled by its catch-up policy on resume); `done` has no slot left (a one-time schedule
/// that fired).
public enum ScheduleStatus: String, StatusMachine, Codable {
    case active, paused, done

    public var isTerminal: Bool { self == .done }

    public func canMove(to next: ScheduleStatus) -> Bool {
        switch (self, next) {
        case (.active, .paused), (.paused, .active), (.active, .done): true
        default: false
        }
    }
}
