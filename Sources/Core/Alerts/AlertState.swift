/// Where one alert instance (a rule, for one workflow or budget when the rule covers each) stands.
/// Absent means inactive: its condition does not hold.
public struct AlertState: Hashable, Sendable {
    public enum Phase: String, Hashable, Sendable {
        /// The condition holds, not yet for the rule's `for`.
        case pending
        case firing
    }

    public var phase: Phase
    /// When the condition began to hold.
    public var since: Instant
    public var firedAt: Instant?
    /// When its channels were last told (firing or a repeat); nil while nothing was sent (a
    /// silence held it back), so a resolve is sent only for what was announced.
    public var notifiedAt: Instant?
    public var value: Double

    public init(phase: Phase, since: Instant, firedAt: Instant? = nil, notifiedAt: Instant? = nil, value: Double) {
        self.phase = phase
        self.since = since
        self.firedAt = firedAt
        self.notifiedAt = notifiedAt
        self.value = value
    }
}

/// What the channels are told.
public enum AlertNotice: String, Hashable, Sendable, Codable, CaseIterable {
    case firing, repeating, resolved
    /// `agentctl alerts channels test`.
    case test
}

/// A change to record in the alert history.
public enum AlertChange: String, Hashable, Sendable, CaseIterable {
    case pending, firing, resolved
    /// It held for less than the rule's `for` and stopped.
    case cleared
}

/// The rule of an alert's life (docs/observability.md#alerts): pending while the condition has
/// held for less than `for`, then firing (told to the channels), told again every `repeat` while it
/// fires, resolved (told) when it stops. A silence holds back firing and repeats, not the resolve
/// of something already announced; when a silence ends on a firing alert, it is announced then.
public enum AlertTransition {
    public struct Outcome: Hashable, Sendable {
        /// nil: inactive.
        public var state: AlertState?
        public var notice: AlertNotice?
        public var change: AlertChange?
    }

    public static func next(_ state: AlertState?, holds: Bool, value: Double, now: Instant, forMilliseconds: Int64,
                            repeatMilliseconds: Int64, silenced: Bool) -> Outcome {
        guard var state else {
            guard holds else { return Outcome(state: nil) }
            let started = AlertState(phase: .pending, since: now, value: value)
            guard forMilliseconds <= 0 else { return Outcome(state: started, change: .pending) }
            return fire(started, now: now, silenced: silenced)
        }
        guard holds else {
            switch state.phase {
            case .pending: return Outcome(state: nil, change: .cleared)
            case .firing: return Outcome(state: nil, notice: state.notifiedAt == nil ? nil : .resolved, change: .resolved)
            }
        }
        state.value = value
        switch state.phase {
        case .pending:
            guard now.millisecondsSinceEpoch - state.since.millisecondsSinceEpoch >= forMilliseconds else { return Outcome(state: state) }
            return fire(state, now: now, silenced: silenced)
        case .firing:
            guard !silenced else { return Outcome(state: state) }
            guard let told = state.notifiedAt else {
                state.notifiedAt = now
                return Outcome(state: state, notice: .firing)
            }
            guard repeatMilliseconds > 0, now.millisecondsSinceEpoch - told.millisecondsSinceEpoch >= repeatMilliseconds else { return Outcome(state: state) }
            state.notifiedAt = now
            return Outcome(state: state, notice: .repeating)
        }
    }

    static func fire(_ pending: AlertState, now: Instant, silenced: Bool) -> Outcome {
        var state = pending
        state.phase = .firing
        state.firedAt = now
        state.notifiedAt = silenced ? nil : now
        return Outcome(state: state, notice: silenced ? nil : .firing, change: .firing)
    }
}
