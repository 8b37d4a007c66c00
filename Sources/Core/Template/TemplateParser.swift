/// A sub-expression as the parser returns it: the node and the height of its tree.
struct ParsedNode {
    let node: TemplateNode
    let depth: Int
}

/// Recursive-descent parser: template text → interpolations → tokens → `TemplateNode`s.
///
/// Precedence, loosest first:
/// 1. `||` `or`
/// 2. `&&` `and`
/// 3. `!` `not`: a leading `!` covers the comparison after it, so `!a == b` is `!(a == b)`
/// 4. `==` `!=` `<` `<=` `>` `>=`, not chained (`a < b < c` is an error)
/// 5. `+` `-`
/// 6. `*` `/` `%`
/// 7. unary `-`, and `!`/`not` where an operand is expected (`a == !b`)
/// 8. `.field`, `[0]`, `[-1]`, `["key"]` after a path, a call, `( … )` or `[ … ]`
/// 9. literals, paths, calls, `( … )`, array literals
///
/// Recursion is bounded: every `(`, `[`, call and prefix operator counts against
/// `TemplateLimits.maxDepth` before the parser descends, and every node it builds counts against
/// `maxNodes` and `maxDepth`, so the evaluator's recursion is bounded by the same limit.
struct TemplateParser {
    private let scalars: [Unicode.Scalar]
    private let limits: TemplateLimits
    /// Every path from a root, in source order.
    private(set) var references: [TemplateReference] = []
    /// The literal path of every `secret()` call, in source order.
    private(set) var secretPaths: [String] = []
    private var nodeCount = 0
    private var nesting = 0
    private var tokens: [TemplateToken] = []
    private var index = 0

    init(scalars: [Unicode.Scalar], limits: TemplateLimits) {
        self.scalars = scalars
        self.limits = limits
    }

    /// Parses template text: literal parts and `{{ … }}` interpolations.
    mutating func parseTemplate() throws(TemplateError) -> TemplateBody {
        let count = scalars.count
        var parts: [TemplatePart] = []
        var literalStart = 0
        var position = 0
        while position + 1 < count {
            guard scalars[position] == "{", scalars[position + 1] == "{" else {
                position += 1
                continue
            }
            if literalStart < position {
                parts.append(.text(TemplateLexer.string(scalars[literalStart..<position])))
            }
            let lexed = try TemplateLexer.tokenize(scalars, from: position + 2, openedAt: position)
            let node = try parseTokens(lexed.tokens, emptyAt: position)
            parts.append(.expression(node))
            position = lexed.end
            literalStart = position
        }
        if literalStart < count {
            parts.append(.text(TemplateLexer.string(scalars[literalStart..<count])))
        }
        guard let first = parts.first else { return .literal("") }
        if parts.count == 1 {
            switch first {
            case .text(let text): return .literal(text)
            case .expression(let node): return .single(node)
            }
        }
        return .parts(parts)
    }

    /// Parses a bare expression (no braces).
    mutating func parseBareExpression() throws(TemplateError) -> TemplateNode {
        let lexed = try TemplateLexer.tokenize(scalars, from: 0, openedAt: nil)
        return try parseTokens(lexed.tokens, emptyAt: 0)
    }

    private mutating func parseTokens(_ list: [TemplateToken], emptyAt offset: Int) throws(TemplateError) -> TemplateNode {
        tokens = list
        index = 0
        nesting = 0
        if atEnd { throw failure(.syntax, "the expression is empty", at: offset) }
        let parsed = try parseOr()
        guard atEnd else {
            throw failure(.syntax, "unexpected \(peek.display) after the expression", at: peek.offset)
        }
        return parsed.node
    }

    // MARK: Token cursor

    /// The current token. The list always ends with `.close` or `.end`, and `advance` never
    /// moves past that last token.
    private var peek: TemplateToken { tokens[index] }

    private var atEnd: Bool { index >= tokens.count - 1 }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    private func isWord(_ word: String) -> Bool {
        if case .identifier(let name) = peek.kind { return name == word }
        return false
    }

    // MARK: Operators

