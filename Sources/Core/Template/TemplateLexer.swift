/// Splits the inside of one `{{ … }}`, or a bare expression, into tokens.
///
/// - Names are ASCII: a letter or `_`, then letters, digits and `_`. A key with other
///   characters is read with brackets: `input["ticket-id"]`.
/// - Numbers: `42`, `1.5`, `2e3`. A number with a fraction or an exponent is a `number`,
///   otherwise an `integer`; an integer beyond `Int.max` is an error.
/// - Strings take single or double quotes. Escapes: `\n \t \r \\ \' \" \/` and `\u00e9` (four
///   hex digits). Any other backslash is kept as written, so a regex pattern such as
///   `'^\d+\.\d+$'` needs no doubling.
/// - In a template, `}}` outside a string ends the interpolation.
struct TemplateLexer {
    private let scalars: [Unicode.Scalar]
    private var position: Int
    private var tokens: [TemplateToken] = []

    private init(scalars: [Unicode.Scalar], position: Int) {
        self.scalars = scalars
        self.position = position
    }

    /// Tokens from `start` up to and including the `}}` that closes the interpolation opened at
    /// `openedAt`, and the offset just after that `}}`. With `openedAt` nil (a bare expression)
    /// the tokens run to the end of the text and finish with `.end`.
    static func tokenize(_ scalars: [Unicode.Scalar], from start: Int,
                         openedAt: Int?) throws(TemplateError) -> (tokens: [TemplateToken], end: Int) {
        var lexer = TemplateLexer(scalars: scalars, position: start)
        return try lexer.run(openedAt: openedAt)
    }

    private mutating func run(openedAt: Int?) throws(TemplateError) -> (tokens: [TemplateToken], end: Int) {
        let count = scalars.count
        skipSpace()
        while position < count {
            let start = position
            let scalar = scalars[position]
            if scalar == "}" {
                guard position + 1 < count, scalars[position + 1] == "}" else {
                    throw failure("unexpected '}'", at: start)
                }
                position += 2
                tokens.append(TemplateToken(.close, at: start))
                if openedAt != nil { return (tokens, position) }
            } else if scalar == "'" || scalar == "\"" {
                try lexString(quote: scalar)
            } else if Self.isDigit(scalar) {
                try lexNumber()
            } else if Self.isIdentifierStart(scalar) {
                lexIdentifier()
            } else {
                try lexOperator(scalar)
            }
            skipSpace()
        }
        if let openedAt {
            throw failure("'{{' is not closed; end the expression with '}}'", at: openedAt)
        }
        tokens.append(TemplateToken(.end, at: count))
        return (tokens, count)
    }

    private mutating func skipSpace() {
        while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
    }

    private mutating func lexOperator(_ scalar: Unicode.Scalar) throws(TemplateError) {
        let start = position
        let next: Unicode.Scalar? = position + 1 < scalars.count ? scalars[position + 1] : nil
        let kind: TemplateToken.Kind
        var width = 1
        switch scalar {
        case ".": kind = .dot
        case ",": kind = .comma
        case "(": kind = .leftParen
        case ")": kind = .rightParen
        case "[": kind = .leftBracket
        case "]": kind = .rightBracket
        case "+": kind = .plus
        case "-": kind = .minus
        case "*": kind = .star
        case "/": kind = .slash
        case "%": kind = .percent
        case "!":
            if next == "=" {
                kind = .notEqual
                width = 2
            } else {
                kind = .bang
            }
        case "=":
            guard next == "=" else { throw failure("use '==' to compare; '=' alone is not an operator", at: start) }
            kind = .equal
            width = 2
        case "<":
            if next == "=" {
                kind = .lessEqual
                width = 2
            } else {
                kind = .less
            }
        case ">":
            if next == "=" {
                kind = .greaterEqual
                width = 2
            } else {
                kind = .greater
            }
        case "&":
            guard next == "&" else { throw failure("use '&&' (or 'and'); '&' alone is not an operator", at: start) }
            kind = .andAnd
            width = 2
        case "|":
            guard next == "|" else { throw failure("use '||' (or 'or'); '|' alone is not an operator", at: start) }
            kind = .orOr
            width = 2
        default:
            throw failure("unexpected character \(Self.describe(scalar))", at: start)
        }
        tokens.append(TemplateToken(kind, at: start))
        position += width
    }

