/// How retention shares the one writer with the engine: each unit's batch grows or shrinks
/// toward a target duration, and after each unit retention rests long enough that its units
/// take at most `share` of the writer's time. Removing a million step rows at full speed took the
/// engine down to 4 % of its throughput (`retention-bench`); paced, a pass takes longer and the
/// engine keeps most of its throughput.
public struct RetentionPacing: Sendable, Equatable {
    public private(set) var batch: Int
    public let maximum: Int
    /// Batches never shrink below this: each commit has a fixed cost (its fsync), so a tiny batch
    /// takes nearly as long as a small one and removes almost nothing.
    public let minimum: Int
    /// What one unit should take: well under the engine's own commit budget.
    public let targetMicroseconds: Int64
    /// The most of the writer's time retention takes (0 < share ≤ 1).
    public let share: Double

    public init(maximum: Int, minimum: Int = 1, first: Int = 8, targetMicroseconds: Int64 = 10_000, share: Double = 0.25) {
        self.maximum = max(1, maximum)
        self.minimum = min(max(1, minimum), self.maximum)
        batch = min(max(self.minimum, first), self.maximum)
        self.targetMicroseconds = targetMicroseconds
        self.share = min(1, max(0.01, share))
    }

    /// Records how long a unit of `batch` took (from submit to done, so time waiting behind
    /// the engine's units counts too); returns how long to rest before the next one.
    public mutating func rest(afterUnitOf microseconds: Int64) -> Int64 {
        if microseconds > 2 * targetMicroseconds {
            batch = max(minimum, batch / 2)
        } else if microseconds < targetMicroseconds / 2 {
            batch = min(maximum, batch * 2)
        }
        return Int64(Double(microseconds) * (1 / share - 1))
    }
}