    private mutating func parseOr() throws(TemplateError) -> ParsedNode {
        var left = try parseAnd()
        while peek.kind == .orOr || isWord("or") {
            let offset = peek.offset
            advance()
            let right = try parseAnd()
            left = try make(.or(left.node, right.node, offset: offset), over: max(left.depth, right.depth), at: offset)
        }
        return left
    }

    private mutating func parseAnd() throws(TemplateError) -> ParsedNode {
        var left = try parseNot()
        while peek.kind == .andAnd || isWord("and") {
            let offset = peek.offset
            advance()
            let right = try parseNot()
            left = try make(.and(left.node, right.node, offset: offset), over: max(left.depth, right.depth), at: offset)
        }
        return left
    }

    private mutating func parseNot() throws(TemplateError) -> ParsedNode {
        guard peek.kind == .bang || isWord("not") else { return try parseComparison() }
        let offset = peek.offset
        advance()
        try enter(at: offset)
        let operand = try parseNot()
        leave()
        return try make(.not(operand.node, offset: offset), over: operand.depth, at: offset)
    }

    private mutating func parseComparison() throws(TemplateError) -> ParsedNode {
        let left = try parseAdditive()
        guard let op = Self.comparisonOperator(peek.kind) else { return left }
        let offset = peek.offset
        advance()
        let right = try parseAdditive()
        if Self.comparisonOperator(peek.kind) != nil {
            throw failure(.syntax, "comparisons cannot be chained; join them with '&&'", at: peek.offset)
        }
        return try make(.binary(op, left.node, right.node, offset: offset), over: max(left.depth, right.depth), at: offset)
    }

    private mutating func parseAdditive() throws(TemplateError) -> ParsedNode {
        var left = try parseMultiplicative()
        while let op = Self.additiveOperator(peek.kind) {
            let offset = peek.offset
            advance()
            let right = try parseMultiplicative()
            left = try make(.binary(op, left.node, right.node, offset: offset), over: max(left.depth, right.depth), at: offset)
        }
        return left
    }

    private mutating func parseMultiplicative() throws(TemplateError) -> ParsedNode {
        var left = try parseUnary()
        while let op = Self.multiplicativeOperator(peek.kind) {
            let offset = peek.offset
            advance()
            let right = try parseUnary()
            left = try make(.binary(op, left.node, right.node, offset: offset), over: max(left.depth, right.depth), at: offset)
        }
        return left
    }

    private mutating func parseUnary() throws(TemplateError) -> ParsedNode {
        let token = peek
        if token.kind == .minus {
            advance()
            try enter(at: token.offset)
            let operand = try parseUnary()
            leave()
            // A negative literal stays a literal: `-3`, `-1.5`.
            if case .literal(let value, _) = operand.node {
                if case .integer(let number) = value, number != Int.min {
                    return ParsedNode(node: .literal(.integer(-number), offset: token.offset), depth: operand.depth)
                }
                if case .number(let number) = value {
                    return ParsedNode(node: .literal(.number(-number), offset: token.offset), depth: operand.depth)
                }
            }
            return try make(.negate(operand.node, offset: token.offset), over: operand.depth, at: token.offset)
        }
        if token.kind == .bang || isWord("not") {
            advance()
            try enter(at: token.offset)
            let operand = try parseUnary()
            leave()
            return try make(.not(operand.node, offset: token.offset), over: operand.depth, at: token.offset)
        }
        return try parsePrimary()
    }

    private static func comparisonOperator(_ kind: TemplateToken.Kind) -> TemplateBinaryOperator? {
        switch kind {
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        default: return nil
        }
    }

    private static func additiveOperator(_ kind: TemplateToken.Kind) -> TemplateBinaryOperator? {
        switch kind {
        case .plus: return .add
        case .minus: return .subtract
        default: return nil
        }
    }

    private static func multiplicativeOperator(_ kind: TemplateToken.Kind) -> TemplateBinaryOperator? {
        switch kind {
        case .star: return .multiply
        case .slash: return .divide
        case .percent: return .remainder
        default: return nil
        }
    }

    // MARK: Operands

