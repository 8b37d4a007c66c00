/// A point in time as UTC milliseconds since the Unix epoch: how agentd stores every time.
///
/// Core never reads the clock; callers pass `Instant`s in (the daemon reads its clock once per
/// request or job and hands the value down).
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public func adding(milliseconds: Int64) -> Instant {
        Instant(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    /// RFC 3339 in UTC with millisecond precision, e.g. `2025-03-01T10:07:00.000Z`.
    public var rfc3339: String {
        let millis = millisecondsSinceEpoch
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let milliPart = Int(millis - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = CivilDate.from(daysSinceEpoch: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(milliPart, 3))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC only); nil for anything else.
    public init?(rfc3339 text: String) {
        let chars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count else { return nil }
            var value = 0
            for index in range {
                let c = chars[index]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard chars.count >= 20, chars[4] == 45, chars[7] == 45, chars[10] == 84 || chars[10] == 116,
              chars[13] == 58, chars[16] == 58, chars.last == 90 || chars.last == 122,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        var millis = 0
        if chars.count > 20 {
            guard chars[19] == 46, chars.count >= 22 else { return nil }
            // At most nanoseconds (9 digits); only the first three count. Longer fractions are
            // refused rather than accumulated (20 digits would overflow Int and trap).
            let digits = chars.count - 21
            guard digits <= 9, number(20..<(20 + digits)) != nil, let leading = number(20..<(20 + min(digits, 3))) else { return nil }
            var scaled = leading
            if digits < 3 { for _ in digits..<3 { scaled *= 10 } }
            millis = scaled
        } else if chars.count != 20 {
            return nil
        }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(millisecondsSinceEpoch: seconds * 1000 + Int64(millis))
    }

    public var description: String { rfc3339 }

    /// Midnight UTC on the first day of this instant's month: where monthly quotas start.
    public var startOfMonth: Instant {
        let (year, month, _) = CivilDate.from(daysSinceEpoch: daysSinceEpoch)
        return Instant(daysSinceEpoch: CivilDate.daysSinceEpoch(year: year, month: month, day: 1))
    }

    /// Whole UTC days since 1970-01-01, rounded down (so an instant before the epoch falls on
    /// the day it is in, not the next one).
    public var daysSinceEpoch: Int64 {
        let millis = millisecondsSinceEpoch
        return millis >= 0 ? millis / Milliseconds.day : (millis - (Milliseconds.day - 1)) / Milliseconds.day
    }

    /// Midnight UTC of the day this instant is in.
    public var startOfDay: Instant { Instant(daysSinceEpoch: daysSinceEpoch) }

    /// Midnight UTC, `days` days after 1970-01-01.
    public init(daysSinceEpoch days: Int64) {
        self.init(millisecondsSinceEpoch: days * Milliseconds.day)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil algorithms).
enum CivilDate {
    static func from(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
