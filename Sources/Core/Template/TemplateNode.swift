/// A parsed expression. Only `TemplateParser` builds nodes, so every node is within the depth
/// and size limits and every call has the number of arguments its function takes.
///
/// Each case carries the offset (in Unicode scalars, from the start of the text) that an error
/// while evaluating it points at: an operator's position for operators, the name for paths and
/// calls.
indirect enum TemplateNode: Sendable {
    case literal(JSONValue, offset: Int)
    /// A path from a context root: `input.ticket.subject`, `nodes.fetch.output["body"][0]`.
    case path(root: String, steps: [TemplatePathStep], offset: Int)
    /// Steps applied to a computed value: `split(input.email, '@')[1]`, `(input.items)[0]`.
    case access(TemplateNode, steps: [TemplatePathStep], offset: Int)
    /// An array literal with at least one element that is not constant (constant ones are
    /// folded into `.literal` when parsed).
    case array([TemplateNode], offset: Int)
    case not(TemplateNode, offset: Int)
    case negate(TemplateNode, offset: Int)
    case and(TemplateNode, TemplateNode, offset: Int)
    case or(TemplateNode, TemplateNode, offset: Int)
    case binary(TemplateBinaryOperator, TemplateNode, TemplateNode, offset: Int)
    case call(TemplateFunction, [TemplateNode], offset: Int)
    /// `regex_match(subject, 'literal pattern')`: the pattern was compiled when parsed.
    case matchRegex(TemplateNode, BoundedRegex, offset: Int)
    /// `secret('path', field?)`: the path is always a literal.
    case secret(path: String, field: TemplateNode?, offset: Int)

    var offset: Int {
        switch self {
        case .literal(_, let offset), .path(_, _, let offset), .access(_, _, let offset), .array(_, let offset),
             .not(_, let offset), .negate(_, let offset), .and(_, _, let offset), .or(_, _, let offset),
             .binary(_, _, _, let offset), .call(_, _, let offset), .matchRegex(_, _, let offset),
             .secret(_, _, let offset):
            return offset
        }
    }
}

/// The operators that evaluate both operands (`&&` and `||` have their own nodes: they
/// short-circuit).
enum TemplateBinaryOperator: Sendable {
    case add, subtract, multiply, divide, remainder
    case equal, notEqual, less, lessEqual, greater, greaterEqual

    var symbol: String {
        switch self {
        case .add: "+"
        case .subtract: "-"
        case .multiply: "*"
        case .divide: "/"
        case .remainder: "%"
        case .equal: "=="
        case .notEqual: "!="
        case .less: "<"
        case .lessEqual: "<="
        case .greater: ">"
        case .greaterEqual: ">="
        }
    }
}