    private mutating func parsePrimary() throws(TemplateError) -> ParsedNode {
        let token = peek
        switch token.kind {
        case .integer(let value):
            advance()
            return try make(.literal(.integer(value), offset: token.offset), over: 0, at: token.offset)
        case .number(let value):
            advance()
            return try make(.literal(.number(value), offset: token.offset), over: 0, at: token.offset)
        case .string(let value):
            advance()
            return try make(.literal(.string(value), offset: token.offset), over: 0, at: token.offset)
        case .leftBracket:
            let list = try parseArrayLiteral()
            return try parseAccess(on: list, at: token.offset)
        case .leftParen:
            advance()
            try enter(at: token.offset)
            let inner = try parseOr()
            guard peek.kind == .rightParen else {
                throw failure(.syntax, "expected ')' to close '(', found \(peek.display)", at: peek.offset)
            }
            advance()
            leave()
            return try parseAccess(on: inner, at: token.offset)
        case .identifier(let name):
            return try parseName(name, at: token.offset)
        default:
            throw expectedValue()
        }
    }

    private mutating func parseName(_ name: String, at offset: Int) throws(TemplateError) -> ParsedNode {
        switch name {
        case "true", "false", "null":
            advance()
            let value: JSONValue = name == "null" ? .null : .bool(name == "true")
            return try make(.literal(value, offset: offset), over: 0, at: offset)
        case "and", "or", "not":
            throw expectedValue()
        default:
            break
        }
        advance()
        if peek.kind == .leftParen {
            let call = try parseCall(name, at: offset)
            return try parseAccess(on: call, at: offset)
        }
        let steps = try parseSteps()
        references.append(TemplateReference(root: name, path: steps, offset: offset))
        return try make(.path(root: name, steps: steps, offset: offset), over: 0, at: offset)
    }

    private func expectedValue() -> TemplateError {
        let token = peek
        switch token.kind {
        case .close:
            return failure(.syntax, "expected a value before '}}'", at: token.offset)
        case .end:
            return failure(.syntax, "expected a value at the end of the expression", at: token.offset)
        default:
            return failure(.syntax, "expected a value, found \(token.display)", at: token.offset)
        }
    }

    /// `.field`, `[0]`, `["key"]` steps after a value that is not a root path.
    private mutating func parseAccess(on base: ParsedNode, at offset: Int) throws(TemplateError) -> ParsedNode {
        let steps = try parseSteps()
        if steps.isEmpty { return base }
        return try make(.access(base.node, steps: steps, offset: offset), over: base.depth, at: offset)
    }

    private mutating func parseSteps() throws(TemplateError) -> [TemplatePathStep] {
        var steps: [TemplatePathStep] = []
        while peek.kind == .dot || peek.kind == .leftBracket {
            let isDot = peek.kind == .dot
            advance()
            if isDot {
                guard case .identifier(let field) = peek.kind else {
                    throw failure(.syntax, "expected a field name after '.'", at: peek.offset)
                }
                advance()
                steps.append(.key(field))
            } else {
                let step = try parseIndex()
                steps.append(step)
            }
        }
        return steps
    }

    /// What follows `[`: an integer (negative counts from the end) or a quoted key, then `]`.
    private mutating func parseIndex() throws(TemplateError) -> TemplatePathStep {
        let token = peek
        let step: TemplatePathStep
        switch token.kind {
        case .string(let key):
            advance()
            step = .key(key)
        case .integer(let value):
            advance()
            step = .index(value)
        case .minus:
            advance()
            guard case .integer(let value) = peek.kind else { throw badIndex(at: token.offset) }
            advance()
            step = .index(-value)
        default:
            throw badIndex(at: token.offset)
        }
        guard peek.kind == .rightBracket else {
            throw failure(.syntax, "expected ']' after the index, found \(peek.display)", at: peek.offset)
        }
        advance()
        return step
    }

    private func badIndex(at offset: Int) -> TemplateError {
        failure(.syntax, "an index is an integer or a quoted key, like [0], [-1] or [\"name\"]", at: offset)
    }

