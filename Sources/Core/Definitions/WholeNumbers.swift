/// The one way agentd turns a JSON number into an integer.
///
/// `Int(someDouble)` traps when the double is NaN, infinite or beyond `Int`'s range, and a trap
/// in a worker kills the process (and, the job still open, again at every start). JSON numbers
/// come from people and programs (definitions, inputs, model servers, stored rows of older
/// versions), so every conversion of one goes through here and gets nil, never a trap.
extension JSONValue {
    /// The value as an Int when it is a whole number within `range` (`3`, `3.0`, `-0`); nil for
    /// a fraction, a number too large for `Int`, one outside `range`, or anything not a number.
    public func int(in range: ClosedRange<Int>) -> Int? {
        switch self {
        case .integer(let number): range.contains(number) ? number : nil
        case .number(let number): WholeNumber.int(number, in: range)
        default: nil
        }
    }
}

public enum WholeNumber {
    /// `number` as an Int when it is whole and within `range`; nil otherwise (NaN, ±infinity,
    /// fractions and anything beyond `Int` included).
    public static func int(_ number: Double, in range: ClosedRange<Int>) -> Int? {
        guard let whole = Int(exactly: number), range.contains(whole) else { return nil }
        return whole
    }

    /// `number` rounded toward zero and clamped into `range`: for counts that are only ever
    /// capped (tokens a server reports), where a wild value is a server's bug, not a reason to fail.
    public static func clamped(_ number: Double, to range: ClosedRange<Int>) -> Int {
        guard !number.isNaN else { return range.lowerBound }
        if number <= Double(range.lowerBound) { return range.lowerBound }
        if number >= Double(range.upperBound) { return range.upperBound }
        return Int(exactly: number.rounded(.towardZero)) ?? range.lowerBound
    }
}
