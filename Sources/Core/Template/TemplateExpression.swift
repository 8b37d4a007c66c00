/// A bare expression, without `{{ }}`: for fields that hold only a condition or a value, such
/// as a router's branch conditions. Same language, limits and errors as `Template`; offsets
/// count from the start of the expression.
///
/// ```swift
/// let condition = try TemplateExpression.parse("nodes.classify.output.label == 'urgent'")
/// let urgent = try condition.evaluateCondition(in: context)
/// ```
public struct TemplateExpression: Sendable, Hashable, CustomStringConvertible {
    public let source: String
    /// Every path read from a root, in source order.
    public let references: [TemplateReference]
    /// The literal path of every `secret()` call, in source order.
    public let secretPaths: [String]
    let root: TemplateNode

    public static func parse(_ source: String, limits: TemplateLimits = .standard) throws(TemplateError) -> TemplateExpression {
        let size = source.utf8.count
        guard size <= limits.maxTextBytes else {
            throw TemplateError(kind: .limitExceeded,
                                message: "the expression is \(size) bytes; the limit is \(limits.maxTextBytes)",
                                offset: 0, line: 1, column: 1)
        }
        var parser = TemplateParser(scalars: Array(source.unicodeScalars), limits: limits)
        let root = try parser.parseBareExpression()
        return TemplateExpression(source: source, references: parser.references, secretPaths: parser.secretPaths,
                                  root: root)
    }

    public func evaluate(in context: TemplateContext) throws(TemplateError) -> JSONValue {
        var evaluator = TemplateEvaluator(context: context, source: source)
        return try evaluator.evaluate(root)
    }

    /// Whether the value is truthy: null, false, 0, "", [] and {} are false.
    public func evaluateCondition(in context: TemplateContext) throws(TemplateError) -> Bool {
        let value = try evaluate(in: context)
        return TemplateEvaluator.isTruthy(value)
    }

    /// An error for every path whose root is not in `allowed`.
    public func unknownRoots(allowed: Set<String>) -> [TemplateError] {
        TemplateReference.unknownRoots(in: references, allowed: allowed, source: source)
    }

    public var description: String { source }

    public static func == (lhs: TemplateExpression, rhs: TemplateExpression) -> Bool { lhs.source == rhs.source }

    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
