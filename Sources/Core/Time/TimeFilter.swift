/// Reads the times people type in filters: an RFC 3339 UTC time (`2026-01-01T00:00:00Z`), a
/// date (`2026-01-01`, midnight UTC), or a duration back from now (`30m`, `1h`, `7d`).
public enum TimeFilter {
    public static func instant(_ text: String, now: Instant) -> Instant? {
        if let instant = Instant(rfc3339: text) { return instant }
        if text.count == 10, let instant = Instant(rfc3339: text + "T00:00:00Z") { return instant }
        return milliseconds(text).map { now.adding(milliseconds: -$0) }
    }

    /// A duration typed as a number and a unit: `90s`, `30m`, `12h`, `90d`; nil otherwise.
    public static func milliseconds(_ text: String) -> Int64? {
        guard let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 else { return nil }
        let millis: Int64
        switch unit {
        case "s": millis = Milliseconds.second
        case "m": millis = Milliseconds.minute
        case "h": millis = Milliseconds.hour
        case "d": millis = Milliseconds.day
        default: return nil
        }
        let (product, overflow) = amount.multipliedReportingOverflow(by: millis)
        guard !overflow else { return nil }
        return product
    }

    /// The inverse of `milliseconds`: the largest whole unit (`72h`, `7d`, `90s`; `1500ms` when
    /// no unit divides it).
    public static func text(milliseconds: Int64) -> String {
        for (unit, size) in [("d", Milliseconds.day), ("h", Milliseconds.hour), ("m", Milliseconds.minute), ("s", Milliseconds.second)]
        where milliseconds != 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}
