/// `format_date`'s patterns, always in UTC: `yyyy` year, `MM` month, `dd` day, `HH` hour (00–23),
/// `mm` minute, `ss` second, `SSS` millisecond. Everything else is copied as written, so
/// `'yyyy-MM-ddTHH:mm:ss.SSSZ'` gives `2025-03-01T10:07:00.000Z`.
enum TemplateDateFormat {
    /// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years four digits can show.
    static let earliestMilliseconds: Int64 = -62_167_219_200_000
    static let latestMilliseconds: Int64 = 253_402_300_799_999

    /// `millisecondsSinceEpoch` must lie between `earliestMilliseconds` and `latestMilliseconds`.
    static func format(millisecondsSinceEpoch millis: Int64, pattern: String) -> String {
        let seconds = floorDivide(millis, 1000)
        let millisecond = Int(millis - seconds * 1000)
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let date = CivilDate.from(daysSinceEpoch: days)

        let letters = Array(pattern.unicodeScalars)
        var out = ""
        var index = 0
        while index < letters.count {
            if run(of: "y", length: 4, at: index, in: letters) {
                out += padded(date.year, 4)
                index += 4
            } else if run(of: "S", length: 3, at: index, in: letters) {
                out += padded(millisecond, 3)
                index += 3
            } else if run(of: "M", length: 2, at: index, in: letters) {
                out += padded(date.month, 2)
                index += 2
            } else if run(of: "d", length: 2, at: index, in: letters) {
                out += padded(date.day, 2)
                index += 2
            } else if run(of: "H", length: 2, at: index, in: letters) {
                out += padded(secondOfDay / 3600, 2)
                index += 2
            } else if run(of: "m", length: 2, at: index, in: letters) {
                out += padded(secondOfDay / 60 % 60, 2)
                index += 2
            } else if run(of: "s", length: 2, at: index, in: letters) {
                out += padded(secondOfDay % 60, 2)
                index += 2
            } else {
                out.unicodeScalars.append(letters[index])
                index += 1
            }
        }
        return out
    }

    private static func run(of letter: Unicode.Scalar, length: Int, at index: Int, in letters: [Unicode.Scalar]) -> Bool {
        guard index + length <= letters.count else { return false }
        for offset in 0..<length where letters[index + offset] != letter {
            return false
        }
        return true
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
