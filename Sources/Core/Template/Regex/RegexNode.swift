/// A parsed regex pattern, before it is compiled to a program.
indirect enum RegexNode: Sendable {
    /// Matches the empty string (an empty pattern, group or alternative).
    case empty
    case scalar(Unicode.Scalar)
    /// `.`: any scalar but a line feed.
    case any
    case set(RegexCharacterSet)
    /// `^`: the start of the input.
    case start
    /// `$`: the end of the input.
    case end
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `x*` is `(0, nil)`, `x+` is `(1, nil)`, `x?` is `(0, 1)`, `x{m,n}` is `(m, n)`.
    case repetition(RegexNode, minimum: Int, maximum: Int?)
}
