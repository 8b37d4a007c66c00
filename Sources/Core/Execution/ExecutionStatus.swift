/// Where an execution is (DESIGN §5):
/// `queued → running → (waiting ⇄ running) → succeeded | failed | cancelled`.
public enum ExecutionStatus: String, CaseIterable, Hashable, Sendable, Codable {
    case queued, running, waiting, succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }

    /// Whether an execution may move from `self` to `next`. Terminal states never change: this
    /// is what keeps recovery and a late worker from overwriting an outcome.
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
/// `running → retry_wait → ready` between attempts and `running → waiting` for timers.
public enum StepStatus: String, CaseIterable, Hashable, Sendable, Codable {
    case pending, ready, running
    case retryWait = "retry_wait"
    case waiting, succeeded, failed, skipped, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .skipped || self == .cancelled }

    public func canMove(to next: StepStatus) -> Bool {
        switch (self, next) {
        case (.pending, .ready), (.pending, .skipped), (.pending, .cancelled): true
        case (.ready, .running), (.ready, .cancelled), (.ready, .skipped): true
        case (.running, .succeeded), (.running, .failed), (.running, .skipped), (.running, .cancelled): true
        case (.running, .retryWait), (.running, .waiting), (.running, .ready): true  // ready: recovered after a crash
        case (.retryWait, .ready), (.retryWait, .cancelled): true
        case (.waiting, .running), (.waiting, .succeeded), (.waiting, .cancelled), (.waiting, .failed): true
        default: false
        }
    }
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
