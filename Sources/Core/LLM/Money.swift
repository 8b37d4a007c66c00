/// Money is integer micro-dollars everywhere (1 USD = 1,000,000): sums of many small costs
/// stay exact, and a budget compares without rounding surprises.
public enum Money {
    public static let microsPerDollar: Int64 = 1_000_000

    /// Parses a decimal dollar amount ("500", "0.10", "12.345678") exactly, without going
    /// through a floating-point number; nil for anything else, negatives and more than six
    /// decimals (a millionth of a dollar is the unit).
    public static func parseDollars(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.utf8.count <= 12, whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber),
              let dollars = Int64(whole) else { return nil }
        var micros: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.utf8.count <= 6, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber),
                  let digits = Int64(fraction) else { return nil }
            var scale: Int64 = 1
            for _ in fraction.utf8.count..<6 { scale *= 10 }
            micros = digits * scale
        }
        return dollars * microsPerDollar + micros
    }

    /// `12.345678`, with trailing zeros of the fraction dropped but at least two decimals
    /// (`0.10`, `500.00`).
    public static func format(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let whole = magnitude / UInt64(microsPerDollar)
        var fraction = String(magnitude % UInt64(microsPerDollar))
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(whole).\(fraction)"
    }
}
