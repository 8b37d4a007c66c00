/// The factors between agentd's unit of time and the units people count in. Every stored time
/// and duration is in milliseconds (`Instant`, `*_ms` fields), so these are the only constants a
/// conversion needs: `7 * Milliseconds.day`, never `7 * 86_400_000`.
public enum Milliseconds {
    public static let second: Int64 = 1000
    public static let minute: Int64 = 60 * second
    public static let hour: Int64 = 60 * minute
    /// A UTC day: agentd's days have no leap seconds and no time zones.
    public static let day: Int64 = 24 * hour
}

extension Milliseconds {
    /// A duration as `TimeFilter.milliseconds` reads it back, in the largest unit it is a whole
    /// number of (`6h`, `90m`, `1500ms` when not whole seconds).
    public static func text(_ milliseconds: Int64) -> String {
        for (unit, size) in [("d", day), ("h", hour), ("m", minute), ("s", second)] where milliseconds != 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return milliseconds == 0 ? "0s" : "\(milliseconds)ms"
    }
}
