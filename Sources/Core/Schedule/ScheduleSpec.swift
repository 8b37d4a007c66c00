/// What a schedule is, as its creator wrote it: when (`cron` text, `every …`, or a one-time
/// `at`), in which zone, and what it does with missed slots and overlapping runs. Checked here,
/// pure; `recurrence` is what the scheduler computes slots with.
public struct ScheduleSpec: Hashable, Sendable {
    public enum When: Hashable, Sendable {
        /// A cron expression, a shortcut (`@daily`) or `every 15m`.
        case recurring(String)
        /// A one-time fire: a wall time in the zone (`2026-12-01T09:00`) or an RFC 3339 instant.
        case at(String)
    }

    public var when: When
    public var zone: String
    public var dst: DSTPolicy
    public var catchUp: CatchUpPolicy
    public var overlap: OverlapPolicy
    /// Computed from the above by `init`.
    public let recurrence: Recurrence

    public init(when: When, zone: String = "UTC", dst: DSTPolicy = .first, catchUp: CatchUpPolicy = .skip,
                overlap: OverlapPolicy = .allow) throws(CronError) {
        self.when = when
        self.zone = zone
        self.dst = dst
        self.catchUp = catchUp
        self.overlap = overlap
        switch when {
        case .recurring(let text): recurrence = try Recurrence.parse(text, zone: zone, dst: dst)
        case .at(let text): recurrence = try Recurrence.once(at: text, zone: zone)
        }
        if case .all(let windowMs, let cap) = catchUp {
            guard windowMs >= 60_000, windowMs <= 7 * 86_400_000 else {
                throw CronError(field: nil, "the catch-up window is 1m to 7d")
            }
            guard cap >= 1, cap <= CatchUpPolicy.maximumCap else {
                throw CronError(field: nil, "the catch-up cap is 1 to \(CatchUpPolicy.maximumCap)")
            }
        }
    }

    /// `skip`, `latest`, or `all` with a window and a cap (`all`, default 6h and 10).
    public static func catchUp(_ name: String, windowMs: Int64?, cap: Int?) throws(CronError) -> CatchUpPolicy {
        switch name {
        case "skip": return .skip
        case "latest": return .latest
        case "all": return .all(windowMs: windowMs ?? 6 * 3_600_000, cap: cap ?? 10)
        default: throw CronError(field: nil, "catch_up is skip, latest or all, not \(name)")
        }
    }

    /// The next `count` fires after `instant`.
    public func preview(after instant: Instant, count: Int) -> [Instant] {
        recurrence.fires(after: instant, until: Instant(millisecondsSinceEpoch: .max), limit: max(0, min(count, 1000)))
    }
}
