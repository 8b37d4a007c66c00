/// Execution durations counted in fixed buckets, so that percentiles over any number of
/// executions are read from a few counters (the console's dashboard, `execution_hour`) instead
/// of from the executions. Bucket `i` holds durations up to `bounds[i]` ms (and above the one
/// before); the last one holds everything longer. The bounds step by about 1.4× (1, 1.5, 2,
/// 3, 5, 7 per decade), so a percentile is known within that factor.
///
/// The bounds must never change: migration 50 counted the executions that had already ended
/// into these buckets, and the rows keep their bucket numbers.
public enum DurationBuckets {
    public static let bounds: [Int64] = {
        var bounds: [Int64] = []
        var decade: Int64 = 1
        for _ in 0..<9 {
            // (1.5 ms would be 1 in whole milliseconds: the first decade starts at 2.)
            for step in [10, 15, 20, 30, 50, 70] as [Int64] where bounds.last != decade * step / 10 { bounds.append(decade * step / 10) }
            decade *= 10
        }
        return bounds
    }()

    /// The bucket of a duration (negative ones count as 0).
    public static func bucket(milliseconds: Int64) -> Int {
        var low = 0, high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] < milliseconds { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The upper bound of the bucket that holds the `fraction` quantile (0.5 for the median)
    /// of the counted durations; nil when nothing was counted. For the last bucket, which has
    /// no bound, the bound below it.
    public static func quantile(_ fraction: Double, of counts: [Int: Int]) -> Int64? {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = max(1, Int((Double(total) * fraction).rounded(.up)))
        var seen = 0
        for bucket in counts.keys.sorted() {
            seen += counts[bucket] ?? 0
            if seen >= rank { return bounds[min(bucket, bounds.count - 1)] }
        }
        return bounds[bounds.count - 1]
    }

    /// The same bucketing as SQL over an expression in milliseconds, for the migration that
    /// counts the executions already ended: `CASE WHEN x <= 1 THEN 0 WHEN … ELSE 54 END`.
    public static func sql(_ expression: String) -> String {
        "CASE " + bounds.enumerated().map { "WHEN \(expression) <= \($1) THEN \($0)" }.joined(separator: " ") + " ELSE \(bounds.count) END"
    }
}
