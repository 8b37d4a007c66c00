/// Nearest-rank percentiles of a sample (the smallest value at or above `p` of the sorted values).
public enum Percentile {
    /// `p` from 0 to 1; nil for an empty sample.
    public static func of(_ values: [Int64], _ p: Double) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
