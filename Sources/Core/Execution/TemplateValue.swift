/// A JSON value whose strings may be templates, parsed once: a node's `input` mapping or a
/// step's config. Rendering evaluates every template in place and keeps everything else.
public indirect enum TemplateValue: Sendable {
    case literal(JSONValue)
    case template(Template)
    case array([TemplateValue])
    case object([String: TemplateValue])

    /// Parses every template under `value`. Definitions were validated when stored, so a
    /// failure here means the stored version predates a rule; it is reported, not trapped.
    public static func compile(_ value: JSONValue) throws(TemplateError) -> TemplateValue {
        switch value {
        case .string(let text):
            let template = try Template.parse(text)
            return template.isLiteral ? .literal(value) : .template(template)
        case .array(let items):
            var compiled: [TemplateValue] = []
            for item in items { compiled.append(try compile(item)) }
            return .array(compiled)
        case .object(let object):
            var compiled: [String: TemplateValue] = [:]
            for (key, item) in object { compiled[key] = try compile(item) }
            return .object(compiled)
        default:
            return .literal(value)
        }
    }

    /// Every path the templates inside read.
    public var references: [TemplateReference] {
        switch self {
        case .literal: []
        case .template(let template): template.references
        case .array(let items): items.flatMap(\.references)
        case .object(let object): object.keys.sorted().flatMap { object[$0]!.references }
        }
    }

    /// The literal paths of every `secret()` call inside.
    public var secretPaths: Set<String> {
        switch self {
        case .literal: []
        case .template(let template): Set(template.secretPaths)
        case .array(let items): items.reduce(into: Set<String>()) { $0.formUnion($1.secretPaths) }
        case .object(let object): object.values.reduce(into: Set<String>()) { $0.formUnion($1.secretPaths) }
        }
    }

    public func render(in context: TemplateContext) throws(TemplateError) -> JSONValue {
        switch self {
        case .literal(let value): return value
        case .template(let template): return try template.evaluate(in: context)
        case .array(let items):
            var rendered: [JSONValue] = []
            for item in items { rendered.append(try item.render(in: context)) }
            return .array(rendered)
        case .object(let object):
            var rendered: [String: JSONValue] = [:]
            for (key, item) in object { rendered[key] = try item.render(in: context) }
            return .object(rendered)
        }
    }
}
