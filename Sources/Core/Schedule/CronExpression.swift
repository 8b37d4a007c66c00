/// A cron expression: which wall-clock times match, with no time zone (`Recurrence` places
/// them in one). Five fields (`minute hour day-of-month month day-of-week`) or six with seconds
/// first. Each field takes `*`, a value, `a-b`, `*/n`, `a-b/n`, `a/n` and comma lists; months and
/// weekdays also take names (`JAN`, `MON`); day-of-week 0 and 7 are Sunday. Day-of-month takes `L`
/// (the month's last day) and `L-n`; day-of-week takes `5L` (the month's last Friday) and `5#3`
/// (its third Friday); `?` is `*`. Shortcuts: `@yearly` (`@annually`), `@monthly`, `@weekly`,
/// `@daily` (`@midnight`), `@hourly`.
///
/// As in Vixie cron, when both day fields are restricted a day matches if either does
/// (`0 9 1 * MON`: the 1st and every Monday); when one is `*`, only the other counts.
///
///     let cron = try CronExpression("0 6 * * 1-5")
///     cron.nextWall(atOrAfter: WallTime(year: 2026, month: 12, day: 5, hour: 7, minute: 0, second: 0))
///     // 2026-12-07 06:00:00 (Saturday the 5th → Monday the 7th)
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    /// The text as given (trimmed).
    public let text: String
    let seconds: CronField
    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField
    /// `L`, `L-n`: days counted back from the month's end (0 = the last day).
    let lastDayOffsets: Set<Int>
    /// `5L`: the last such weekday of the month.
    let lastWeekdays: Set<Int>
    /// `5#3`: the nth such weekday of the month.
    let nthWeekdays: Set<NthWeekday>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    struct NthWeekday: Hashable, Sendable {
        let weekday: Int
        let nth: Int
    }

    public var description: String { text }

    static let shortcuts: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws(CronError) {
        let trimmed = String(text.trimmingWhitespace)
        self.text = trimmed
        guard trimmed.utf8.count <= 256 else { throw CronError(field: nil, "is longer than 256 characters") }
        var source = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.shortcuts[trimmed.lowercased()] else {
                throw CronError(field: nil, "unknown shortcut \(trimmed); the shortcuts are \(Self.shortcuts.keys.sorted().joined(separator: ", "))")
            }
            source = expanded
        }
        var fields = source.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw CronError(field: nil, "has \(fields.count) fields; cron takes 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)")
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        seconds = try CronField.parse(fields[0], .second)
        minutes = try CronField.parse(fields[1], .minute)
        hours = try CronField.parse(fields[2], .hour)
        months = try CronField.parse(fields[4], .month, names: Self.monthNames, firstName: 1)

        // Day of month: values, or L / L-n.
        var lastOffsets = Set<Int>()
        var plainDays: [String] = []
        for part in fields[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let upper = part.uppercased()
            if upper == "L" {
                lastOffsets.insert(0)
            } else if upper.hasPrefix("L-"), let back = Int(upper.dropFirst(2)), (0...30).contains(back) {
                lastOffsets.insert(back)
            } else {
                plainDays.append(part)
            }
        }
        daysOfMonth = plainDays.isEmpty ? CronField(mask: 0, isWildcard: false)
            : try CronField.parse(plainDays.joined(separator: ","), .dayOfMonth)
        lastDayOffsets = lastOffsets

        // Day of week: values, names, nL, n#k.
        var last = Set<Int>()
        var nth = Set<NthWeekday>()
        var plainWeekdays: [String] = []
        for part in fields[5].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let upper = part.uppercased()
            if upper.hasSuffix("L"), upper.count > 1 {
                last.insert(try Self.weekday(String(upper.dropLast()), in: part))
            } else if let hash = upper.firstIndex(of: "#") {
                let day = try Self.weekday(String(upper[..<hash]), in: part)
                guard let n = Int(upper[upper.index(after: hash)...]), (1...5).contains(n) else {
                    throw CronError(field: .dayOfWeek, "\(part): the number after # is 1 to 5 (the nth such weekday of the month)")
                }
                nth.insert(NthWeekday(weekday: day, nth: n))
            } else {
                plainWeekdays.append(part)
            }
        }
        var weekdays = plainWeekdays.isEmpty ? CronField(mask: 0, isWildcard: false)
            : try CronField.parse(plainWeekdays.joined(separator: ","), .dayOfWeek, names: Self.dayNames, firstName: 0)
        // 7 is Sunday too.
        if weekdays.mask & (1 << 7) != 0 { weekdays = CronField(mask: (weekdays.mask | 1) & ~(1 << 7), isWildcard: weekdays.isWildcard) }
        daysOfWeek = weekdays
        lastWeekdays = last
        nthWeekdays = nth
        dayOfMonthRestricted = !daysOfMonth.isWildcard
        dayOfWeekRestricted = !daysOfWeek.isWildcard
    }

    private static func weekday(_ text: String, in part: String) throws(CronError) -> Int {
        if let index = dayNames.firstIndex(of: text) { return index }
        guard let value = Int(text), (0...7).contains(value) else {
            throw CronError(field: .dayOfWeek, "\(part): \(text) is not a weekday (0-7 or SUN-SAT)")
        }
        return value % 7
    }

    /// Whether the day matches the day fields (see the type's note on restricted fields).
    func matches(year: Int, month: Int, day: Int) -> Bool {
        let length = CivilDate.daysIn(month: month, year: year)
        let weekday = WallTime.weekday(year: year, month: month, day: day)
        let byMonthDay = daysOfMonth.contains(day) || lastDayOffsets.contains(length - day)
        let byWeekday = daysOfWeek.contains(weekday)
            || (lastWeekdays.contains(weekday) && day + 7 > length)
            || nthWeekdays.contains(NthWeekday(weekday: weekday, nth: (day - 1) / 7 + 1))
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return byMonthDay || byWeekday
        case (true, false): return byMonthDay
        case (false, true): return byWeekday
        case (false, false): return true
        }
    }

    /// The first wall time at or after `start` that matches, or nil when none does within
    /// eight years (an expression like `0 0 30 2 *` never matches; 29 February does every four).
    public func nextWall(atOrAfter start: WallTime) -> WallTime? {
        var t = start
        let horizon = start.year + 8
        while t.year <= horizon {
            guard months.contains(t.month) else {
                guard let month = months.next(after: t.month) else { t = WallTime(year: t.year + 1, month: 1, day: 1, hour: 0, minute: 0, second: 0); continue }
                t = WallTime(year: t.year, month: month, day: 1, hour: 0, minute: 0, second: 0)
                continue
            }
            guard matches(year: t.year, month: t.month, day: t.day) else {
                t = t.startOfNextDay()
                continue
            }
            guard hours.contains(t.hour) else {
                guard let hour = hours.next(after: t.hour) else { t = t.startOfNextDay(); continue }
                t = WallTime(year: t.year, month: t.month, day: t.day, hour: hour, minute: 0, second: 0)
                continue
            }
            guard minutes.contains(t.minute) else {
                guard let minute = minutes.next(after: t.minute) else { t = t.startOfNextHour(); continue }
                t = WallTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: minute, second: 0)
                continue
            }
            guard seconds.contains(t.second) else {
                guard let second = seconds.next(after: t.second) else { t = t.startOfNextMinute(); continue }
                t = WallTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: second)
                continue
            }
            return t
        }
        return nil
    }
}

/// What is wrong with a cron expression, and in which field.
public struct CronError: Error, Hashable, Sendable, CustomStringConvertible {
    public let field: CronField.Kind?
    public let message: String

    public init(field: CronField.Kind?, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.map { "\($0.rawValue): \(message)" } ?? message }
}
