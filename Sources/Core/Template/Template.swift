/// A workflow template: text with `{{ expression }}` interpolations, parsed once and evaluated
/// many times, as in `text: "{{ input.ticket.subject }}"` or
/// `when: "{{ nodes.classify.output.label == 'urgent' }}"`.
///
/// What evaluation returns:
/// - text without `{{` is a literal: evaluating gives it back as a string;
/// - text that is exactly one interpolation (spaces inside the braces allowed, nothing outside)
///   gives the expression's value unchanged: `"{{ nodes.fetch.output.body }}"` gives an object;
/// - anything else renders each interpolation (strings as they are, null as nothing, other
///   values as compact JSON) and gives the concatenation as a string.
///
/// There is no escape for a literal `{{`: write `{{ '{{' }}`. A `}}` outside an interpolation
/// is plain text.
///
/// The expression language (see `TemplateParser` for precedence, `TemplateLexer` for tokens):
/// paths from context roots (`input.items[0]`, `input["ticket-id"]`, `input.items[-1]`), where a
/// missing key, an index out of range or a step into a non-container gives null; literals
/// (`'text'`, `"text"`, `42`, `1.5`, `true`, `false`, `null`, `[1, 'a']`); `||` `&&` `!` (and
/// `or` `and` `not`), comparisons, arithmetic; and the functions `length lower upper trim join
/// split json default coalesce now format_date contains starts_with ends_with regex_match
/// secret`. There is no assignment, no loop and no eval, and every evaluation is bounded by
/// `TemplateLimits`.
///
/// ```swift
/// let when = try Template.parse("{{ input.count > 3 && input.name == 'x' }}")
/// if try when.evaluateCondition(in: context) { … }
/// ```
///
/// Two templates are equal when their source text is.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    /// The text the template was parsed from.
    public let source: String
    /// The same as `source`.
    public var text: String { source }
    /// Every path read from a root, in source order (for validation without evaluating).
    public let references: [TemplateReference]
    /// The literal path of every `secret()` call, in source order.
    public let secretPaths: [String]
    let body: TemplateBody

    /// Parses `text`. Throws a `TemplateError` with the position of the first problem: an
    /// unclosed `{{`, a syntax error, an unknown function (with a suggestion), a wrong number of
    /// arguments, an invalid literal regex pattern, or a limit exceeded.
    public static func parse(_ text: String, limits: TemplateLimits = .standard) throws(TemplateError) -> Template {
        let size = text.utf8.count
        guard size <= limits.maxTextBytes else {
            throw TemplateError(kind: .limitExceeded,
                                message: "the template is \(size) bytes; the limit is \(limits.maxTextBytes)",
                                offset: 0, line: 1, column: 1)
        }
        var parser = TemplateParser(scalars: Array(text.unicodeScalars), limits: limits)
        let body = try parser.parseTemplate()
        return Template(source: text, references: parser.references, secretPaths: parser.secretPaths, body: body)
    }

    /// True when the text has no interpolation.
    public var isLiteral: Bool {
        if case .literal = body { return true }
        return false
    }

    /// The text, when the template has no interpolation; nil otherwise.
    public var literalText: String? {
        if case .literal(let text) = body { return text }
        return nil
    }

    /// The template's value in `context` (see the type's documentation for its shape).
    public func evaluate(in context: TemplateContext) throws(TemplateError) -> JSONValue {
        switch body {
        case .literal(let text):
            return .string(text)
        case .single(let node):
            var evaluator = TemplateEvaluator(context: context, source: source)
            return try evaluator.evaluate(node)
        case .parts(let parts):
            var evaluator = TemplateEvaluator(context: context, source: source)
            return try evaluator.render(parts)
        }
    }

    /// Whether the value is truthy, for `when:`: null, false, 0, "", [] and {} are false.
    public func evaluateCondition(in context: TemplateContext) throws(TemplateError) -> Bool {
        let value = try evaluate(in: context)
        return TemplateEvaluator.isTruthy(value)
    }

    /// An error for every path whose root is not in `allowed`, with "did you mean" when a root
    /// is spelled close to one: what the definitions validator reports before anything runs.
    public func unknownRoots(allowed: Set<String>) -> [TemplateError] {
        TemplateReference.unknownRoots(in: references, allowed: allowed, source: source)
    }

    public var description: String { source }

    public static func == (lhs: Template, rhs: Template) -> Bool { lhs.source == rhs.source }

    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
