/// One token of an expression, with the offset (in Unicode scalars) where it starts.
struct TemplateToken: Sendable {
    enum Kind: Equatable, Sendable {
        /// A name: a root, a field after `.`, a function, or one of the words
        /// `true false null and or not` (the parser tells them apart by position).
        case identifier(String)
        case integer(Int)
        case number(Double)
        case string(String)
        case dot, comma, leftParen, rightParen, leftBracket, rightBracket
        case plus, minus, star, slash, percent
        case bang, andAnd, orOr
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        /// `}}`: ends an interpolation.
        case close
        /// The end of a bare expression.
        case end
    }

    let kind: Kind
    let offset: Int

    init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .identifier(let name): "'\(name)'"
        case .integer(let value): "'\(value)'"
        case .number(let value): "'\(value)'"
        case .string: "a string"
        case .dot: "'.'"
        case .comma: "','"
        case .leftParen: "'('"
        case .rightParen: "')'"
        case .leftBracket: "'['"
        case .rightBracket: "']'"
        case .plus: "'+'"
        case .minus: "'-'"
        case .star: "'*'"
        case .slash: "'/'"
        case .percent: "'%'"
        case .bang: "'!'"
        case .andAnd: "'&&'"
        case .orOr: "'||'"
        case .equal: "'=='"
        case .notEqual: "'!='"
        case .less: "'<'"
        case .lessEqual: "'<='"
        case .greater: "'>'"
        case .greaterEqual: "'>='"
        case .close: "'}}'"
        case .end: "the end of the expression"
        }
    }
}