    private mutating func lexString(quote: Unicode.Scalar) throws(TemplateError) {
        let start = position
        let count = scalars.count
        var value = ""
        var index = position + 1
        while index < count {
            let scalar = scalars[index]
            if scalar == quote {
                tokens.append(TemplateToken(.string(value), at: start))
                position = index + 1
                return
            }
            guard scalar == "\\", index + 1 < count else {
                value.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            let escaped = scalars[index + 1]
            switch escaped {
            case "n":
                value.unicodeScalars.append("\n")
                index += 2
            case "t":
                value.unicodeScalars.append("\t")
                index += 2
            case "r":
                value.unicodeScalars.append("\r")
                index += 2
            case "\\", "'", "\"", "/":
                value.unicodeScalars.append(escaped)
                index += 2
            case "u":
                guard let decoded = hexScalar(at: index + 2) else {
                    throw failure("'\\u' needs four hex digits that name a Unicode scalar, like \\u00e9", at: index)
                }
                value.unicodeScalars.append(decoded)
                index += 6
            default:
                // Not an escape: keep the backslash; the next scalar is read on its own.
                value.unicodeScalars.append(scalar)
                index += 1
            }
        }
        throw failure("this string is not closed; end it with \(Character(quote))", at: start)
    }

    private func hexScalar(at index: Int) -> Unicode.Scalar? {
        guard index + 4 <= scalars.count else { return nil }
        var value: UInt32 = 0
        for scalar in scalars[index..<(index + 4)] {
            guard let digit = Self.hexValue(scalar) else { return nil }
            value = value * 16 + digit
        }
        return Unicode.Scalar(value)
    }

    private mutating func lexNumber() throws(TemplateError) {
        let start = position
        let count = scalars.count
        var index = position
        var integer = 0
        var overflow = false
        while index < count, let digit = Self.digitValue(scalars[index]) {
            let (times, timesOverflow) = integer.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = times.addingReportingOverflow(digit)
            overflow = overflow || timesOverflow || sumOverflow
            integer = sum
            index += 1
        }
        var isDecimal = false
        if index + 1 < count, scalars[index] == ".", Self.isDigit(scalars[index + 1]) {
            isDecimal = true
            index += 1
            while index < count, Self.isDigit(scalars[index]) { index += 1 }
        }
        if index < count, scalars[index] == "e" || scalars[index] == "E" {
            var exponent = index + 1
            if exponent < count, scalars[exponent] == "+" || scalars[exponent] == "-" { exponent += 1 }
            if exponent < count, Self.isDigit(scalars[exponent]) {
                isDecimal = true
                index = exponent
                while index < count, Self.isDigit(scalars[index]) { index += 1 }
            }
        }
        if index < count, Self.isIdentifierContinue(scalars[index]) {
            throw failure("a number cannot run into a name; put a space or an operator between them", at: index)
        }
        position = index
        if isDecimal {
            let text = Self.string(scalars[start..<index])
            guard let value = Double(text), value.isFinite else {
                throw failure("this number is out of range", at: start)
            }
            tokens.append(TemplateToken(.number(value), at: start))
        } else {
            guard !overflow else { throw failure("this integer is too large (the largest is \(Int.max))", at: start) }
            tokens.append(TemplateToken(.integer(integer), at: start))
        }
    }

    private mutating func lexIdentifier() {
        let start = position
        var index = position + 1
        while index < scalars.count, Self.isIdentifierContinue(scalars[index]) { index += 1 }
        tokens.append(TemplateToken(.identifier(Self.string(scalars[start..<index])), at: start))
        position = index
    }

    private func failure(_ message: String, at offset: Int) -> TemplateError {
        TemplateError(.syntax, message, at: offset, in: scalars)
    }

    // MARK: Character classes

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x30 && scalar.value <= 0x39
    }

    static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        isDigit(scalar) ? Int(scalar.value - 0x30) : nil
    }

    static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        let value = scalar.value
        if value >= 0x30 && value <= 0x39 { return value - 0x30 }
        if value >= 0x41 && value <= 0x46 { return value - 0x41 + 10 }
        if value >= 0x61 && value <= 0x66 { return value - 0x61 + 10 }
        return nil
    }

    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) || value == 0x5F
    }

    static func isIdentifierContinue(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || isDigit(scalar)
    }

    /// A scalar as an error message shows it: quoted, or as `U+000A` when it does not print.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        guard scalar.value >= 0x20, scalar.value != 0x7F else {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return "'\(Character(scalar))'"
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }
}