    private mutating func parseArrayLiteral() throws(TemplateError) -> ParsedNode {
        let open = peek
        advance()
        try enter(at: open.offset)
        var elements: [TemplateNode] = []
        var depth = 0
        if peek.kind == .rightBracket {
            advance()
        } else {
            var more = true
            while more {
                let element = try parseOr()
                elements.append(element.node)
                depth = max(depth, element.depth)
                if peek.kind == .comma {
                    advance()
                } else if peek.kind == .rightBracket {
                    advance()
                    more = false
                } else {
                    throw failure(.syntax, "expected ',' or ']' in the list, found \(peek.display)", at: peek.offset)
                }
            }
        }
        leave()
        // A list of constants is a constant.
        var constants: [JSONValue] = []
        constants.reserveCapacity(elements.count)
        for element in elements {
            guard case .literal(let value, _) = element else { break }
            constants.append(value)
        }
        if constants.count == elements.count {
            return try make(.literal(.array(constants), offset: open.offset), over: depth, at: open.offset)
        }
        return try make(.array(elements, offset: open.offset), over: depth, at: open.offset)
    }

    private mutating func parseCall(_ name: String, at offset: Int) throws(TemplateError) -> ParsedNode {
        guard let function = TemplateFunction(rawValue: name) else {
            throw failure(.unknownFunction, TemplateFunction.unknownMessage(name), at: offset)
        }
        advance() // the '('
        try enter(at: offset)
        var arguments: [TemplateNode] = []
        var argumentOffsets: [Int] = []
        var depth = 0
        if peek.kind == .rightParen {
            advance()
        } else {
            var more = true
            while more {
                argumentOffsets.append(peek.offset)
                let argument = try parseOr()
                arguments.append(argument.node)
                depth = max(depth, argument.depth)
                if peek.kind == .comma {
                    advance()
                } else if peek.kind == .rightParen {
                    advance()
                    more = false
                } else {
                    throw failure(.syntax, "expected ',' or ')' in the call to \(name)(), found \(peek.display)",
                                  at: peek.offset)
                }
            }
        }
        leave()
        guard function.accepts(arguments.count) else {
            throw failure(.wrongArity, "\(name)() takes \(function.arityDescription), not \(arguments.count)", at: offset)
        }
        switch function {
        case .secret:
            guard case .literal(.string(let path), _) = arguments[0] else {
                throw failure(.syntax, "secret() takes a literal path, like secret('payments/api-key')",
                              at: argumentOffsets[0])
            }
            secretPaths.append(path)
            let field: TemplateNode? = arguments.count > 1 ? arguments[1] : nil
            return try make(.secret(path: path, field: field, offset: offset), over: depth, at: offset)
        case .regexMatch:
            // A literal pattern is compiled once, now, and a bad one is a parse error.
            if case .literal(.string(let pattern), _) = arguments[1] {
                switch BoundedRegex.compile(pattern) {
                case .success(let regex):
                    return try make(.matchRegex(arguments[0], regex, offset: offset), over: depth, at: offset)
                case .failure(let problem):
                    throw failure(.invalidRegex, "invalid regex: \(problem)", at: argumentOffsets[1])
                }
            }
        default:
            break
        }
        return try make(.call(function, arguments, offset: offset), over: depth, at: offset)
    }

    // MARK: Limits

    private mutating func enter(at offset: Int) throws(TemplateError) {
        nesting += 1
        guard nesting <= limits.maxDepth else {
            throw failure(.limitExceeded, "the expression nests more than \(limits.maxDepth) levels deep", at: offset)
        }
    }

    private mutating func leave() {
        nesting -= 1
    }

    private mutating func make(_ node: TemplateNode, over childDepth: Int, at offset: Int) throws(TemplateError) -> ParsedNode {
        nodeCount += 1
        guard nodeCount <= limits.maxNodes else {
            throw failure(.limitExceeded, "the template has more than \(limits.maxNodes) expression parts", at: offset)
        }
        guard childDepth < limits.maxDepth else {
            throw failure(.limitExceeded, "the expression nests more than \(limits.maxDepth) levels deep", at: offset)
        }
        return ParsedNode(node: node, depth: childDepth + 1)
    }

    private func failure(_ kind: TemplateError.Kind, _ message: String, at offset: Int) -> TemplateError {
        TemplateError(kind, message, at: offset, in: scalars)
    }
}
