/// Evaluates parsed nodes against a `TemplateContext`, counting steps.
///
/// One evaluator serves one evaluation of one template: `spent` accumulates over all its
/// interpolations. It recurses once per tree level, which the parser bounds by
/// `TemplateLimits.maxDepth`; nothing here recurses over the data (structural equality uses an
/// explicit stack).
///
/// Hot path: a path is a dictionary lookup per step with pre-split keys, operators switch over
/// enums, and nothing is allocated for scalars.
struct TemplateEvaluator {
    let context: TemplateContext
    /// The text offsets point into, for error positions (read only when something fails).
    let source: String
    private let maxSteps: Int
    let maxStringBytes: Int
    private(set) var spent = 0

    init(context: TemplateContext, source: String) {
        self.context = context
        self.source = source
        self.maxSteps = context.limits.maxSteps
        self.maxStringBytes = context.limits.maxStringBytes
    }

    mutating func evaluate(_ node: TemplateNode) throws(TemplateError) -> JSONValue {
        spent &+= 1
        if spent > maxSteps { throw tooManySteps(at: node.offset) }
        switch node {
        case .literal(let value, _):
            return value
        case .path(let root, let steps, let offset):
            guard let base = context.roots[root] else {
                throw failure(.unknownName, TemplateSuggestion.unknownNameMessage(root, known: Array(context.roots.keys)),
                              at: offset)
            }
            return steps.isEmpty ? base : Self.follow(base, steps)
        case .access(let base, let steps, _):
            let value = try evaluate(base)
            return Self.follow(value, steps)
        case .array(let elements, _):
            var values: [JSONValue] = []
            values.reserveCapacity(elements.count)
            for element in elements {
                let value = try evaluate(element)
                values.append(value)
            }
            return .array(values)
        case .not(let operand, _):
            let value = try evaluate(operand)
            return .bool(!Self.isTruthy(value))
        case .negate(let operand, let offset):
            let value = try evaluate(operand)
            return try negate(value, at: offset)
        case .and(let left, let right, _):
            let first = try evaluate(left)
            guard Self.isTruthy(first) else { return .bool(false) }
            let second = try evaluate(right)
            return .bool(Self.isTruthy(second))
        case .or(let left, let right, _):
            let first = try evaluate(left)
            if Self.isTruthy(first) { return .bool(true) }
            let second = try evaluate(right)
            return .bool(Self.isTruthy(second))
        case .binary(let op, let left, let right, let offset):
            let lhs = try evaluate(left)
            let rhs = try evaluate(right)
            return try apply(op, lhs, rhs, at: offset)
        case .call(let function, let arguments, let offset):
            return try call(function, arguments, at: offset)
        case .matchRegex(let subject, let regex, let offset):
            let value = try evaluate(subject)
            return try match(value, regex, at: offset)
        case .secret(let path, let field, let offset):
            return try resolveSecret(path, field: field, at: offset)
        }
    }

    /// Renders a template's parts into one string.
    mutating func render(_ parts: [TemplatePart]) throws(TemplateError) -> JSONValue {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text):
                out += text
            case .expression(let node):
                let value = try evaluate(node)
                try append(value, to: &out, at: node.offset)
            }
        }
        return .string(out)
    }

    /// Appends `value` as an interpolation shows it, counting its size against the limits.
    mutating func append(_ value: JSONValue, to out: inout String, at offset: Int) throws(TemplateError) {
        let before = out.utf8.count
        Self.render(value, into: &out)
        try charge((out.utf8.count - before) / 16, at: offset)
        try checkSize(out, at: offset)
    }

    // MARK: Values

    /// Follows key and index steps; anything missing, out of range or not a container is null.
    static func follow(_ value: JSONValue, _ steps: [TemplatePathStep]) -> JSONValue {
        var current = value
        for step in steps {
            switch step {
            case .key(let key):
                guard case .object(let object) = current, let next = object[key] else { return .null }
                current = next
            case .index(let index):
                guard case .array(let items) = current else { return .null }
                let resolved = index < 0 ? items.count + index : index
                guard resolved >= 0, resolved < items.count else { return .null }
                current = items[resolved]
            }
        }
        return current
    }

    /// null, false, 0, 0.0, "", [] and {} are false; everything else is true.
    static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .integer(let number): number != 0
        case .number(let number): number != 0
        case .string(let text): !text.isEmpty
        case .array(let items): !items.isEmpty
        case .object(let object): !object.isEmpty
        }
    }

    /// How an interpolation shows a value: strings as they are, null as nothing, anything else
    /// as compact JSON.
    static func render(_ value: JSONValue, into out: inout String) {
        switch value {
        case .string(let text): out += text
        case .null: break
        default: out += value.canonicalText
        }
    }

    // MARK: Limits and errors

    /// Counts `units` more steps of work.
    mutating func charge(_ units: Int, at offset: Int) throws(TemplateError) {
        spent &+= units
        if spent > maxSteps { throw tooManySteps(at: offset) }
    }

    func checkSize(_ text: String, at offset: Int) throws(TemplateError) {
        let size = text.utf8.count
        guard size <= maxStringBytes else {
            throw failure(.limitExceeded, "a string of \(size) bytes would be produced; the limit is \(maxStringBytes)",
                          at: offset)
        }
    }

    /// Steps left before the limit.
    var remainingSteps: Int { max(0, maxSteps - spent) }

    func tooManySteps(at offset: Int) -> TemplateError {
        failure(.limitExceeded, "evaluation needs more than \(maxSteps) steps; simplify the template or shrink its data",
                at: offset)
    }

    func failure(_ kind: TemplateError.Kind, _ message: String, at offset: Int) -> TemplateError {
        TemplateError(kind, message, at: offset, in: source)
    }

    func typeMismatch(_ message: String, at offset: Int) -> TemplateError {
        failure(.typeMismatch, message, at: offset)
    }
}
