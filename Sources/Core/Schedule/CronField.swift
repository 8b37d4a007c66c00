/// One field of a cron expression: the values it matches, as a bit mask.
public struct CronField: Hashable, Sendable {
    /// Which field, with its range.
    public enum Kind: String, Hashable, Sendable {
        case second = "seconds", minute = "minute", hour = "hour", dayOfMonth = "day-of-month", month = "month", dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .second, .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }
    }

    let mask: UInt64
    /// `*` or `?` (alone, or with a step over the whole range: `*/5` is not a wildcard).
    let isWildcard: Bool

    func contains(_ value: Int) -> Bool { value >= 0 && value < 64 && mask & (1 << UInt64(value)) != 0 }

    /// The smallest value in the field greater than `value`.
    func next(after value: Int) -> Int? {
        guard value < 63 else { return nil }
        let above = mask & ~((UInt64(1) << UInt64(value + 1)) - 1)
        return above == 0 ? nil : above.trailingZeroBitCount
    }

    /// Parses `*`, `?`, `n`, `a-b`, `*/s`, `a-b/s`, `a/s` and comma lists of them. `names`
    /// (upper-case) stand for `firstName`, `firstName + 1`, …
    static func parse(_ text: String, _ kind: Kind, names: [String] = [], firstName: Int = 0) throws(CronError) -> CronField {
        let range = kind.range
        if text == "*" || text == "?" { return CronField(mask: Self.bits(range, step: 1), isWildcard: true) }
        var mask: UInt64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw CronError(field: kind, "\(text): an empty item in the list") }
            var body = Substring(part)
            var step = 1
            if let slash = part.firstIndex(of: "/") {
                body = part[..<slash]
                guard let value = Int(part[part.index(after: slash)...]), value >= 1, value <= range.upperBound else {
                    throw CronError(field: kind, "\(part): the step after / is a number from 1 to \(range.upperBound)")
                }
                step = value
            }
            let lower: Int
            var upper: Int
            if body == "*" || body == "?" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = body.firstIndex(of: "-") {
                lower = try value(body[..<dash], kind, names, firstName, part)
                upper = try value(body[body.index(after: dash)...], kind, names, firstName, part)
                guard lower <= upper else { throw CronError(field: kind, "\(part): the range runs backwards (\(lower) > \(upper))") }
            } else {
                lower = try value(body, kind, names, firstName, part)
                // `a/s` runs from a to the end of the range.
                upper = part.contains("/") ? range.upperBound : lower
            }
            if kind == .dayOfWeek, upper == 7, lower < 7, part.contains("/") { upper = 6 }
            mask |= Self.bits(lower...upper, step: step)
        }
        return CronField(mask: mask, isWildcard: false)
    }

    private static func value(_ text: Substring, _ kind: Kind, _ names: [String], _ firstName: Int, _ part: Substring) throws(CronError) -> Int {
        if let index = names.firstIndex(of: text.uppercased()) { return firstName + index }
        guard let number = Int(text), kind.range.contains(number) else {
            let named = names.isEmpty ? "" : " or \(names.first!)-\(names.last!)"
            throw CronError(field: kind, "\(part): \(text.isEmpty ? "a missing value" : String(text)) is not in \(kind.range.lowerBound)-\(kind.range.upperBound)\(named)")
        }
        return number
    }

    private static func bits(_ range: ClosedRange<Int>, step: Int) -> UInt64 {
        var mask: UInt64 = 0
        for value in stride(from: range.lowerBound, through: range.upperBound, by: step) { mask |= 1 << UInt64(value) }
        return mask
    }
}

/// A wall-clock time with no zone: what a cron expression matches.
public struct WallTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// The wall time `seconds` after 1970-01-01T00:00:00 (that is, a UTC instant plus an offset).
    public init(localSeconds seconds: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = CivilDate.from(daysSinceEpoch: days)
        self.init(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    /// Seconds since 1970-01-01T00:00:00 of this wall time, read as if it were UTC.
    public var localSeconds: Int64 {
        CivilDate.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.localSeconds < rhs.localSeconds }

    /// `2026-03-29 02:30:00`.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(value).count)) + String(value) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
    }

    /// 0 = Sunday.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        // 1970-01-01 was a Thursday (4).
        return Int(((days % 7) + 7 + 4) % 7)
    }

    func startOfNextDay() -> WallTime { WallTime(localSeconds: (localSeconds / 86_400 + 1) * 86_400) }
    func startOfNextHour() -> WallTime { WallTime(localSeconds: (localSeconds / 3600 + 1) * 3600) }
    func startOfNextMinute() -> WallTime { WallTime(localSeconds: (localSeconds / 60 + 1) * 60) }
}
