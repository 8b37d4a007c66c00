/// Why a template could not be parsed or evaluated, and where.
///
/// `offset` counts Unicode scalars from the start of the template text (for a bare
/// `TemplateExpression`, from the start of the expression); `line` and `column` are 1-based and
/// computed from it, a new line starting after each `\n`. `description` reads
/// `1:14: unknown function 'lenght' — did you mean 'length'?`.
///
/// Match on `kind`, never on `message`: the message is for people and may be reworded.
public struct TemplateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The family of a failure: stable, for code and tests.
    public enum Kind: String, Hashable, Sendable {
        /// The text is not a well-formed template or expression.
        case syntax
        /// A call names a function the language does not have.
        case unknownFunction
        /// A function is called with too few or too many arguments.
        case wrongArity
        /// A path starts with a name the context does not provide.
        case unknownName
        /// An operator or function got a value of a type it does not take.
        case typeMismatch
        /// Integer overflow, a number out of range, or division by zero.
        case arithmetic
        /// A `regex_match` pattern is not valid in the bounded regex dialect.
        case invalidRegex
        /// `format_date` got something that is not a time it understands.
        case invalidDate
        /// A size, depth, node, step or length limit was exceeded (see `TemplateLimits`).
        case limitExceeded
        /// `secret()` was evaluated without a resolver, or the resolver failed.
        case secretUnavailable
    }

    public let kind: Kind
    public let message: String
    public let offset: Int
    public let line: Int
    public let column: Int

    public init(kind: Kind, message: String, offset: Int, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column): \(message)" }
}

extension TemplateError {
    /// An error at `offset` in text already split into scalars (the parser's view).
    init(_ kind: Kind, _ message: String, at offset: Int, in scalars: [Unicode.Scalar]) {
        let position = TemplateError.lineAndColumn(of: offset, in: scalars)
        self.init(kind: kind, message: message, offset: offset, line: position.line, column: position.column)
    }

    /// An error at `offset` in `text` (the evaluator's view: it computes the position only
    /// when something fails).
    init(_ kind: Kind, _ message: String, at offset: Int, in text: String) {
        let position = TemplateError.lineAndColumn(of: offset, in: text.unicodeScalars)
        self.init(kind: kind, message: message, offset: offset, line: position.line, column: position.column)
    }

    static func lineAndColumn(of offset: Int, in scalars: some Sequence<Unicode.Scalar>) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var index = 0
        for scalar in scalars {
            if index >= offset { break }
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
        return (line, column)
    }
}
