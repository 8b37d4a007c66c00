/// What a schedule does with slots it missed (agentd was down, the schedule was paused).
/// A slot is missed when it is found more than `grace` after its planned instant; a slot found in
/// time always fires.
public enum CatchUpPolicy: Hashable, Sendable {
    /// Fire nothing that was missed (the default): after an outage the schedule simply goes on.
    case skip
    /// Fire the most recent missed slot, once.
    case latest
    /// Fire the missed slots of the last `windowMs`, at most `cap` of them (the most recent).
    case all(windowMs: Int64, cap: Int)

    /// Most slots `all` may fire after one outage.
    public static let maximumCap = 1000

    public var name: String {
        switch self {
        case .skip: "skip"
        case .latest: "latest"
        case .all: "all"
        }
    }
}

/// What a schedule does when a slot comes while the execution of an earlier one still runs.
public enum OverlapPolicy: String, CaseIterable, Hashable, Sendable, Codable {
    /// Start another execution beside it.
    case allow
    /// Record the slot as skipped.
    case skip
    /// Cancel the running one, then start.
    case cancelPrevious = "cancel_previous"
    /// Keep this one slot waiting and start it when the running one ends; a further slot while
    /// one waits is skipped.
    case queueOne = "queue_one"
}

/// Why a slot did not start an execution (a schedule's history shows it).
public enum SkipReason: String, CaseIterable, Hashable, Sendable, Codable {
    /// Missed (agentd down or the schedule paused) and the catch-up policy does not fire it.
    case missed
    /// Missed, and more than `all` fires at once.
    case overCap = "over_cap"
    /// Missed, and older than the `all` window.
    case outsideWindow = "outside_window"
    /// The previous execution still ran (overlap `skip`, or `queue_one` with one waiting).
    case overlap
}

/// The slots due at `now` and what to do with each: the scheduler's decision, pure.
public struct FirePlan: Hashable, Sendable {
    /// Slots to start executions for, oldest first.
    public var fire: [Instant] = []
    /// Slots that will not fire, with why (at most `FirePlan.maximumRecorded`).
    public var skipped: [(Instant, SkipReason)] = []
    /// Skipped slots beyond those recorded one by one (an every-second schedule down for a day).
    public var uncounted = 0
    /// More slots were missed than `maximumEnumerated`: those after it were jumped over uncounted.
    public var truncated = false
    /// The schedule's next fire after this plan, or nil when it has none (a one-time schedule).
    public var next: Instant?

    /// Missed slots recorded one by one in the history; the rest are counted.
    public static let maximumRecorded = 100
    /// Slots enumerated after an outage before the rest are counted without looking.
    static let maximumEnumerated = 100_000

    public static func == (lhs: FirePlan, rhs: FirePlan) -> Bool {
        lhs.fire == rhs.fire && lhs.uncounted == rhs.uncounted && lhs.truncated == rhs.truncated && lhs.next == rhs.next
            && lhs.skipped.map(\.0) == rhs.skipped.map(\.0) && lhs.skipped.map(\.1) == rhs.skipped.map(\.1)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fire)
        hasher.combine(next)
    }

    /// Plans the slots from `due` (the stored next fire, `due <= now`) up to `now`.
    ///
    ///     // an hourly schedule, agentd down from 09:30 to 12:10, policy latest:
    ///     FirePlan.plan(due: 10:00, recurrence: hourly, policy: .latest, now: 12:10, graceMs: 60_000)
    ///     // fire [12:00]; skipped [(10:00, missed), (11:00, missed)]; next 13:00
    /// The slots from `first` to `until`, at most `maximumEnumerated`, and the slot after them.
    private static func enumerate(from first: Instant, _ recurrence: Recurrence, until: Instant) -> ([Instant], Instant?) {
        var slots: [Instant] = []
        var cursor: Instant? = first
        while let slot = cursor, slot <= until, slots.count < maximumEnumerated {
            slots.append(slot)
            cursor = recurrence.next(after: slot)
        }
        return (slots, cursor)
    }

    public static func plan(due: Instant, recurrence: Recurrence, policy: CatchUpPolicy, now: Instant, graceMs: Int64) -> FirePlan {
        var plan = FirePlan()
        var (slots, cursor) = enumerate(from: due, recurrence, until: now)
        if let next = cursor, next <= now {
            // Too many to walk: the first few are kept for the record, the tail that any policy
            // may fire is walked again from an hour (or the `all` window) back; what lies between
            // is jumped over, not counted.
            plan.truncated = true
            var lookback = max(graceMs, 3_600_000)
            if case .all(let windowMs, _) = policy { lookback = max(lookback, windowMs) }
            let tailStart = Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - lookback)
            let first = recurrence.next(after: tailStart.adding(milliseconds: -1))
            let tail = first.map { enumerate(from: $0, recurrence, until: now) } ?? ([], recurrence.next(after: now))
            slots = Array(slots.prefix(maximumRecorded)) + tail.0.filter { $0 > (slots.last ?? due) }
            cursor = tail.1.flatMap { $0 <= now ? recurrence.next(after: now) : $0 }
        }
        plan.next = cursor
        let onTime = slots.filter { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch <= graceMs }
        let missed = slots.filter { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch > graceMs }
        var fired: [Instant] = []
        var skipped: [(Instant, SkipReason)] = []
        switch policy {
        case .skip:
            skipped = missed.map { ($0, .missed) }
        case .latest:
            // An on-time slot is the latest: it fires and the missed ones do not.
            if onTime.isEmpty, let last = missed.last {
                fired = [last]
                skipped = missed.dropLast().map { ($0, .missed) }
            } else {
                skipped = missed.map { ($0, .missed) }
            }
        case .all(let windowMs, let cap):
            let inWindow = missed.filter { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch <= windowMs }
            let room = max(0, min(cap, CatchUpPolicy.maximumCap) - onTime.count)
            let chosen = inWindow.suffix(room)
            fired = Array(chosen)
            let chosenSet = Set(chosen)
            skipped = missed.filter { !chosenSet.contains($0) }.map { slot in
                (slot, now.millisecondsSinceEpoch - slot.millisecondsSinceEpoch > windowMs ? .outsideWindow : .overCap)
            }
        }
        plan.fire = fired + onTime
        if skipped.count > maximumRecorded {
            plan.uncounted = skipped.count - maximumRecorded
            skipped = Array(skipped.suffix(maximumRecorded))
        }
        plan.skipped = skipped
        return plan
    }
}
