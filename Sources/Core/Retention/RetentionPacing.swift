/// How retention shares the one writer with the engine: each unit's batch grows or shrinks
/// toward a target duration, and after each unit retention rests long enough that its units
/// take at most `share` of the writer's time. Removing a million step rows at full speed took the
/// engine down to 4 % of its throughput (`retention-bench`); paced, a pass takes longer and the
/// engine keeps most of its throughput.
///
/// When nothing else used the writer since the last unit began (`othersMeanwhile` 0), nobody
/// waits behind retention: units may take `idleTargetMicroseconds` and `idleShare` of the time.
/// Giving a few GB of free pages back at the busy pace took hours; idle, it runs near full speed.
/// The first sign of other work brings the batch straight back to the busy target's size.
public struct RetentionPacing: Sendable, Equatable {
    public private(set) var batch: Int
    public let maximum: Int
    /// Batches never shrink below this: each commit has a fixed cost (its fsync), so a tiny batch
    /// takes nearly as long as a small one and removes almost nothing.
    public let minimum: Int
    /// What one unit should take while others write: well under the engine's own commit budget.
    /// Engine units that queue behind a retention unit wait for all of it, so this adds to their
    /// p99: at 10 ms the benchmark's p99 went to 22–24 ms, at 4 ms it stayed at 19 ms.
    public let targetMicroseconds: Int64
    /// The most of the writer's time retention takes while others write (0 < share ≤ 1).
    public let share: Double
    public let idleTargetMicroseconds: Int64
    public let idleShare: Double
    /// Whether the last unit ran with the writer otherwise idle.
    public private(set) var idle = false

    public init(maximum: Int, minimum: Int = 1, first: Int = 8, targetMicroseconds: Int64 = 4_000, share: Double = 0.25,
                idleTargetMicroseconds: Int64 = 100_000, idleShare: Double = 0.9) {
        self.maximum = max(1, maximum)
        self.minimum = min(max(1, minimum), self.maximum)
        batch = min(max(self.minimum, first), self.maximum)
        self.targetMicroseconds = targetMicroseconds
        self.share = min(1, max(0.01, share))
        self.idleTargetMicroseconds = max(targetMicroseconds, idleTargetMicroseconds)
        self.idleShare = min(1, max(self.share, idleShare))
    }

    /// Records how long a unit of `batch` took (from submit to done, so time waiting behind
    /// the engine's units counts too) and how many units of others the writer committed since
    /// the unit before it began (nil: unknown, taken as busy); returns how long to rest before
    /// the next one.
    public mutating func rest(afterUnitOf microseconds: Int64, othersMeanwhile: Int? = nil) -> Int64 {
        let wasIdle = idle
        idle = othersMeanwhile == 0
        if wasIdle && !idle {
            // Others are back: shrink at once to what fits the busy target, by the ratio of the two.
            batch = max(minimum, Int(Double(batch) * Double(targetMicroseconds) / Double(idleTargetMicroseconds)))
            return Int64(Double(targetMicroseconds) * (1 / share - 1))
        }
        let target = idle ? idleTargetMicroseconds : targetMicroseconds
        if microseconds > 2 * target {
            batch = max(minimum, batch / 2)
        } else if microseconds < target / 2 {
            batch = min(maximum, batch * 2)
        }
        return Int64(Double(microseconds) * (1 / (idle ? idleShare : share) - 1))
    }
}
