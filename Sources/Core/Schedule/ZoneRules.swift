import Foundation

/// Wall times in an IANA time zone, and the instants they fall on. Only offsets are read from
/// the zone (Foundation's tz database); the arithmetic is here, so that what happens at a DST
/// change is agentd's documented rule, not a calendar library's default:
///
/// - a wall time that does not exist (the clocks jump over it) falls on the first instant after
///   the gap, the instant of the jump (02:30 on a spring-forward night in Berlin → 03:00 CEST);
/// - a wall time that occurs twice (the clocks go back) falls on its first occurrence, or on both
///   with `DSTPolicy.both`.
public struct ZoneRules: Sendable {
    public let zone: TimeZone

    public init(_ zone: TimeZone) { self.zone = zone }

    /// The zone named `identifier` (`Europe/Berlin`, `UTC`), or nil when the tz database has none.
    public init?(identifier: String) {
        guard identifier.utf8.count <= 64, let zone = TimeZone(identifier: identifier) else { return nil }
        self.zone = zone
    }

    /// The zone's offset from UTC at `utcSeconds`, in seconds.
    public func offset(at utcSeconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds))))
    }

    /// The wall time at an instant.
    public func wallTime(at utcSeconds: Int64) -> WallTime {
        WallTime(localSeconds: utcSeconds + offset(at: utcSeconds))
    }

    /// An instant as this zone shows it, with its offset: `2026-12-07T06:00:00+01:00`.
    public func localRFC3339(at instant: Instant) -> String {
        let ms = instant.millisecondsSinceEpoch
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let offset = offset(at: seconds)
        let wall = WallTime(localSeconds: seconds + offset)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return String(wall.description.map { $0 == " " ? "T" : $0 }) + "\(sign)\(pad(minutes / 60)):\(pad(minutes % 60))"
    }

    /// The instants (UTC seconds) at which `wall` is shown, earliest first: one normally, two in
    /// the hour the clocks go back, and for a wall time the clocks jump over, the instant of the
    /// jump (the first valid instant after the gap).
    public func instants(of wall: WallTime) -> [Int64] {
        let local = wall.localSeconds
        // Offsets are within -12h…+14h: the instants with this wall time lie in that window.
        let candidates = Set([offset(at: local - 14 * 3600), offset(at: local), offset(at: local + 12 * 3600)])
        let valid = candidates.map { local - $0 }.filter { offset(at: $0) == local - $0 }
        if !valid.isEmpty { return Set(valid).sorted() }
        // A gap: the offset grows from `before` to `after` at some instant T in
        // (local - after, local - before]; every wall time in the gap falls on T.
        let before = candidates.min()!, after = candidates.max()!
        var low = local - after, high = local - before
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == after { high = middle } else { low = middle }
        }
        return [high]
    }
}

/// What a schedule does with a wall time the clocks show twice.
public enum DSTPolicy: String, CaseIterable, Hashable, Sendable, Codable {
    /// Fire at the first occurrence only (the default).
    case first
    /// Fire at both occurrences.
    case both
}
