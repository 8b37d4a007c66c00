/// A `Duration` (what a `Clock` measures: elapsed time, intervals) as the numbers agentd logs,
/// stores and exports. Each rounds toward zero, like integer division; they trap only for
/// durations beyond ±292 years (±106 days for `inNanoseconds`), which no measured time reaches.
///
/// ```swift
/// let elapsed = ContinuousClock.now - start
/// logger.info("done", metadata: ["duration_ms": "\(elapsed.inMilliseconds)"])
/// ```
extension Duration {
    /// Whole milliseconds.
    public var inMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// Whole microseconds.
    public var inMicroseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }

    /// Whole nanoseconds.
    public var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// Seconds with their fraction (to the nanosecond or so: a `Double`'s precision).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
