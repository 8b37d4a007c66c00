/// When a schedule fires: a cron expression in a time zone, a fixed interval, or once.
///
/// `next(after:)` is a pure function of the instant given: the scheduler stores the result
/// as the schedule's next fire and asks again after firing it, so a restart, a paused schedule
/// or a second agentd process all see the same slots.
public enum Recurrence: Hashable, Sendable {
    /// Cron wall times in `zone`, with `dst` deciding the hour the clocks go back.
    case cron(CronExpression, zone: String, dst: DSTPolicy)
    /// Every `seconds`, on instants that are multiples of it since the Unix epoch (`every 15m`
    /// fires at :00, :15, :30 and :45 UTC), whatever the zone: an interval has no wall time.
    case every(seconds: Int64)
    /// Once, at an instant.
    case once(Instant)

    /// Parses a schedule's `cron` text: a cron expression, a shortcut (`@daily`), or
    /// `every N[s|m|h|d]` (at least 1 second, at most 31 days). `zone` must name a tz zone.
    public static func parse(_ text: String, zone: String = "UTC", dst: DSTPolicy = .first) throws(CronError) -> Recurrence {
        guard ZoneRules(identifier: zone) != nil else {
            throw CronError(field: nil, "unknown time zone \(zone); use an IANA name like Europe/Berlin or America/New_York")
        }
        let trimmed = String(text.trimmingWhitespace)
        if trimmed.lowercased().hasPrefix("every ") {
            let amount = String(String(trimmed.dropFirst("every ".count)).trimmingWhitespace)
            let scales: [String: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
            guard let unit = amount.last, let count = Int64(amount.dropLast()), count >= 1,
                  let scale = scales[String(unit).lowercased()], count <= 31 * 86_400 / scale else {
                throw CronError(field: nil, "\(trimmed): write every N followed by s, m, h or d (every 15m), from 1s to 31d")
            }
            return .every(seconds: count * scale)
        }
        return .cron(try CronExpression(trimmed), zone: zone, dst: dst)
    }

    /// A one-time schedule at a wall time in `zone` (`2026-12-01T09:00[:SS]`), or at an RFC 3339
    /// UTC instant (`…Z`). A wall time the clocks skip runs at the end of the gap; one they show
    /// twice, at its first occurrence.
    public static func once(at text: String, zone: String = "UTC") throws(CronError) -> Recurrence {
        if let instant = Instant(rfc3339: text) { return .once(instant) }
        guard let rules = ZoneRules(identifier: zone) else {
            throw CronError(field: nil, "unknown time zone \(zone); use an IANA name like Europe/Berlin or America/New_York")
        }
        let parts = text.split(whereSeparator: { "-T:".contains($0) }).map { Int($0) }
        guard parts.count == 5 || parts.count == 6, parts.allSatisfy({ $0 != nil }), text.count <= 19 else {
            throw CronError(field: nil, "\(text): write a time as 2026-12-01T09:00 (in the schedule's zone) or 2026-12-01T08:00:00Z")
        }
        let n = parts.map { $0! }
        guard (1970...9999).contains(n[0]), (1...12).contains(n[1]), (1...CivilDate.daysIn(month: n[1], year: n[0])).contains(n[2]),
              (0...23).contains(n[3]), (0...59).contains(n[4]), n.count == 5 || (0...59).contains(n[5]) else {
            throw CronError(field: nil, "\(text) is not a valid date and time")
        }
        let wall = WallTime(year: n[0], month: n[1], day: n[2], hour: n[3], minute: n[4], second: n.count == 6 ? n[5] : 0)
        return .once(Instant(millisecondsSinceEpoch: rules.instants(of: wall)[0] * 1000))
    }

    /// The first fire strictly after `instant`, or nil when there is none (a one-time schedule
    /// that has passed, a cron expression that never matches).
    public func next(after instant: Instant) -> Instant? {
        let ms = instant.millisecondsSinceEpoch
        // Whole seconds: a fire is never in the same second as `instant` when that second has begun.
        let second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        switch self {
        case .once(let at):
            return at > instant ? at : nil
        case .every(let seconds):
            let k = second >= 0 ? second / seconds : (second - seconds + 1) / seconds
            return Instant(millisecondsSinceEpoch: (k + 1) * seconds * 1000)
        case .cron(let expression, let zone, let dst):
            guard let rules = ZoneRules(identifier: zone) else { return nil }
            return Self.nextCron(expression, rules, dst, afterSecond: second).map { Instant(millisecondsSinceEpoch: $0 * 1000) }
        }
    }

    /// The fires in `(after, until]`, at most `limit`.
    public func fires(after: Instant, until: Instant, limit: Int) -> [Instant] {
        var out: [Instant] = []
        var cursor = after
        while out.count < limit, let next = next(after: cursor), next <= until {
            out.append(next)
            cursor = next
        }
        return out
    }

    /// Walks wall times forward and keeps the earliest instant after `after`. Wall order and
    /// instant order differ only where the clocks go back: the search starts that far earlier,
    /// and stops once no later wall time can fall on an earlier instant.
    private static func nextCron(_ expression: CronExpression, _ rules: ZoneRules, _ dst: DSTPolicy, afterSecond after: Int64) -> Int64? {
        let now = rules.offset(at: after)
        let soon = rules.offset(at: after + 3 * 3600)
        let shift = max(0, now - soon)  // how far the wall clock goes back in the next hours
        var wall = WallTime(localSeconds: after + now - shift)
        var best: Int64?
        var bestWall: Int64?
        for _ in 0..<100_000 {
            guard let match = expression.nextWall(atOrAfter: wall) else { break }
            if let bestWall, match.localSeconds > bestWall + shift { break }
            var instants = rules.instants(of: match)
            if dst == .first, instants.count > 1 { instants = [instants[0]] }
            if let first = instants.first(where: { $0 > after }), first < (best ?? .max) {
                best = first
                bestWall = match.localSeconds
                if shift == 0 { break }
            }
            wall = WallTime(localSeconds: match.localSeconds + 1)
        }
        return best
    }
}
