/// Why a `regex_match` pattern was refused, and where in the pattern (0-based, in Unicode scalars).
struct RegexSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    let message: String
    let position: Int

    init(_ message: String, at position: Int) {
        self.message = message
        self.position = position
    }

    var description: String { "\(message) (at pattern position \(position + 1))" }
}
